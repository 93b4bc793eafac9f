package auth

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/motcua/motcua/internal/domain"
)

// DevKeyFile is the development signing key's file name in the data directory.
const DevKeyFile = "dev-signing-key.pem"

// EnsureDevKey loads the development Ed25519 signing key from dataDir,
// creating it (mode 0600) if missing. created reports whether it was new.
func EnsureDevKey(dataDir string) (key ed25519.PrivateKey, path string, created bool, err error) {
	path = filepath.Join(dataDir, DevKeyFile)
	key, err = LoadPrivateKey(path)
	if err == nil {
		return key, path, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, path, false, err
	}
	_, key, err = ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, path, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, path, false, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, path, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // created concurrently
			key, err = LoadPrivateKey(path)
			return key, path, false, err
		}
		return nil, path, false, err
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, path, false, err
	}
	return key, path, true, f.Sync()
}

// DevVerifier verifies tokens signed by a development key, as
// `motcua token issue` makes them (issuer DevIssuer, audience
// DefaultAudience).
func DevVerifier(key ed25519.PrivateKey) (*Verifier, error) {
	set, err := PublicSet(key.Public())
	if err != nil {
		return nil, err
	}
	return &Verifier{Keys: StaticKeys{Set: set}, Issuer: DevIssuer, Audience: DefaultAudience}, nil
}

// NewEphemeralDevKey returns a development key that lives only in memory
// (demos, tests, benchmarks), and a verifier for it.
func NewEphemeralDevKey() (ed25519.PrivateKey, *Verifier, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	v, err := DevVerifier(key)
	return key, v, err
}

// LoadPrivateKey reads a PKCS#8 PEM Ed25519 private key.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ed, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return ed, nil
}

// PublicSet returns a key set holding the public half of a signing key.
func PublicSet(pub crypto.PublicKey) (jwk.Set, error) {
	k, err := jwk.Import(pub)
	if err != nil {
		return nil, err
	}
	if err := prepareKey(k); err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	return set, set.AddKey(k)
}

// prepareKey pins the key's algorithm to the one its type implies, so a
// token cannot pick another algorithm for it.
func prepareKey(k jwk.Key) error {
	if _, ok := k.Algorithm(); ok {
		return nil
	}
	var alg jwa.SignatureAlgorithm
	switch k.KeyType() {
	case jwa.OKP():
		alg = jwa.EdDSA()
	case jwa.EC():
		alg = jwa.ES256()
	case jwa.RSA():
		alg = jwa.RS256()
	default:
		return fmt.Errorf("key type %s cannot verify signatures", k.KeyType())
	}
	if err := k.Set(jwk.AlgorithmKey, alg); err != nil {
		return err
	}
	if _, ok := k.KeyID(); !ok {
		tp, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			return err
		}
		return k.Set(jwk.KeyIDKey, fmt.Sprintf("%x", tp[:8]))
	}
	return nil
}

// LoadPublicKeys reads verification keys from a file: a JWK set (JSON) or
// PEM public keys / certificates. Private keys are refused.
func LoadPublicKeys(path string) (jwk.Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var set jwk.Set
	if blk, _ := pem.Decode(b); blk != nil {
		set, err = jwk.Parse(b, jwk.WithPEM(true))
	} else {
		set, err = jwk.Parse(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if set.Len() == 0 {
		return nil, fmt.Errorf("%s: no keys", path)
	}
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		if _, err := k.PublicKey(); err != nil {
			return nil, err
		}
		if isPrivate(k) {
			return nil, fmt.Errorf("%s: key %d is a private key; give the server public keys only", path, i)
		}
		if err := prepareKey(k); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return set, nil
}

func isPrivate(k jwk.Key) bool {
	switch k.(type) {
	case jwk.OKPPrivateKey, jwk.ECDSAPrivateKey, jwk.RSAPrivateKey, jwk.SymmetricKey:
		return true
	}
	return false
}

// RemoteKeys is a JWKS URL, fetched and refreshed in the background.
type RemoteKeys struct {
	url   string
	cache *jwk.Cache
	// res is the cached resource: its Resource is an atomic load, where
	// cache.Lookup asks the cache's goroutine over a channel on every call.
	res *httprc.ResourceBase[jwk.Set]

	// The public keys of the last set fetched: the same jwk.Set value
	// until a fetch replaces the set (see KeySource).
	mu       sync.Mutex
	upstream jwk.Set
	public   jwk.Set
}

// NewRemoteKeys starts fetching url in the background for as long as ctx
// lives; it fails if the first fetch has not succeeded within wait (the
// fetcher retries until then), so a server never starts — nor hangs —
// without keys.
func NewRemoteKeys(ctx context.Context, url string, wait time.Duration) (*RemoteKeys, error) {
	cache, err := jwk.NewCache(ctx, httprc.NewClient())
	if err != nil {
		return nil, err
	}
	first, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := cache.Register(first, url, jwk.WithMinInterval(time.Minute)); err != nil {
		return nil, fmt.Errorf("JWKS %s: no key set fetched within %s: %w", url, wait, err)
	}
	res, err := cache.LookupResource(ctx, url)
	if err != nil {
		return nil, err
	}
	return &RemoteKeys{url: url, cache: cache, res: res}, nil
}

// Keys implements KeySource.
func (r *RemoteKeys) Keys(ctx context.Context) (jwk.Set, error) {
	set := r.res.Resource()
	if set == nil {
		return nil, fmt.Errorf("JWKS %s: no key set fetched", r.url)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if set == r.upstream {
		return r.public, nil
	}
	out := jwk.NewSet()
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		if isPrivate(k) {
			continue
		}
		if err := prepareKey(k); err != nil {
			continue
		}
		if err := out.AddKey(k); err != nil {
			return nil, err
		}
	}
	r.upstream, r.public = set, out
	return out, nil
}

// TokenSpec is what `motcua token issue` puts in a token.
type TokenSpec struct {
	Subject    string
	Role       domain.Role
	Agency     string
	CitizenID  string
	Assurance  domain.Assurance
	MandateRef string
	Name       string
	Issuer     string
	Audience   string
	TTL        time.Duration
}

// Issue signs a token with an Ed25519 key.
func Issue(key ed25519.PrivateKey, s TokenSpec, now time.Time) (string, error) {
	p := domain.Principal{Subject: s.Subject, Role: s.Role, AgencyCode: s.Agency, CitizenID: s.CitizenID, MandateRef: s.MandateRef}
	if err := CheckPrincipal(p); err != nil {
		return "", err
	}
	b := jwt.NewBuilder().Subject(s.Subject).Issuer(s.Issuer).Audience([]string{s.Audience}).
		IssuedAt(now).NotBefore(now).Expiration(now.Add(s.TTL)).Claim(ClaimRole, s.Role.String())
	for name, v := range map[string]string{ClaimAgency: s.Agency, ClaimCitizenID: s.CitizenID,
		ClaimMandateRef: s.MandateRef, ClaimName: s.Name} {
		if v != "" {
			b = b.Claim(name, v)
		}
	}
	if s.Assurance != 0 {
		b = b.Claim(ClaimAssurance, s.Assurance.String())
	}
	tok, err := b.Build()
	if err != nil {
		return "", err
	}
	k, err := jwk.Import(key)
	if err != nil {
		return "", err
	}
	pub, err := PublicSet(key.Public())
	if err != nil {
		return "", err
	}
	pk, _ := pub.Key(0)
	kid, _ := pk.KeyID()
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		return "", err
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.EdDSA(), k))
	return string(signed), err
}
