package webhooks

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// TestSignMatchesTheStandardWebhooksVector: the reference vector of the
// Standard Webhooks libraries.
func TestSignMatchesTheStandardWebhooksVector(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`))
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("signature %q (%v)", got, err)
	}
}

// TestVerifyDuringRotation: a delivery signed with the old and the new
// secret verifies under either; a stale timestamp or another secret fails.
func TestVerifyDuringRotation(t *testing.T) {
	old, cur := NewSecret(), NewSecret()
	now := time.Now()
	body := []byte(`{"id":"e1"}`)
	h, err := Headers([]string{old, cur}, "e1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{old, cur} {
		if err := Verify(s, h, body, now); err != nil {
			t.Fatalf("secret %s: %v", s[:10], err)
		}
	}
	if err := Verify(NewSecret(), h, body, now); !errors.Is(err, ErrSignature) {
		t.Fatalf("another secret: %v", err)
	}
	if err := Verify(cur, h, body, now.Add(Tolerance+time.Minute)); !errors.Is(err, ErrSignature) {
		t.Fatalf("a replay after the tolerance: %v", err)
	}
	h.Set(HeaderID, "e2")
	if err := Verify(cur, h, body, now); !errors.Is(err, ErrSignature) {
		t.Fatalf("another webhook-id: %v", err)
	}
	h.Set(HeaderID, "e1")
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
	if err := Verify(cur, h, body, now); !errors.Is(err, ErrSignature) {
		t.Fatalf("another timestamp: %v", err)
	}
}

func TestPublicAddr(t *testing.T) {
	for a, want := range map[string]bool{"93.184.216.34": true, "2606:2800:220:1::": true, "127.0.0.1": false, "10.0.0.1": false,
		"172.16.5.4": false, "192.168.0.1": false, "169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "::1": false,
		"fd00::1": false, "fe80::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "224.0.0.1": false, "2002:7f00:1::": false} {
		if got := publicAddr(netip.MustParseAddr(a)); got != want {
			t.Errorf("%s: public %v, want %v", a, got, want)
		}
	}
}

// TestDialerRefusesPrivateAddresses: the delivery client checks the
// address it actually connects to, so a name that resolved to a public
// address at creation and resolves to a private one now (DNS rebinding) is
// refused before any byte is sent.
func TestDialerRefusesPrivateAddresses(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer srv.Close()
	for _, u := range []string{srv.URL, "http://localhost:" + srv.Listener.Addr().(interface{ String() string }).String()[len("127.0.0.1:"):]} {
		_, err := newHTTPClient(false, 2*time.Second).Get(u)
		if !errors.Is(err, ErrPrivateAddress) {
			t.Fatalf("%s: %v, want ErrPrivateAddress", u, err)
		}
	}
	if hit {
		t.Fatal("the request reached the private address")
	}
	if _, err := newHTTPClient(true, 2*time.Second).Get(srv.URL); err != nil || !hit {
		t.Fatalf("allowed: %v (hit %v)", err, hit)
	}
}
