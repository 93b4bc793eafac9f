// Package checkpoint anchors every dossier's chain head outside the
// database: a checkpoint is an RFC 6962 Merkle tree (golang.org/x/mod/
// sumdb/tlog) over all chain heads, ordered by dossier id, whose size and
// root are signed with the server's Ed25519 key as a signed note
// (golang.org/x/mod/sumdb/note) and published to places the database's
// administrator does not control. Whoever holds a checkpoint and its
// public key can check that a dossier's chain is the one anchored: an
// inclusion proof of the dossier's leaf (id, last sequence, last hash)
// against the signed root, and the dossier's events re-hashed up to that
// sequence. Rewriting a chain together with its head is then detected.
//
// The package is pure: no I/O beyond what callers hand it.
package checkpoint

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/motcua/motcua/internal/domain"
)

// header is the first line of a checkpoint's text.
const header = "motcua checkpoint v1"

// LeafData is the canonical encoding of a chain head as a Merkle leaf.
func LeafData(h domain.ChainHead) []byte {
	return fmt.Appendf(nil, "motcua.head.v1\n%s\n%d\n%s\n", h.DossierID, h.LastSeq, h.LastHash)
}

// LeafHash is RFC 6962's leaf hash, SHA-256(0x00 ‖ LeafData(h)).
func LeafHash(h domain.ChainHead) tlog.Hash { return tlog.RecordHash(LeafData(h)) }

// Tree is a Merkle tree over chain heads, held in memory (tlog's stored
// hashes: about two per leaf).
type Tree struct {
	size   int64
	hashes []tlog.Hash
}

func (t *Tree) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(t.hashes)) {
				return nil, fmt.Errorf("checkpoint: hash %d not in tree", x)
			}
			out[i] = t.hashes[x]
		}
		return out, nil
	})
}

// Add appends a leaf; leaves must come in dossier id order.
func (t *Tree) Add(h domain.ChainHead) error {
	hs, err := tlog.StoredHashesForRecordHash(t.size, LeafHash(h), t.reader())
	if err != nil {
		return err
	}
	t.hashes = append(t.hashes, hs...)
	t.size++
	return nil
}

// Size is the number of leaves.
func (t *Tree) Size() int64 { return t.size }

// Root is the tree's root hash (tlog's hash of the empty tree when empty).
func (t *Tree) Root() (tlog.Hash, error) { return tlog.TreeHash(t.size, t.reader()) }

// Prove returns the inclusion proof of leaf i.
func (t *Tree) Prove(i int64) (tlog.RecordProof, error) {
	return tlog.ProveRecord(t.size, i, t.reader())
}

// Checkpoint is what a signature covers.
type Checkpoint struct {
	Origin string    // the installation (e.g. the province's host name)
	Seq    int64     // 1, 2, … per installation
	Size   int64     // leaves: dossiers with a chain
	Root   tlog.Hash // Merkle root
	Time   time.Time // when the heads were read
}

// Text is the checkpoint's note text:
//
//	motcua checkpoint v1
//	<origin>
//	<seq>
//	<size>
//	<root, base64>
//	<time, RFC 3339 UTC>
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%s\n%d\n%d\n%s\n%s\n", header, c.Origin, c.Seq, c.Size,
		base64.StdEncoding.EncodeToString(c.Root[:]), c.Time.UTC().Format(time.RFC3339Nano))
}

// ParseText parses a checkpoint's text (without signatures).
func ParseText(text string) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 6 || lines[0] != header {
		return c, errors.New("checkpoint: not a motcua checkpoint v1")
	}
	c.Origin = lines[1]
	var err error
	if c.Seq, err = strconv.ParseInt(lines[2], 10, 64); err != nil || c.Seq <= 0 {
		return c, errors.New("checkpoint: bad sequence")
	}
	if c.Size, err = strconv.ParseInt(lines[3], 10, 64); err != nil || c.Size < 0 {
		return c, errors.New("checkpoint: bad tree size")
	}
	root, err := base64.StdEncoding.DecodeString(lines[4])
	if err != nil || len(root) != tlog.HashSize {
		return c, errors.New("checkpoint: bad root hash")
	}
	copy(c.Root[:], root)
	if c.Time, err = time.Parse(time.RFC3339Nano, lines[5]); err != nil {
		return c, errors.New("checkpoint: bad time")
	}
	return c, nil
}

// Sign returns the signed note of c.
func Sign(c Checkpoint, s note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: c.Text()}, s)
}

// Open verifies a signed checkpoint with the public key vkey (a note
// verifier key, "name+hash+base64") and parses it.
func Open(signed []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: public key: %w", err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: signature: %w", err)
	}
	return ParseText(n.Text)
}

// VerifyInclusion checks that head is leaf index of c's tree.
func VerifyInclusion(c Checkpoint, index int64, head domain.ChainHead, proof []tlog.Hash) error {
	if err := tlog.CheckRecord(tlog.RecordProof(proof), c.Size, c.Root, index, LeafHash(head)); err != nil {
		return fmt.Errorf("checkpoint %d does not include %s at event %d as leaf %d: %w", c.Seq, head.DossierID, head.LastSeq, index, err)
	}
	return nil
}

// GenerateKey returns a new signing key (note "PRIVATE+KEY+name+…") and
// its public key ("name+hash+base64").
func GenerateKey(rand io.Reader, name string) (skey, vkey string, err error) {
	return note.GenerateKey(rand, name)
}

// NewSigner parses a signing key written by GenerateKey.
func NewSigner(skey string) (note.Signer, error) {
	return note.NewSigner(string(bytes.TrimSpace([]byte(skey))))
}

// PublicKey derives the public key ("name+hash+base64") of a signing key
// written by GenerateKey.
func PublicKey(skey string) (string, error) {
	parts := strings.SplitN(strings.TrimSpace(skey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("checkpoint: not a signing key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("checkpoint: not an Ed25519 signing key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}
