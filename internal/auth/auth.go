// Package auth turns credentials into a verified domain.Principal: it
// verifies bearer JWTs (Ed25519, ES256 or RS256 public keys from a file or a
// JWKS URL), reads our claims, and attaches the principal to the call's
// context. It also manages the local development signing key that
// `motcua serve` creates and `motcua token issue` signs with.
package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/motcua/motcua/internal/domain"
)

// Claim names beyond the registered ones.
const (
	ClaimRole       = "role"
	ClaimAgency     = "agency"
	ClaimCitizenID  = "citizen_id"
	ClaimAssurance  = "assurance"
	ClaimMandateRef = "mandate_ref"
	ClaimName       = "name"
)

// Development defaults: what `motcua token issue` signs and `motcua serve`
// expects when no production keys are configured.
const (
	DevIssuer       = "motcua-dev"
	DefaultAudience = "motcua"
)

// AllowedAlgorithms are the only signature algorithms accepted. "none" and
// the HMAC family are never accepted: verification keys are public keys.
var AllowedAlgorithms = []jwa.SignatureAlgorithm{jwa.EdDSA(), jwa.ES256(), jwa.RS256()}

// KeySource yields the current verification keys. It returns the same
// jwk.Set value for as long as the keys are unchanged, and a different one
// once they change: the verifier's cache of verified tokens holds an entry
// only while the set that verified it is current.
type KeySource interface {
	Keys(ctx context.Context) (jwk.Set, error)
}

// StaticKeys is a fixed key set (a file, or the development key).
type StaticKeys struct{ Set jwk.Set }

// Keys implements KeySource.
func (s StaticKeys) Keys(context.Context) (jwk.Set, error) { return s.Set, nil }

// Verifier checks tokens and builds principals.
type Verifier struct {
	Keys     KeySource
	Issuer   string
	Audience string
	// Skew tolerated on exp/nbf/iat.
	Skew time.Duration
	Now  func() time.Time

	// verified remembers tokens that passed, keyed by the SHA-256 of the
	// whole token (so a token differing in any byte — another signature,
	// another claim — is verified afresh), until the earliest of the
	// token's expiry and verifiedTTL, and only while the key set that
	// verified it is the current one (a key withdrawn or rotated out
	// invalidates at once what it verified). Clients send the same token on
	// every call, and parsing and checking a signature is the costliest
	// part of a cheap call. At most verifiedMax entries; when full it is
	// emptied (only valid tokens are ever added).
	mu       sync.Mutex
	verified map[[32]byte]verifiedToken
}

type verifiedToken struct {
	p     domain.Principal
	until time.Time
	keys  jwk.Set // the set that verified it
}

const verifiedTTL = 5 * time.Minute

// verifiedMax bounds the verified-token cache (a variable for the tests).
var verifiedMax = 10000

// ErrInvalidToken wraps every verification failure; the wrapped error says
// why (for the log, not for the caller).
var ErrInvalidToken = errors.New("invalid token")

// Verify checks a compact JWS and returns its principal.
func (v *Verifier) Verify(ctx context.Context, token string) (domain.Principal, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	sum := sha256.Sum256([]byte(token))
	set, err := v.Keys.Keys(ctx)
	if err != nil {
		return domain.Principal{}, fmt.Errorf("%w: verification keys unavailable: %v", ErrInvalidToken, err)
	}
	v.mu.Lock()
	hit, ok := v.verified[sum]
	v.mu.Unlock()
	if ok && now.Before(hit.until) && hit.keys == set {
		return hit.p, nil
	}
	p, exp, err := v.verifyWith(set, token)
	if err != nil {
		return p, err
	}
	until := now.Add(verifiedTTL)
	if exp.Before(until) {
		until = exp
	}
	v.mu.Lock()
	if v.verified == nil || len(v.verified) >= verifiedMax {
		v.verified = make(map[[32]byte]verifiedToken)
	}
	v.verified[sum] = verifiedToken{p: p, until: until, keys: set}
	v.mu.Unlock()
	return p, nil
}

func (v *Verifier) verify(ctx context.Context, token string) (domain.Principal, time.Time, error) {
	set, err := v.Keys.Keys(ctx)
	if err != nil {
		return domain.Principal{}, time.Time{}, fmt.Errorf("%w: verification keys unavailable: %v", ErrInvalidToken, err)
	}
	return v.verifyWith(set, token)
}

// verifyWith checks token against the key set set.
func (v *Verifier) verifyWith(set jwk.Set, token string) (domain.Principal, time.Time, error) {
	if err := checkAlgorithm(token); err != nil {
		return domain.Principal{}, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	opts := []jwt.ParseOption{
		jwt.WithKeySet(set, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(false)),
		jwt.WithValidate(true),
		jwt.WithAudience(v.Audience),
		jwt.WithRequiredClaim("exp"),
		jwt.WithRequiredClaim("sub"),
		jwt.WithAcceptableSkew(v.Skew),
	}
	if v.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.Issuer))
	}
	if v.Now != nil {
		opts = append(opts, jwt.WithClock(jwt.ClockFunc(v.Now)))
	}
	tok, err := jwt.Parse([]byte(token), opts...)
	if err != nil {
		return domain.Principal{}, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	p, err := principalOf(tok)
	if err != nil {
		return domain.Principal{}, time.Time{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	exp, _ := tok.Expiration()
	return p, exp, nil
}

// checkAlgorithm refuses any header algorithm outside AllowedAlgorithms
// before a key is even chosen.
func checkAlgorithm(token string) error {
	msg, err := jws.Parse([]byte(token))
	if err != nil {
		return err
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return fmt.Errorf("want exactly one signature, got %d", len(sigs))
	}
	alg, ok := sigs[0].ProtectedHeaders().Algorithm()
	if !ok {
		return errors.New("no alg header")
	}
	for _, a := range AllowedAlgorithms {
		if a.String() == alg.String() {
			return nil
		}
	}
	return fmt.Errorf("algorithm %q is not accepted", alg.String())
}

func stringClaim(tok jwt.Token, name string) string {
	var s string
	if err := tok.Get(name, &s); err != nil {
		return ""
	}
	return s
}

// principalOf reads our claims and checks they fit together.
func principalOf(tok jwt.Token) (domain.Principal, error) {
	sub, _ := tok.Subject()
	role, err := ParseTokenRole(stringClaim(tok, ClaimRole))
	if err != nil {
		return domain.Principal{}, fmt.Errorf("claim %q: %v", ClaimRole, err)
	}
	iss, _ := tok.Issuer()
	p := domain.Principal{
		Subject: sub, Issuer: iss, Role: role, Name: stringClaim(tok, ClaimName),
		AgencyCode: stringClaim(tok, ClaimAgency), CitizenID: stringClaim(tok, ClaimCitizenID),
		MandateRef: stringClaim(tok, ClaimMandateRef),
	}
	if a := stringClaim(tok, ClaimAssurance); a != "" {
		if p.Assurance, err = ParseAssurance(a); err != nil {
			return domain.Principal{}, err
		}
	}
	if role == domain.RoleIntegration {
		p.SourceSystem = sub
		if iss != "" {
			p.SourceSystem = iss + "/" + sub
		}
	}
	return p, CheckPrincipal(p)
}

// CheckPrincipal verifies that a principal's claims fit its role.
func CheckPrincipal(p domain.Principal) error {
	if !slices.Contains(TokenRoles, p.Role) {
		return fmt.Errorf("role %q is not one a token may carry (%s)", p.Role, tokenRoleNames())
	}
	if err := checkClaimText(p); err != nil {
		return err
	}
	switch p.Role {
	case domain.RoleCitizen, domain.RoleRepresentative:
		if msg := domain.ValidateIDNumber(domain.ApplicantCitizen, p.CitizenID); msg != "" {
			return fmt.Errorf("claim %q: %s", ClaimCitizenID, msg)
		}
		if p.Role == domain.RoleRepresentative && p.MandateRef == "" {
			return fmt.Errorf("a representative needs claim %q", ClaimMandateRef)
		}
	case domain.RoleClerk, domain.RoleSpecialist, domain.RoleLeader, domain.RoleAuditor:
		if p.AgencyCode == "" {
			return fmt.Errorf("role %s needs claim %q", p.Role, ClaimAgency)
		}
	}
	return nil
}

// ParseAssurance reads an assurance level name ("VNEID_2").
func ParseAssurance(s string) (domain.Assurance, error) {
	for _, a := range []domain.Assurance{domain.AssuranceNone, domain.AssuranceVNeID1, domain.AssuranceVNeID2, domain.AssuranceInPerson} {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown assurance level %q (NONE, VNEID_1, VNEID_2, IN_PERSON)", s)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p domain.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of the call, if authenticated.
func FromContext(ctx context.Context) (domain.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(domain.Principal)
	return p, ok
}
