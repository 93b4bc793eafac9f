package esign_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/esign"
)

func TestVerifyDetached(t *testing.T) {
	ca, err := esign.NewDevCA("Test Root", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := ca.IssueSigner("Chủ tịch UBND", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := esign.NewDevCA("Someone Else", 24*time.Hour)
	ocert, okey, _ := other.IssueSigner("Impostor", time.Hour)
	content := []byte("%PDF-1.7 quyết định cấp giấy phép")
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil }
	roots := esign.NewRoots(ca.Cert)

	sig, err := esign.Sign(content, cert, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := roots.VerifyDetached(sig, sha, open, time.Now())
	if err != nil {
		t.Fatalf("a valid signature refused: %v", err)
	}
	if got.Signer != "CN=Chủ tịch UBND" || got.Root != ca.Cert.Subject.String() || got.SignedAt.IsZero() {
		t.Fatalf("verdict %+v", got)
	}

	reason := func(err error) string {
		var r *esign.Refusal
		if !errors.As(err, &r) {
			t.Fatalf("want a refusal, got %v", err)
		}
		return r.Reason
	}
	// The same signature over other bytes (a forged or swapped document).
	forged := sha256.Sum256([]byte("another document"))
	if _, err := roots.VerifyDetached(sig, hex.EncodeToString(forged[:]), open, time.Now()); reason(err) != esign.ReasonInvalid {
		t.Fatalf("forged: %v", err)
	}
	// A tampered signature value.
	bad := bytes.Clone(sig)
	bad[len(bad)-5] ^= 0xff
	if _, err := roots.VerifyDetached(bad, sha, open, time.Now()); err == nil {
		t.Fatal("a tampered signature accepted")
	}
	// A valid signature by a signer the server does not trust.
	osig, _ := esign.Sign(content, ocert, okey, nil)
	if _, err := roots.VerifyDetached(osig, sha, open, time.Now()); reason(err) != esign.ReasonUntrusted {
		t.Fatalf("untrusted: %v", err)
	}
	if _, err := roots.VerifyDetached([]byte("not cms"), sha, open, time.Now()); reason(err) != esign.ReasonMalformed {
		t.Fatalf("garbage: %v", err)
	}
	if _, err := esign.NewRoots().VerifyDetached(sig, sha, open, time.Now()); reason(err) != esign.ReasonNoRoots {
		t.Fatalf("no roots: %v", err)
	}
}
