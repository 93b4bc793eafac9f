package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// swappableKeys is a key source whose keys the test changes.
type swappableKeys struct {
	mu  sync.Mutex
	set jwk.Set
}

func (s *swappableKeys) Keys(context.Context) (jwk.Set, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set, nil
}

func (s *swappableKeys) swap(set jwk.Set) {
	s.mu.Lock()
	s.set = set
	s.mu.Unlock()
}

func publicSet(t *testing.T, pubs ...ed25519.PublicKey) jwk.Set {
	t.Helper()
	out := jwk.NewSet()
	for i, pub := range pubs {
		k, err := jwk.Import(pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Set(jwk.KeyIDKey, fmt.Sprintf("k%d", i)); err != nil {
			t.Fatal(err)
		}
		if err := prepareKey(k); err != nil {
			t.Fatal(err)
		}
		if err := out.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The cache of verified tokens never accepts what verification would
// refuse: an expired token, a token whose key was withdrawn or rotated
// out, a token that differs from a cached one in any byte.
func TestVerifiedTokenCacheTrustsNoMoreThanVerification(t *testing.T) {
	ctx := context.Background()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	pub2, priv2, _ := ed25519.GenerateKey(rand.Reader)
	clock := now
	var mu sync.Mutex
	at := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	keys := &swappableKeys{set: publicSet(t, pub)}
	v := &Verifier{Keys: keys, Issuer: DevIssuer, Audience: DefaultAudience, Now: at}

	short := clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder { return b.Expiration(now.Add(time.Minute)) })
	long := clerkToken(t, jwa.EdDSA(), priv, nil)
	for range 2 { // the second time from the cache
		for _, tok := range []string{short, long} {
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(v.verified) != 2 {
		t.Fatalf("%d tokens cached, want 2", len(v.verified))
	}

	t.Run("a different token of the same subject is verified itself", func(t *testing.T) {
		// Same header and claims, the signature changed: only the cache
		// could accept it.
		parts := strings.Split(long, ".")
		sig := []byte(parts[2])
		sig[5] ^= 'A' ^ 'B' // a character in the middle
		if sig[5] == parts[2][5] {
			t.Fatal("the signature did not change")
		}
		if _, err := v.Verify(ctx, parts[0]+"."+parts[1]+"."+string(sig)); err == nil {
			t.Fatal("a cached token's claims with another signature were accepted")
		}
		// Same subject, an admin role, signed by a key outside the set.
		_, stranger, _ := ed25519.GenerateKey(rand.Reader)
		forged := clerkToken(t, jwa.EdDSA(), stranger, func(b *jwt.Builder) *jwt.Builder { return b.Claim(ClaimRole, "admin") })
		if _, err := v.Verify(ctx, forged); err == nil {
			t.Fatal("a token of a cached subject signed by an unknown key was accepted")
		}
	})

	t.Run("an expired token is refused though cached", func(t *testing.T) {
		advance(time.Minute + time.Second)
		if _, err := v.Verify(ctx, short); err == nil {
			t.Fatal("a token past its expiry was accepted from the cache")
		}
		if _, err := v.Verify(ctx, long); err != nil {
			t.Fatalf("the other token: %v", err)
		}
	})

	t.Run("a token of a withdrawn key is refused at once", func(t *testing.T) {
		keys.swap(publicSet(t, pub2)) // rotated: the old key gone
		if _, err := v.Verify(ctx, long); err == nil {
			t.Fatal("a cached token was accepted after its key was withdrawn")
		}
		if _, err := v.Verify(ctx, clerkToken(t, jwa.EdDSA(), priv2, nil)); err != nil {
			t.Fatalf("a token of the new key: %v", err)
		}
		// Both keys again, as a new set: the token verifies afresh.
		keys.swap(publicSet(t, pub, pub2))
		if _, err := v.Verify(ctx, long); err != nil {
			t.Fatalf("the old key is back: %v", err)
		}
	})

	t.Run("bounded", func(t *testing.T) {
		defer func(n int) { verifiedMax = n }(verifiedMax)
		verifiedMax = 50
		for i := range verifiedMax + 10 {
			tok := clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder { return b.Subject(fmt.Sprintf("clerk-%d", i)) })
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if n := len(v.verified); n > verifiedMax {
				t.Fatalf("%d entries cached, at most %d", n, verifiedMax)
			}
		}
	})
}

// A JWKS key set is the same value until it is fetched anew (so that the
// verified-token cache works with remote keys), and a key withdrawn from
// the JWKS stops verifying cached tokens as soon as the set is refetched.
func TestRemoteKeysChangeInvalidatesCachedTokens(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	pub2, _, _ := ed25519.GenerateKey(rand.Reader)
	var body atomic.Value
	serve := func(pubs ...ed25519.PublicKey) {
		b, err := json.Marshal(publicSet(t, pubs...))
		if err != nil {
			t.Fatal(err)
		}
		body.Store(b)
	}
	serve(pub)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body.Load().([]byte))
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys, err := NewRemoteKeys(ctx, srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a, err := keys.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := keys.Keys(ctx)
	if err != nil || a != b {
		t.Fatalf("an unchanged JWKS gave two sets (%v): the token cache would never hit", err)
	}
	v := &Verifier{Keys: keys, Issuer: DevIssuer, Audience: DefaultAudience, Now: func() time.Time { return now }}
	tok := clerkToken(t, jwa.EdDSA(), priv, nil)
	for range 2 {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	serve(pub2) // the identity provider rotates its key
	if _, err := keys.cache.Refresh(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, tok); err == nil {
		t.Fatal("a cached token was accepted after its key left the JWKS")
	}
}
