package blob

import (
	"bufio"
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/minio/sio"

	"github.com/motcua/motcua/internal/domain"
)

// Encryption at rest of the directory store (docs/documents.md).
//
// Every encrypted file (a blob, or one staged part of an upload) is
//
//	"MOTCUAE1" | key id length (1 byte) | key id | salt (32 random bytes) | DARE 2.0 stream
//
// The stream is github.com/minio/sio's DARE format, AES-256-GCM in
// authenticated 64 KiB packages with a final-package flag: a changed,
// reordered, truncated or extended byte fails the read, so a tampered file
// never returns wrong bytes. Its key is derived per file with HKDF-SHA256
// from the master key the header names, the file's random salt, and what
// the file is (the blob's SHA-256, or the upload id and offset of a part):
// every stream has its own key (DARE requires it), and a file moved to
// another name does not decrypt. Content addressing stays by the
// plaintext's SHA-256. Reading and writing stream (one package in memory).

const encMagic = "MOTCUAE1"

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Keyring holds the master keys by id; new files use the newest.
type Keyring struct {
	keys   map[string][]byte
	newest string
}

// NewKeyring returns a keyring of the keys (32 bytes each) in the order
// given: the last is the newest, the one new files are encrypted with.
func NewKeyring(ids []string, keys [][]byte) (*Keyring, error) {
	if len(ids) == 0 || len(ids) != len(keys) {
		return nil, errors.New("encryption keyring: no keys")
	}
	k := &Keyring{keys: map[string][]byte{}}
	for i, id := range ids {
		if !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("encryption keyring: key id %q: want 1-64 of A-Z a-z 0-9 . _ -", id)
		}
		if len(keys[i]) != 32 {
			return nil, fmt.Errorf("encryption keyring: key %q has %d bytes, want 32", id, len(keys[i]))
		}
		if _, dup := k.keys[id]; dup {
			return nil, fmt.Errorf("encryption keyring: key id %q appears twice", id)
		}
		k.keys[id] = keys[i]
		k.newest = id
	}
	return k, nil
}

// LoadKeyring reads a key file: one key a line, "<id> <64 hex digits>" (a
// line of only the hex digits is id "default"), '#' starts a comment. The
// last key is the newest: to rotate, append a new line; files written with
// the older keys stay readable as long as their lines stay.
func LoadKeyring(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("encryption key file: %w", err)
	}
	defer f.Close()
	var ids []string
	var keys [][]byte
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		switch len(fields) {
		case 0:
			continue
		case 1:
			fields = []string{"default", fields[0]}
		case 2:
		default:
			return nil, fmt.Errorf("encryption key file %s:%d: want \"<id> <64 hex digits>\"", path, n)
		}
		key, err := hex.DecodeString(fields[1])
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("encryption key file %s:%d: the key must be 64 hex digits (32 bytes; openssl rand -hex 32)", path, n)
		}
		ids, keys = append(ids, fields[0]), append(keys, key)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("encryption key file: %w", err)
	}
	k, err := NewKeyring(ids, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Newest is the id of the key new files use.
func (k *Keyring) Newest() string { return k.newest }

func (k *Keyring) config(id string, salt []byte, context string) (sio.Config, error) {
	master, ok := k.keys[id]
	if !ok {
		return sio.Config{}, fmt.Errorf("encrypted with key %q, which is not in the keyring", id)
	}
	key, err := hkdf.Key(sha256.New, master, salt, "motcua blob v1 "+context, 32)
	if err != nil {
		return sio.Config{}, err
	}
	return sio.Config{MinVersion: sio.Version20, MaxVersion: sio.Version20, CipherSuites: []byte{sio.AES_256_GCM}, Key: key}, nil
}

// encryptTo writes the header and returns a writer that encrypts into w
// with the newest key; Close writes the final package.
func (k *Keyring) encryptTo(w io.Writer, context string) (io.WriteCloser, error) {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	cfg, err := k.config(k.newest, salt, context)
	if err != nil {
		return nil, err
	}
	hdr := append([]byte(encMagic), byte(len(k.newest)))
	hdr = append(append(hdr, k.newest...), salt...)
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	return sio.EncryptWriter(w, cfg)
}

// decryptFrom reads the header from r and returns a reader of the
// plaintext and the header's length. A read of a tampered stream fails
// with a sio.Error.
func (k *Keyring) decryptFrom(r io.Reader, context string) (io.Reader, int64, error) {
	fixed := make([]byte, len(encMagic)+1)
	if _, err := io.ReadFull(r, fixed); err != nil {
		return nil, 0, corrupt(err)
	}
	if !bytes.Equal(fixed[:len(encMagic)], []byte(encMagic)) {
		return nil, 0, corrupt(errors.New("not an encrypted file"))
	}
	rest := make([]byte, int(fixed[len(encMagic)])+32)
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, 0, corrupt(err)
	}
	id, salt := string(rest[:len(rest)-32]), rest[len(rest)-32:]
	cfg, err := k.config(id, salt, context)
	if err != nil {
		return nil, 0, corrupt(err)
	}
	dr, err := sio.DecryptReader(r, cfg)
	if err != nil {
		return nil, 0, corrupt(err)
	}
	return sioErrs{dr}, int64(len(fixed) + len(rest)), nil
}

// plainSize is the plaintext size of an encrypted file of size bytes with
// a header of hdr bytes.
func plainSize(size, hdr int64) (int64, error) {
	n, err := sio.DecryptedSize(uint64(size - hdr))
	if err != nil {
		return 0, corrupt(err)
	}
	return int64(n), nil
}

// ReasonBlobCorrupt: a stored file fails its authentication (tampered,
// truncated, or written with a key no longer in the keyring).
const ReasonBlobCorrupt = "BLOB_CORRUPT"

// corrupt is what a stored file that does not decrypt answers: the store
// failing (UNAVAILABLE, an operator's problem), never the bytes.
func corrupt(cause error) error {
	return domain.Unavailable(ReasonBlobCorrupt, "a stored file fails its integrity check (tampered, truncated, or its key is not in the keyring)", time.Minute, cause)
}

// sioErrs classifies a decryption failure in the middle of a stream.
type sioErrs struct{ r io.Reader }

func (s sioErrs) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	var se sio.Error
	if errors.As(err, &se) {
		err = corrupt(err)
	}
	return n, err
}
