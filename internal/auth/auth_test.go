package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/motcua/motcua/internal/domain"
)

var now = time.Date(2026, 2, 13, 2, 0, 0, 0, time.UTC)

func clerkToken(t *testing.T, alg jwa.SignatureAlgorithm, key any, edit func(b *jwt.Builder) *jwt.Builder) string {
	t.Helper()
	b := jwt.NewBuilder().Subject("clerk-1").Issuer(DevIssuer).Audience([]string{DefaultAudience}).
		IssuedAt(now).NotBefore(now).Expiration(now.Add(time.Hour)).
		Claim(ClaimRole, "clerk").Claim(ClaimAgency, "000.00.01.H55")
	if edit != nil {
		b = edit(b)
	}
	tok, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

func verifier(t *testing.T, pub any) *Verifier {
	t.Helper()
	set, err := PublicSet(pub)
	if err != nil {
		t.Fatal(err)
	}
	return &Verifier{Keys: StaticKeys{Set: set}, Issuer: DevIssuer, Audience: DefaultAudience, Now: func() time.Time { return now }}
}

// unsigned builds a token with the given header and no valid signature.
func unsigned(header string, claims map[string]any) string {
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc(c) + "."
}

func TestVerifyRejectsForgedTokens(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	v := verifier(t, pub)
	good := clerkToken(t, jwa.EdDSA(), priv, nil)
	p, err := v.Verify(context.Background(), good)
	if err != nil || p.Role != domain.RoleClerk || p.AgencyCode != "000.00.01.H55" || p.Subject != "clerk-1" ||
		p.Issuer != DevIssuer || p.Key() != DevIssuer+"|staff|clerk-1" {
		t.Fatalf("valid token: %+v %v", p, err)
	}
	claims := map[string]any{"sub": "x", "iss": DevIssuer, "aud": DefaultAudience, "exp": now.Add(time.Hour).Unix(), "role": "admin"}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bad := map[string]string{
		"alg none":                            unsigned(`{"alg":"none","typ":"JWT"}`, claims),
		"alg none, no dot":                    strings.TrimSuffix(unsigned(`{"alg":"none"}`, claims), "."),
		"HS256 with the public key as secret": clerkToken(t, jwa.HS256(), []byte(pub), nil),
		"wrong key":                           clerkToken(t, jwa.EdDSA(), other, nil),
		"RSA key not trusted":                 clerkToken(t, jwa.RS256(), rsaKey, nil),
		"EC key not trusted":                  clerkToken(t, jwa.ES256(), ecKey, nil),
		"expired": clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder {
			return b.Expiration(now.Add(-time.Minute))
		}),
		"not yet valid": clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder {
			return b.NotBefore(now.Add(10 * time.Minute))
		}),
		"wrong issuer": clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder { return b.Issuer("evil") }),
		"wrong audience": clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder {
			return b.Audience([]string{"other-service"})
		}),
		"unknown role": clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder { return b.Claim(ClaimRole, "root") }),
		"staff without agency": clerkToken(t, jwa.EdDSA(), priv, func(b *jwt.Builder) *jwt.Builder {
			return b.Claim(ClaimAgency, "")
		}),
		"tampered payload": func() string {
			parts := strings.Split(good, ".")
			c, _ := base64.RawURLEncoding.DecodeString(parts[1])
			c = []byte(strings.Replace(string(c), `"clerk"`, `"admin"`, 1))
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(c) + "." + parts[2]
		}(),
		"garbage": "not.a.token",
		"empty":   "",
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("accepted (%v)", err)
			}
		})
	}
	// Without exp the token is refused even if correctly signed.
	tok, _ := jwt.NewBuilder().Subject("x").Issuer(DevIssuer).Audience([]string{DefaultAudience}).Claim(ClaimRole, "admin").Build()
	signed, _ := jwt.Sign(tok, jwt.WithKey(jwa.EdDSA(), priv))
	if _, err := v.Verify(context.Background(), string(signed)); err == nil {
		t.Fatal("token without exp accepted")
	}
}

func TestProductionKeysFromFiles(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rj, _ := jwk.Import(rsaKey.Public())
	ej, _ := jwk.Import(ecKey.Public())
	set := jwk.NewSet()
	_ = set.AddKey(rj)
	_ = set.AddKey(ej)
	b, _ := json.Marshal(set)
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadPublicKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Keys: StaticKeys{Set: loaded}, Issuer: DevIssuer, Audience: DefaultAudience, Now: func() time.Time { return now }}
	for name, tok := range map[string]string{
		"RS256": clerkToken(t, jwa.RS256(), rsaKey, nil),
		"ES256": clerkToken(t, jwa.ES256(), ecKey, nil),
	} {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// An RSA token with alg PS256 (not accepted) fails even with the right key.
	if _, err := v.Verify(context.Background(), clerkToken(t, jwa.PS256(), rsaKey, nil)); err == nil {
		t.Error("PS256 accepted")
	}
	// Private keys are refused as verification keys.
	pj, _ := jwk.Import(rsaKey)
	priv := jwk.NewSet()
	_ = priv.AddKey(pj)
	b, _ = json.Marshal(priv)
	_ = os.WriteFile(path, b, 0o600)
	if _, err := LoadPublicKeys(path); err == nil {
		t.Error("private key accepted as verification key")
	}
}

func TestDevKeyAndIssue(t *testing.T) {
	dir := t.TempDir()
	k1, path, created, err := EnsureDevKey(dir)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
	k2, _, created, err := EnsureDevKey(dir)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("reload: %v %v", created, err)
	}
	v := verifier(t, k1.Public())
	tok, err := Issue(k1, TokenSpec{Subject: "c1", Role: domain.RoleCitizen, CitizenID: "001090000123",
		Assurance: domain.AssuranceVNeID2, Issuer: DevIssuer, Audience: DefaultAudience, TTL: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil || p.CitizenID != "001090000123" || p.Assurance != domain.AssuranceVNeID2 || p.Role != domain.RoleCitizen {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := Issue(k1, TokenSpec{Subject: "c", Role: domain.RoleCitizen, CitizenID: "12"}, now); err == nil {
		t.Fatal("issued a citizen token with a bad id")
	}
}

// TestKeysFromAJWKSURL serves a key set over HTTP on 127.0.0.1 and verifies
// tokens signed by its key; a token signed by another key is refused.
func TestKeysFromAJWKSURL(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	set, err := PublicSet(pub)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(set)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys, err := NewRemoteKeys(ctx, srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Keys: keys, Issuer: DevIssuer, Audience: DefaultAudience, Now: func() time.Time { return now }}
	if _, err := v.Verify(ctx, clerkToken(t, jwa.EdDSA(), priv, nil)); err != nil {
		t.Fatalf("token signed by the JWKS key: %v", err)
	}
	if _, err := v.Verify(ctx, clerkToken(t, jwa.EdDSA(), other, nil)); err == nil {
		t.Fatal("token signed by a key outside the JWKS accepted")
	}
	if _, err := NewRemoteKeys(ctx, "http://127.0.0.1:1/none", 300*time.Millisecond); err == nil {
		t.Fatal("an unreachable JWKS URL was accepted at start")
	}
}
