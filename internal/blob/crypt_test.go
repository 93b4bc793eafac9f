package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/blob/blobtest"
	"github.com/motcua/motcua/internal/domain"
)

// store writes data through an upload of two parts and returns its name.
func store(t *testing.T, s blob.Store, upload string, data []byte) string {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	half := len(data) / 2
	if err := s.WritePart(ctx, upload, 0, data[:half]); err != nil {
		t.Fatal(err)
	}
	if err := s.WritePart(ctx, upload, int64(half), data[half:]); err != nil {
		t.Fatal(err)
	}
	if err := s.Promote(ctx, upload, sha, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	return sha
}

// readAll reads a blob whole, returning what a reader got before an error.
func readAll(s blob.Store, sha string) ([]byte, error) {
	r, _, err := s.Open(context.Background(), sha)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// filesUnder returns the contents of every regular file under root.
func filesUnder(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// With a keyring, neither a staged part nor a stored blob holds the
// plaintext on disk, and what is read back is the plaintext.
func TestEncryptedDirHoldsNoPlaintext(t *testing.T) {
	root := t.TempDir()
	s, err := blob.NewEncryptedDir(root, blobtest.NewKeyring(t, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("CCCD 001099012345 Nguyễn Văn A; "), 20000) // ~650 kB, many DARE packages
	probe := []byte("001099012345")
	ctx := context.Background()
	const up = "0190a0b0-0000-7000-8000-0000000000e1"
	if err := s.WritePart(ctx, up, 0, data[:300000]); err != nil {
		t.Fatal(err)
	}
	for p, b := range filesUnder(t, root) {
		if bytes.Contains(b, probe) {
			t.Fatalf("staged part %s holds the plaintext", p)
		}
	}
	if n, err := s.Staged(ctx, up); err != nil || n != 300000 {
		t.Fatalf("Staged: %d %v", n, err)
	}
	if err := s.WritePart(ctx, up, 300000, data[300000:]); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if err := s.Promote(ctx, up, sha, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	files := filesUnder(t, root)
	if len(files) != 1 {
		t.Fatalf("files after Promote: %d, want the one blob", len(files))
	}
	for p, b := range files {
		if bytes.Contains(b, probe) || !strings.HasSuffix(p, sha+".enc") {
			t.Fatalf("blob file %s: plaintext %v", p, bytes.Contains(b, probe))
		}
	}
	if n, err := s.Stat(ctx, sha); err != nil || n != int64(len(data)) {
		t.Fatalf("Stat: %d %v, want the plaintext size %d", n, err, len(data))
	}
	got, err := readAll(s, sha)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
}

// A changed, truncated, extended or renamed encrypted file fails to read:
// UNAVAILABLE (BLOB_CORRUPT), and no byte of a damaged package is returned.
func TestEncryptedDirDetectsTampering(t *testing.T) {
	data := make([]byte, 200000)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string, b []byte)
	}{
		{"bit flipped in the last package", func(t *testing.T, p string, b []byte) {
			b[len(b)-100] ^= 1
			must(t, os.WriteFile(p, b, 0o600))
		}},
		{"bit flipped in the header's salt", func(t *testing.T, p string, b []byte) {
			b[12] ^= 1
			must(t, os.WriteFile(p, b, 0o600))
		}},
		{"truncated at a package boundary", func(t *testing.T, p string, b []byte) {
			must(t, os.WriteFile(p, b[:len(b)-(len(b)-43)%(64<<10+32)], 0o600))
		}},
		{"bytes appended", func(t *testing.T, p string, b []byte) {
			must(t, os.WriteFile(p, append(b, b[50:200]...), 0o600))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := blob.NewEncryptedDir(t.TempDir(), blobtest.NewKeyring(t, "k1"))
			must(t, err)
			sha := store(t, s, "0190a0b0-0000-7000-8000-0000000000e2", data)
			path := onlyFile(t, s)
			b, err := os.ReadFile(path)
			must(t, err)
			tc.damage(t, path, b)
			got, err := readAll(s, sha)
			if !errors.Is(err, domain.ErrUnavailable) || !strings.Contains(err.Error(), "integrity") {
				t.Fatalf("read of a damaged file: %d bytes, %v; want an integrity failure", len(got), err)
			}
			if !bytes.Equal(got, data[:len(got)]) {
				t.Fatal("a damaged file returned wrong bytes")
			}
		})
	}

	// A blob's file moved to another blob's name does not decrypt: the key
	// is bound to the name.
	root := t.TempDir()
	s, err := blob.NewEncryptedDir(root, blobtest.NewKeyring(t, "k1"))
	must(t, err)
	a := store(t, s, "0190a0b0-0000-7000-8000-0000000000e3", []byte("%PDF-1.7 document A"))
	b := store(t, s, "0190a0b0-0000-7000-8000-0000000000e4", []byte("%PDF-1.7 document B"))
	pa := filepath.Join(root, "blobs", a[:2], a+".enc")
	pb := filepath.Join(root, "blobs", b[:2], b+".enc")
	content, err := os.ReadFile(pa)
	must(t, err)
	must(t, os.WriteFile(pb, content, 0o600))
	if got, err := readAll(s, b); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("a file moved to another name read as %q, %v", got, err)
	}
}

// Rotation: blobs written under an older key stay readable while its line
// stays in the keyring; new blobs use the newest key; a key removed from
// the keyring makes its blobs unreadable (not wrong).
func TestEncryptedDirKeyRotation(t *testing.T) {
	root := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "keys")
	k1 := strings.Repeat("11", 32)
	k2 := strings.Repeat("22", 32)
	must(t, os.WriteFile(keyFile, []byte(k1+"\n"), 0o600)) // a lone key: id "default"
	ring, err := blob.LoadKeyring(keyFile)
	must(t, err)
	s, err := blob.NewEncryptedDir(root, ring)
	must(t, err)
	old := store(t, s, "0190a0b0-0000-7000-8000-0000000000e5", []byte("%PDF-1.7 written under the first key"))

	must(t, os.WriteFile(keyFile, []byte("# rotated\ndefault "+k1+"\n2026-12 "+k2+"  # newest\n"), 0o600))
	ring, err = blob.LoadKeyring(keyFile)
	must(t, err)
	if ring.Newest() != "2026-12" {
		t.Fatalf("newest key %q", ring.Newest())
	}
	s, err = blob.NewEncryptedDir(root, ring)
	must(t, err)
	fresh := store(t, s, "0190a0b0-0000-7000-8000-0000000000e6", []byte("%PDF-1.7 written under the second key"))
	for _, sha := range []string{old, fresh} {
		if got, err := readAll(s, sha); err != nil || !strings.HasPrefix(string(got), "%PDF-1.7 written") {
			t.Fatalf("read %s after rotation: %q %v", sha, got, err)
		}
	}
	hdr, err := os.ReadFile(filepath.Join(root, "blobs", fresh[:2], fresh+".enc"))
	must(t, err)
	if !bytes.Contains(hdr[:32], []byte("2026-12")) {
		t.Fatal("a new blob is not written under the newest key")
	}

	only2, err := blob.NewKeyring([]string{"2026-12"}, [][]byte{bytes.Repeat([]byte{0x22}, 32)})
	must(t, err)
	s, err = blob.NewEncryptedDir(root, only2)
	must(t, err)
	if _, err := readAll(s, fresh); err != nil {
		t.Fatalf("the newest key's blob: %v", err)
	}
	if got, err := readAll(s, old); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("a blob whose key left the keyring read as %q, %v", got, err)
	}

	// Key files that are wrong are refused with the line.
	for _, bad := range []string{"", "k1 abcd\n", "k1 " + k1 + "\nk1 " + k2 + "\n", "a b c\n", "bad/id " + k1 + "\n"} {
		must(t, os.WriteFile(keyFile, []byte(bad), 0o600))
		if _, err := blob.LoadKeyring(keyFile); err == nil {
			t.Fatalf("key file %q accepted", bad)
		}
	}
}

// Turning encryption on keeps the blobs stored in plain before readable.
func TestEncryptionKeepsPlainBlobsReadable(t *testing.T) {
	root := t.TempDir()
	plain, err := blob.NewDir(root)
	must(t, err)
	sha := store(t, plain, "0190a0b0-0000-7000-8000-0000000000e7", []byte("%PDF-1.7 stored before encryption"))
	enc, err := blob.NewEncryptedDir(root, blobtest.NewKeyring(t, "k1"))
	must(t, err)
	if got, err := readAll(enc, sha); err != nil || string(got) != "%PDF-1.7 stored before encryption" {
		t.Fatalf("plain blob through the encrypted store: %q %v", got, err)
	}
	must(t, enc.Delete(context.Background(), sha))
	if _, err := enc.Stat(context.Background(), sha); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
}

func onlyFile(t *testing.T, s *blob.Dir) string {
	t.Helper()
	root := strings.TrimPrefix(strings.Fields(s.Name())[0], "dir:")
	files := filesUnder(t, filepath.Join(root, "blobs"))
	if len(files) != 1 {
		t.Fatalf("%d blob files", len(files))
	}
	for p := range files {
		return p
	}
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
