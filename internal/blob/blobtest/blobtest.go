// Package blobtest starts the blob stores tests run against: a directory,
// and an S3 bucket on an in-process S3 server (gofakes3) speaking the S3
// protocol over HTTP on 127.0.0.1, reached through the production client.
package blobtest

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/motcua/motcua/internal/blob"
)

// Kinds names the blob stores every test runs on.
var Kinds = []string{"dir", "s3"}

// Encrypted is the kind of an encrypted directory store (with a random key
// made for the test); the blob package's own tests add it to Kinds.
const Encrypted = "dir-encrypted"

// New returns a fresh store of kind ("dir" or "s3") that lives as long as t.
func New(t testing.TB, kind string) blob.Store {
	t.Helper()
	switch kind {
	case "dir":
		d, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	case "s3":
		s, _ := NewS3(t)
		return s
	case Encrypted:
		d, err := blob.NewEncryptedDir(t.TempDir(), NewKeyring(t, "k1"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Fatalf("unknown blob store kind %q", kind)
	return nil
}

// NewS3 starts an S3 server with one bucket and returns a store over it and
// the server (close it to simulate an outage).
func NewS3(t testing.TB) (*blob.S3, *httptest.Server) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("motcua"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s, err := blob.NewS3(context.Background(), blob.S3Config{Endpoint: srv.URL, Bucket: "motcua", Region: "us-east-1",
		AccessKey: "test", SecretKey: "test-secret", Prefix: "t/"})
	if err != nil {
		t.Fatal(err)
	}
	return s, srv
}

// NewKeyring returns a keyring of random keys with the ids given (the last
// is the newest).
func NewKeyring(t testing.TB, ids ...string) *blob.Keyring {
	t.Helper()
	keys := make([][]byte, len(ids))
	for i := range ids {
		keys[i] = make([]byte, 32)
		if _, err := rand.Read(keys[i]); err != nil {
			t.Fatal(err)
		}
	}
	k, err := blob.NewKeyring(ids, keys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
