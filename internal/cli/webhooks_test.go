package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/webhooks"
)

// TestWebhookReceiverVerifies: the README's receiver prints a delivery that
// verifies and answers 204; a tampered body or another secret gets 401 and
// is not printed.
func TestWebhookReceiverVerifies(t *testing.T) {
	secret := webhooks.NewSecret()
	var out, errOut bytes.Buffer
	srv := httptest.NewServer(receiver(secret, &out, &errOut, false))
	defer srv.Close()
	post := func(body, signedBody, key string) int {
		h, err := webhooks.Headers([]string{key}, "ev-1", time.Now(), []byte(signedBody))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post(`{"id":"ev-1"}`, `{"id":"ev-1"}`, secret); c != http.StatusNoContent {
		t.Fatalf("a good delivery: %d", c)
	}
	if c := post(`{"id":"ev-2"}`, `{"id":"ev-1"}`, secret); c != http.StatusUnauthorized {
		t.Fatalf("a tampered body: %d", c)
	}
	if c := post(`{"id":"ev-1"}`, `{"id":"ev-1"}`, webhooks.NewSecret()); c != http.StatusUnauthorized {
		t.Fatalf("another secret: %d", c)
	}
	if got := out.String(); got != "ev-1 {\"id\":\"ev-1\"}\n" {
		t.Fatalf("printed %q", got)
	}
	if strings.Count(errOut.String(), "refused") != 2 {
		t.Fatalf("stderr %q", errOut.String())
	}
}
