package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// BlobStore is what the document use cases ask of the file store
// (internal/blob implements it): content-addressed blobs and staged parts.
type BlobStore interface {
	Open(ctx context.Context, sha string) (io.ReadCloser, int64, error)
	Delete(ctx context.Context, sha string) error
	WritePart(ctx context.Context, upload string, offset int64, p []byte) error
	Promote(ctx context.Context, upload, sha string, size int64) error
	Drop(ctx context.Context, upload string) error
}

// SignatureVerifier validates a detached signature over a stored file
// (internal/esign implements it). It returns a *domain.Signature when the
// signature verifies and chains to a trusted root; a
// *domain.PreconditionError saying why not otherwise (any other error is a
// failure to read the file).
type SignatureVerifier interface {
	VerifyDetached(sig []byte, contentSHA string, open func() (io.ReadCloser, error), now time.Time) (*domain.Signature, error)
}

// DocumentConfig configures the document use cases (WithDocuments).
type DocumentConfig struct {
	Blobs BlobStore
	// Signatures validates result signatures; nil refuses every signature.
	Signatures SignatureVerifier
	// MaxBytes bounds one file (default 256 MiB).
	MaxBytes int64
	// MediaTypes are the accepted media types (default DefaultMediaTypes).
	MediaTypes []string
	// PartSize is how many bytes an upload stream buffers before storing
	// them durably (default 8 MiB): a broken connection loses at most this.
	PartSize int
}

// DefaultMediaTypes are the media types accepted by default.
var DefaultMediaTypes = []string{"application/pdf", "image/jpeg", "image/png", "application/pkcs7-signature"}

// sniffed are the media types whose first bytes are checked against the
// declaration (http.DetectContentType recognises them).
var sniffed = []string{"application/pdf", "image/jpeg", "image/png"}

// maxSignatureBytes bounds a detached signature read into memory.
const maxSignatureBytes = 1 << 20

// WithDocuments configures file storage and signature validation.
func WithDocuments(dc DocumentConfig) Option { return func(c *config) { c.documents = dc } }

// Documents holds the file use cases: uploads, downloads, and the checks a
// dossier's components and result documents pass when they reference a
// file (docs/documents.md).
type Documents struct {
	*shared
	st    DocumentStore
	reads *DossierReads
	cfg   DocumentConfig
}

func newDocuments(sh *shared, st DocumentStore, reads *DossierReads, dc DocumentConfig) *Documents {
	if dc.MaxBytes <= 0 {
		dc.MaxBytes = 256 << 20
	}
	if len(dc.MediaTypes) == 0 {
		dc.MediaTypes = DefaultMediaTypes
	}
	if dc.PartSize <= 0 {
		dc.PartSize = 8 << 20
	}
	return &Documents{shared: sh, st: st, reads: reads, cfg: dc}
}

func (s *Documents) blobs() (BlobStore, error) {
	if s.cfg.Blobs == nil {
		return nil, domain.Unavailable("NO_FILE_STORE", "this server has no file store configured", 0, nil)
	}
	return s.cfg.Blobs, nil
}

// CreateUpload starts an upload of a file of the declared hash, size and
// media type, owned by p.
func (s *Documents) CreateUpload(ctx context.Context, p domain.Principal, sha string, size int64, mediaType string) (*Upload, error) {
	if _, err := s.blobs(); err != nil {
		return nil, err
	}
	var v domain.Violations
	if size > s.cfg.MaxBytes {
		v.Add("size", "%d bytes is over this server's limit of %d", size, s.cfg.MaxBytes)
	}
	if !slices.Contains(s.cfg.MediaTypes, mediaType) {
		v.Add("media_type", "%q is not accepted; accepted: %s", mediaType, strings.Join(s.cfg.MediaTypes, ", "))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	state, _ := sha256.New().(encoding.BinaryMarshaler).MarshalBinary()
	now := s.Now()
	u := &Upload{ID: newID(), OwnerKey: p.Key(), SHA256: sha, Size: size, MediaType: mediaType, HashState: state,
		State: UploadOpen, CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateUpload(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// GetUpload returns p's upload; another's is NOT_FOUND.
func (s *Documents) GetUpload(ctx context.Context, p domain.Principal, id string) (*Upload, error) {
	u, err := s.st.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.OwnerKey != p.Key() {
		return nil, domain.NotFound("upload", id)
	}
	return u, nil
}

// Chunk is a run of bytes of an upload.
type Chunk struct {
	UploadID string
	Offset   int64
	Data     []byte
}

// ReceiveChunks stores the chunks recv returns until it returns io.EOF,
// durably every PartSize bytes and at the end. Chunks the server already
// holds (a client resending after a break) are skipped; a gap is refused.
// When the stream breaks, what was received is still stored, so the client
// resumes from GetUpload's offset. When the last byte arrives the hash is
// checked: the upload is DONE and its blob stored, or FAILED with nothing
// kept (INVALID_ARGUMENT on sha256).
func (s *Documents) ReceiveChunks(ctx context.Context, p domain.Principal, recv func() (Chunk, error)) (*Upload, error) {
	if _, err := s.blobs(); err != nil {
		return nil, err
	}
	var (
		u   *Upload
		h   hash.Hash
		buf []byte
	)
	flush := func(ctx context.Context) error {
		if u == nil || len(buf) == 0 {
			return nil
		}
		if err := s.storePart(ctx, u, buf, h); err != nil {
			return err
		}
		buf = buf[:0]
		return nil
	}
	for {
		c, err := recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The connection broke: keep what arrived, so the client can
			// resume from it. The call's context is gone; the store is not.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			ferr := flush(fctx)
			cancel()
			return nil, errors.Join(err, ferr)
		}
		if u == nil {
			if u, err = s.GetUpload(ctx, p, c.UploadID); err != nil {
				return nil, err
			}
			if u.State != UploadOpen {
				return nil, &domain.PreconditionError{Reason: "UPLOAD_CLOSED", Subject: "upload/" + u.ID,
					Description: "this upload is finished or expired; start another", Metadata: map[string]string{"received": fmt.Sprint(u.Received)}}
			}
			h = sha256.New()
			if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(u.HashState); err != nil {
				return nil, fmt.Errorf("upload %s: hash state: %w", u.ID, err)
			}
		} else if c.UploadID != u.ID {
			return nil, domain.Invalid("upload_id", "one stream carries one upload")
		}
		next := u.Received + int64(len(buf))
		data := c.Data
		switch {
		case c.Offset > next:
			return nil, &domain.PreconditionError{Reason: "UPLOAD_OFFSET", Subject: "upload/" + u.ID,
				Description: fmt.Sprintf("chunk at %d leaves a gap; resume at %d", c.Offset, next),
				Metadata:    map[string]string{"received": fmt.Sprint(next)}}
		case c.Offset+int64(len(data)) <= next:
			continue // already held
		case c.Offset < next:
			data = data[next-c.Offset:]
		}
		if next+int64(len(data)) > u.Size {
			return nil, domain.Invalid("data", "the upload declared %d bytes; this chunk goes past the end", u.Size)
		}
		if next == 0 {
			if err := checkSniff(u.MediaType, data); err != nil {
				return nil, s.fail(ctx, u, err)
			}
		}
		h.Write(data)
		buf = append(buf, data...)
		if len(buf) >= s.cfg.PartSize {
			if err := flush(ctx); err != nil {
				return nil, err
			}
		}
	}
	if u == nil {
		return nil, domain.Invalid("upload_id", "the stream carried no chunk")
	}
	if err := flush(ctx); err != nil {
		return nil, err
	}
	if u.Received < u.Size {
		return u, nil
	}
	return u, s.finish(ctx, u, h)
}

// checkSniff refuses content that is not of its declared media type (for
// the types whose signature bytes are known).
func checkSniff(mediaType string, first []byte) error {
	if !slices.Contains(sniffed, mediaType) {
		return nil
	}
	if got := http.DetectContentType(first); !strings.HasPrefix(got, mediaType) {
		return domain.Invalid("media_type", "declared %s, but the content starts like %s", mediaType, got)
	}
	return nil
}

// storePart stores buf at u.Received and advances u, in one transaction
// that first claims the upload's row (compare-and-set on the offset), so
// two streams of one upload cannot interleave their bytes.
func (s *Documents) storePart(ctx context.Context, u *Upload, buf []byte, h hash.Hash) error {
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return err
	}
	next := *u
	next.Received += int64(len(buf))
	next.HashState = state
	next.UpdatedAt = s.Now()
	err = s.st.InTx(ctx, func(ctx context.Context) error {
		if err := s.st.UpdateUpload(ctx, &next, u.Received); err != nil {
			return err
		}
		return s.cfg.Blobs.WritePart(ctx, u.ID, u.Received, buf)
	})
	if errors.Is(err, domain.ErrVersionConflict) {
		return &domain.PreconditionError{Reason: "UPLOAD_CONCURRENT", Subject: "upload/" + u.ID,
			Description: "another stream is sending this upload; read GetUpload and resume from its offset"}
	}
	if err != nil {
		return err
	}
	*u = next
	return nil
}

// finish checks the hash of a complete upload and stores its blob, or
// fails it and drops its bytes.
func (s *Documents) finish(ctx context.Context, u *Upload, h hash.Hash) error {
	got := hex.EncodeToString(h.Sum(nil))
	if got != u.SHA256 {
		return s.fail(ctx, u, domain.Invalid("sha256", "the %d bytes received hash to %s, not to the declared %s; nothing was kept",
			u.Size, got, u.SHA256))
	}
	done := *u
	done.State, done.UpdatedAt = UploadDone, s.Now()
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		if err := s.st.UpdateUpload(ctx, &done, u.Received); err != nil {
			return err
		}
		if err := s.st.PutBlob(ctx, &BlobRecord{SHA256: u.SHA256, Size: u.Size, MediaType: u.MediaType, CreatedAt: done.UpdatedAt}); err != nil {
			return err
		}
		return s.cfg.Blobs.Promote(ctx, u.ID, u.SHA256, u.Size)
	})
	if err != nil {
		return err
	}
	*u = done
	return nil
}

// fail marks u FAILED, drops its staged bytes and returns why.
func (s *Documents) fail(ctx context.Context, u *Upload, why error) error {
	failed := *u
	failed.State, failed.UpdatedAt = UploadFailed, s.Now()
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		if err := s.st.UpdateUpload(ctx, &failed, u.Received); err != nil {
			return err
		}
		return s.cfg.Blobs.Drop(ctx, u.ID)
	})
	if err != nil {
		return errors.Join(why, err)
	}
	*u = failed
	return why
}

// FileRequest names a file of a dossier.
type FileRequest struct {
	DossierID string
	// One of:
	ComponentCode, ResultCode, ResultSignatureCode string
	Purpose                                        string
}

// FileInfo describes a file being downloaded.
type FileInfo struct {
	SHA256     string
	Size       int64
	MediaType  string
	FirstFetch time.Time
}

// ReadFile opens a file of a dossier for p, with GetDossier's
// authorisation (a dossier p may not read is NOT_FOUND, as an absent one)
// and access log. A result document's first fetch by the applicant side is
// recorded. The caller closes the reader.
func (s *Documents) ReadFile(ctx context.Context, p domain.Principal, r FileRequest) (*FileInfo, io.ReadCloser, error) {
	blobs, err := s.blobs()
	if err != nil {
		return nil, nil, err
	}
	d, err := s.reads.GetDossier(ctx, p, DossierKey{ID: r.DossierID}, r.Purpose)
	if err != nil {
		return nil, nil, err
	}
	info := &FileInfo{}
	var sha, code string
	switch {
	case r.ComponentCode != "":
		code = r.ComponentCode
		for _, c := range d.Components {
			if c.Code == code && c.FileVerified() {
				sha, info.Size, info.MediaType = c.FileSHA256, c.Size, c.MediaType
			}
		}
	case r.ResultCode != "" || r.ResultSignatureCode != "":
		code = r.ResultCode + r.ResultSignatureCode
		for _, doc := range resultDocs(d) {
			switch {
			case doc.Code != code || !doc.Verified:
			case r.ResultCode != "":
				sha, info.Size, info.MediaType = doc.FileSHA256, doc.Size, doc.MediaType
			case doc.SignatureSHA256 != "":
				sha, info.MediaType = doc.SignatureSHA256, "application/pkcs7-signature"
			}
		}
	}
	if sha == "" {
		return nil, nil, domain.NotFound("file", code)
	}
	rc, size, err := blobs.Open(ctx, sha)
	if err != nil {
		if isBlobMissing(err) {
			// Referenced and verified, yet gone from the store: an
			// operator's problem, not the caller's.
			return nil, nil, domain.Unavailable("FILE_MISSING", "the file is recorded but missing from the file store; the operators were told", time.Minute, err)
		}
		return nil, nil, err
	}
	info.SHA256, info.Size = sha, size
	if r.ResultCode != "" && applicantSide(p) {
		if _, err := s.st.RecordResultFetch(ctx, ResultFetch{DossierID: d.ID, Code: code, FetchedBy: p.Key(), At: s.Now()}); err != nil {
			rc.Close()
			return nil, nil, err
		}
	}
	if r.ResultCode != "" {
		if f, err := s.st.GetResultFetch(ctx, d.ID, code); err == nil {
			info.FirstFetch = f.At
		}
	}
	return info, rc, nil
}

func resultDocs(d *domain.Dossier) []domain.ResultDocument {
	if d.Result == nil {
		return nil
	}
	return d.Result.Documents
}

func applicantSide(p domain.Principal) bool {
	switch p.Role {
	case domain.RoleCitizen, domain.RoleRepresentative, domain.RoleIntegration:
		return true
	}
	return false
}

// isBlobMissing: a BlobStore reports an absent blob as domain.ErrNotFound.
func isBlobMissing(err error) bool { return errors.Is(err, domain.ErrNotFound) }

// readSignature reads a (small) stored signature blob.
func (s *Documents) readSignature(ctx context.Context, sha string) ([]byte, error) {
	rc, _, err := s.cfg.Blobs.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, io.LimitReader(rc, maxSignatureBytes+1)); err != nil {
		return nil, err
	}
	if b.Len() > maxSignatureBytes {
		return nil, domain.Invalid("signature_sha256", "a signature is at most %d bytes", maxSignatureBytes)
	}
	return b.Bytes(), nil
}

// ExpireUploads drops the staged bytes of the uploads left open with no
// progress since 'before' (abandoned half-way), at most limit of them, and
// marks them EXPIRED; it returns how many it expired. The row is claimed by
// compare-and-set on its offset first, so an upload a stream is advancing
// at that moment is left alone (its next part moves updated_at).
func (s *Documents) ExpireUploads(ctx context.Context, before time.Time, limit int) (int, error) {
	blobs, err := s.blobs()
	if err != nil {
		return 0, err
	}
	list, err := s.st.ListStaleUploads(ctx, before, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range list {
		expired := u
		expired.State, expired.UpdatedAt = UploadExpired, s.Now()
		err := s.st.InTx(ctx, func(ctx context.Context) error {
			if err := s.st.UpdateUpload(ctx, &expired, u.Received); err != nil {
				return err
			}
			// Inside the transaction: if the bytes cannot be dropped, the
			// upload stays open and the next run tries again.
			return blobs.Drop(ctx, u.ID)
		})
		if errors.Is(err, domain.ErrVersionConflict) {
			continue // advanced or finished meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// CollectGarbage deletes the blobs no dossier references that were stored
// before 'before' (the grace period lets an uploader attach a file), at
// most limit of them, and returns how many it deleted.
func (s *Documents) CollectGarbage(ctx context.Context, before time.Time, limit int) (int, error) {
	blobs, err := s.blobs()
	if err != nil {
		return 0, err
	}
	list, err := s.st.ListUnreferencedBlobs(ctx, before, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range list {
		var gone bool
		err := s.st.InTx(ctx, func(ctx context.Context) error {
			var err error
			if gone, err = s.st.DeleteBlobRecord(ctx, b.SHA256); err != nil || !gone {
				return err
			}
			// Inside the transaction: if the file cannot be deleted, the
			// row stays and the next run tries again.
			return blobs.Delete(ctx, b.SHA256)
		})
		if err != nil {
			return n, err
		}
		if gone {
			n++
		}
	}
	return n, nil
}
