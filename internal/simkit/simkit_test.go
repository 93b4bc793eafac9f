package simkit

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestGate: a token only for the right client, calls only with a live token,
// an outage refuses everything, a delay in the gate holds calls, and the
// control endpoints set both.
func TestGate(t *testing.T) {
	g := New("id", "secret", true)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", g.Token)
	mux.HandleFunc("POST /call", g.Authed(func(w http.ResponseWriter, _ *http.Request) { WriteJSON(w, "ok") }))
	g.Controls(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	post := func(path, bearer string, form url.Values) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	grant := url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"wrong"}}
	if c := post("/token", "", grant); c != http.StatusUnauthorized || g.TokensIssued() != 0 {
		t.Fatalf("wrong secret: %d, %d issued", c, g.TokensIssued())
	}
	grant.Set("client_secret", "secret")
	if c := post("/token", "", grant); c != http.StatusOK || g.TokensIssued() != 1 {
		t.Fatalf("token: %d", c)
	}
	var tok string
	g.mu.Lock()
	for k := range g.tokens {
		tok = k
	}
	g.mu.Unlock()
	if c := post("/call", "forged", nil); c != http.StatusUnauthorized {
		t.Fatalf("forged token: %d", c)
	}
	if c := post("/call", tok, nil); c != http.StatusOK {
		t.Fatalf("call: %d", c)
	}
	if post("/sim/down?on=true", "", nil) != http.StatusOK || post("/call", tok, nil) != http.StatusServiceUnavailable ||
		post("/token", "", grant) != http.StatusServiceUnavailable {
		t.Fatal("an outage must refuse calls and tokens")
	}
	post("/sim/down?on=false", "", nil)
	if c := post("/sim/delay?d=-1s", "", nil); c != http.StatusBadRequest {
		t.Fatalf("negative delay: %d", c)
	}
	post("/sim/delay?d=300ms", "", nil)
	start := time.Now()
	if c := post("/call", tok, nil); c != http.StatusOK || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("delayed call: %d after %v", c, time.Since(start))
	}
}
