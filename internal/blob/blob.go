// Package blob stores files by content: each blob is named by the lower-case
// hex SHA-256 of its bytes, so a name can be checked against what it holds
// and two uploads of the same file share one copy. Two backends: a local
// directory (the default, under the data directory) and an S3-compatible
// object store (production). Uploads are staged under their upload id, part
// by part at known offsets, and promoted to their content name only after
// the caller has checked the hash (docs/documents.md).
//
// Every failure of the backend itself (unreachable, I/O, full) comes back
// as a domain.FailureError (UNAVAILABLE or RESOURCE_EXHAUSTED), never as a
// bare error the transport would call INTERNAL.
package blob

import (
	"context"
	"io"
	"regexp"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// ErrNotFound: no blob (or staged upload) by that name; it is a
// domain.ErrNotFound.
var ErrNotFound error = &domain.NotFoundError{Kind: "blob", Key: ""}

// Store is a content-addressed blob store with staged uploads.
type Store interface {
	// Open returns the blob's bytes and size; ErrNotFound when absent.
	Open(ctx context.Context, sha string) (io.ReadCloser, int64, error)
	// Stat returns the blob's size; ErrNotFound when absent.
	Stat(ctx context.Context, sha string) (int64, error)
	// Delete removes the blob; deleting an absent blob is no error.
	Delete(ctx context.Context, sha string) error
	// WritePart durably stores p as the bytes of upload at offset; bytes
	// staged earlier at or past offset are discarded (a resumed upload
	// rewrites what was not acknowledged).
	WritePart(ctx context.Context, upload string, offset int64, p []byte) error
	// Promote makes the first size staged bytes of upload the blob sha and
	// drops the staging. The caller has verified the hash.
	Promote(ctx context.Context, upload, sha string, size int64) error
	// Drop discards whatever is staged for upload.
	Drop(ctx context.Context, upload string) error
	// Staged returns how many bytes are staged for upload (0 when none).
	Staged(ctx context.Context, upload string) (int64, error)
	// Name says what the store is, for logs ("dir:/var/lib/motcua/blobs").
	Name() string
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
var uploadPattern = regexp.MustCompile(`^[0-9a-f-]{36}$`)

// ValidSHA reports whether s is a lower-case hex SHA-256.
func ValidSHA(s string) bool { return shaPattern.MatchString(s) }

func checkNames(sha, upload string) error {
	if sha != "" && !ValidSHA(sha) {
		return domain.Invalid("sha256", "not a lower-case hex SHA-256")
	}
	if upload != "" && !uploadPattern.MatchString(upload) {
		return domain.Invalid("upload_id", "not an upload id")
	}
	return nil
}

// Reasons of the blob store's failures.
const (
	ReasonBlobUnavailable = "BLOB_STORE_UNAVAILABLE"
	ReasonBlobFull        = "BLOB_STORE_FULL"
)

func unavailable(cause error) error {
	return domain.Unavailable(ReasonBlobUnavailable, "the file store cannot be reached or failed; retry later", 5*time.Second, cause)
}

func full(cause error) error {
	return domain.Exhausted(ReasonBlobFull, "the file store is full", time.Minute, cause)
}
