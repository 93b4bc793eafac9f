// Package esign validates detached CMS (PKCS #7) signatures over stored
// files (github.com/smallstep/pkcs7) against a set of trusted roots, and
// makes them for development (Sign). The file itself is never loaded: its
// SHA-256 is its name in the blob store, already verified, and other digest
// algorithms read it as a stream.
package esign

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/motcua/motcua/internal/domain"
)

// Reasons a signature is refused (ErrorInfo reasons).
const (
	ReasonMalformed = "SIGNATURE_MALFORMED"  // not a detached CMS SignedData
	ReasonInvalid   = "SIGNATURE_INVALID"    // does not verify over this file
	ReasonUntrusted = "SIGNER_NOT_TRUSTED"   // no chain to a configured root
	ReasonNoRoots   = "NO_TRUSTED_ROOTS"     // the server trusts no root
	ReasonSignedAt  = "SIGNING_TIME_INVALID" // signed outside the certificate's validity
)

// Refusal is why a signature was not accepted: a FAILED_PRECONDITION with
// one of the reasons above.
type Refusal = domain.PreconditionError

func refuse(reason, detail string) error {
	return &domain.PreconditionError{Reason: reason, Description: detail}
}

// Roots is the set of trusted root certificates.
type Roots struct {
	pool  *x509.CertPool
	certs []*x509.Certificate
}

// NewRoots trusts certs.
func NewRoots(certs ...*x509.Certificate) *Roots {
	r := &Roots{pool: x509.NewCertPool()}
	for _, c := range certs {
		r.pool.AddCert(c)
		r.certs = append(r.certs, c)
	}
	return r
}

// LoadRoots reads PEM certificates from the files.
func LoadRoots(files ...string) (*Roots, error) {
	var certs []*x509.Certificate
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		cs, err := ParsePEM(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		certs = append(certs, cs...)
	}
	return NewRoots(certs...), nil
}

// ParsePEM returns every CERTIFICATE block of b.
func ParsePEM(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// Len is the number of trusted roots.
func (r *Roots) Len() int {
	if r == nil {
		return 0
	}
	return len(r.certs)
}

// knownHasher gives the content's SHA-256 without reading it (the blob's
// name, verified when it was stored) and streams it for other digests.
type knownHasher struct {
	sha256 []byte
	open   func() (io.ReadCloser, error)
}

func (h knownHasher) Hash(f crypto.Hash, _ io.Reader) ([]byte, error) {
	if f == crypto.SHA256 {
		return h.sha256, nil
	}
	if !f.Available() {
		return nil, fmt.Errorf("digest %v not available", f)
	}
	r, err := h.open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	d := f.New()
	if _, err := io.Copy(d, r); err != nil {
		return nil, err
	}
	return d.Sum(nil), nil
}

// VerifyDetached validates sig, a DER detached CMS signature, over the file
// whose SHA-256 is contentSHA (open streams the file for other digests),
// against the roots at time now (or the signing time when the signature
// carries one). It returns the signature's description, or a *Refusal, or
// another error when the file could not be read.
func (r *Roots) VerifyDetached(sig []byte, contentSHA string, open func() (io.ReadCloser, error), now time.Time) (*domain.Signature, error) {
	if r.Len() == 0 {
		return nil, refuse(ReasonNoRoots, "the server is configured with no trusted root certificates")
	}
	sum, err := hex.DecodeString(contentSHA)
	if err != nil || len(sum) != 32 {
		return nil, refuse(ReasonInvalid, "the file's hash is malformed")
	}
	if blk, _ := pem.Decode(sig); blk != nil {
		sig = blk.Bytes
	}
	p7, err := pkcs7.Parse(sig)
	if err != nil {
		return nil, refuse(ReasonMalformed, "not a CMS SignedData: "+err.Error())
	}
	if len(p7.Content) != 0 {
		return nil, refuse(ReasonMalformed, "the signature encapsulates its content; a detached signature is required")
	}
	if len(p7.Signers) != 1 {
		return nil, refuse(ReasonMalformed, fmt.Sprintf("%d signers; exactly one is required", len(p7.Signers)))
	}
	ee := p7.GetOnlySigner()
	if ee == nil {
		return nil, refuse(ReasonMalformed, "the signer's certificate is not included")
	}
	var signedAt time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, new([]byte)); err != nil {
		// Without signed attributes the signature would cover the content
		// bytes themselves, which are not loaded; CMS signers add them.
		return nil, refuse(ReasonMalformed, "the signature has no signed message-digest attribute")
	}
	_ = p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &signedAt)
	p7.Hasher = knownHasher{sha256: sum, open: open}
	at := now
	if !signedAt.IsZero() {
		at = signedAt
	}
	// First the signature itself (no chain), then the chain: so that a
	// forged signature and an untrusted signer are told apart.
	if err := p7.Verify(); err != nil {
		var st *pkcs7.SigningTimeNotValidError
		if errors.As(err, &st) {
			return nil, refuse(ReasonSignedAt, err.Error())
		}
		return nil, refuse(ReasonInvalid, "the signature does not verify over this file")
	}
	chains, err := ee.Verify(x509.VerifyOptions{Roots: r.pool, Intermediates: pool(p7.Certificates),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, CurrentTime: at})
	if err != nil || len(chains) == 0 {
		return nil, refuse(ReasonUntrusted, fmt.Sprintf("the signer %q does not chain to a trusted root", ee.Subject.String()))
	}
	chain := chains[0]
	return &domain.Signature{Signer: ee.Subject.String(), Issuer: ee.Issuer.String(), Serial: ee.SerialNumber.Text(16),
		Root: chain[len(chain)-1].Subject.String(), SignedAt: signedAt.UTC()}, nil
}

func pool(cs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c)
	}
	return p
}

// Sign makes a detached CMS signature over content with key and cert (and
// the intermediates in chain), SHA-256, with the signing time: what
// `motcua dev sign` writes for development and tests.
func Sign(content []byte, cert *x509.Certificate, key crypto.PrivateKey, chain []*x509.Certificate) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(cert, key, chain, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, err
	}
	sd.Detach()
	return sd.Finish()
}
