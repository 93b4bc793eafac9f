package app

import (
	"context"
	"time"
)

// UploadState is where an upload is.
type UploadState int

// Upload states.
const (
	UploadOpen   UploadState = 1 // receiving parts
	UploadDone   UploadState = 2 // hash verified; its blob is stored
	UploadFailed UploadState = 3 // refused (hash mismatch, bad content); nothing kept
	// UploadExpired: left open past the expiry; its staged bytes dropped.
	UploadExpired UploadState = 4
)

// Upload is one file being sent in parts; its owner (a principal identity
// key) is the only one who may continue it or attach its file.
type Upload struct {
	ID        string
	OwnerKey  string
	SHA256    string // declared by the client; checked at the end
	Size      int64  // declared
	MediaType string
	Received  int64  // bytes durably staged and hashed
	HashState []byte // the SHA-256 state after Received bytes (encoding.BinaryMarshaler)
	State     UploadState
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BlobRecord is a stored, verified file.
type BlobRecord struct {
	SHA256    string
	Size      int64
	MediaType string
	CreatedAt time.Time
}

// DocumentStore is what the document use cases read and write
// (store.Documents documents each method's contract).
type DocumentStore interface {
	Transactor
	// CreateUpload inserts u; ErrAlreadyExists if its id is taken.
	CreateUpload(ctx context.Context, u *Upload) error
	// GetUpload returns ErrNotFound when absent.
	GetUpload(ctx context.Context, id string) (*Upload, error)
	// UpdateUpload stores u's progress and state if the row still has
	// received == from and is open; else a ConflictError.
	UpdateUpload(ctx context.Context, u *Upload, from int64) error
	// ListStaleUploads lists open uploads whose last progress was before
	// 'before', oldest first.
	ListStaleUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error)
	// PutBlob records a stored blob; recording an existing one is no error.
	PutBlob(ctx context.Context, b *BlobRecord) error
	// GetBlob returns ErrNotFound when absent.
	GetBlob(ctx context.Context, sha string) (*BlobRecord, error)
	// UploadedBy reports whether ownerKey finished an upload of sha.
	UploadedBy(ctx context.Context, ownerKey, sha string) (bool, error)
	// AddBlobRefs records that dossierID references the blobs (idempotent).
	AddBlobRefs(ctx context.Context, dossierID string, shas []string) error
	// ListUnreferencedBlobs lists blobs created before 'before' that no
	// dossier references, oldest first.
	ListUnreferencedBlobs(ctx context.Context, before time.Time, limit int) ([]BlobRecord, error)
	// DeleteBlobRecord deletes the blob's row if nothing references it
	// (still); it reports whether it did.
	DeleteBlobRecord(ctx context.Context, sha string) (bool, error)
	// RecordResultFetch records a fetch of a result document; only the
	// first is kept. It reports whether this one was the first.
	RecordResultFetch(ctx context.Context, f ResultFetch) (bool, error)
	// GetResultFetch returns the first fetch; ErrNotFound when none.
	GetResultFetch(ctx context.Context, dossierID, code string) (*ResultFetch, error)
}

// ResultFetch is the first time a citizen fetched a result document.
type ResultFetch struct {
	DossierID string
	Code      string
	FetchedBy string // identity key
	At        time.Time
}
