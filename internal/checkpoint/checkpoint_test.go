package checkpoint

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

func TestSignProveVerify(t *testing.T) {
	skey, vkey, err := GenerateKey(rand.Reader, "motcua-test")
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := PublicKey(skey); err != nil || pub != vkey {
		t.Fatalf("PublicKey = %q, %v; want %q", pub, err, vkey)
	}
	signer, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	var heads []domain.ChainHead
	var tree Tree
	for i := range 13 {
		h := domain.ChainHead{DossierID: fmt.Sprintf("d%02d", i), LastSeq: int64(i + 1), LastHash: fmt.Sprintf("%064x", i)}
		heads = append(heads, h)
		if err := tree.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	root, err := tree.Root()
	if err != nil {
		t.Fatal(err)
	}
	c := Checkpoint{Origin: "test", Seq: 3, Size: tree.Size(), Root: root, Time: time.Unix(1700000000, 5000).UTC()}
	signed, err := Sign(c, signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(signed, vkey)
	if err != nil || got != c {
		t.Fatalf("Open = %+v, %v; want %+v", got, err, c)
	}
	for i, h := range heads {
		p, err := tree.Prove(int64(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(got, int64(i), h, p); err != nil {
			t.Fatalf("leaf %d: %v", i, err)
		}
		// A rewritten head is not included.
		forged := h
		forged.LastHash = "ff" + h.LastHash[2:]
		if err := VerifyInclusion(got, int64(i), forged, p); err == nil {
			t.Fatalf("leaf %d: forged head verified", i)
		}
	}
	// A tampered checkpoint does not open.
	bad := append([]byte{}, signed...)
	bad[len(header)+2] ^= 1
	if _, err := Open(bad, vkey); err == nil {
		t.Fatal("tampered note opened")
	}
	_, other, _ := GenerateKey(rand.Reader, "motcua-test")
	if _, err := Open(signed, other); err == nil {
		t.Fatal("note opened with another key")
	}
	var empty Tree // RFC 6962: the empty tree's root is SHA-256 of nothing
	if r, err := empty.Root(); err != nil || r.String() != "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" {
		t.Fatalf("empty root %v %v", r, err)
	}
}
