package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// S3Config names an S3-compatible bucket.
type S3Config struct {
	// Endpoint is http(s)://host[:port]; the scheme chooses TLS.
	Endpoint  string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	// Prefix is prepended to every key ("motcua/"); may be empty.
	Prefix string
	// ServerSideEncryption asks the object store to encrypt every object
	// at rest with its own keys (SSE-S3).
	ServerSideEncryption bool
}

// S3 keeps blobs in an S3-compatible bucket: <prefix>blobs/<sha> and staged
// parts at <prefix>uploads/<id>/<offset, 20 digits>.
type S3 struct {
	c   *minio.Client
	cfg S3Config
}

// NewS3 connects to the bucket (which must exist).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("S3 endpoint %q: want http(s)://host[:port]", cfg.Endpoint)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("S3 bucket is required")
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: u.Scheme == "https", Region: cfg.Region, BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, err
	}
	return &S3{c: c, cfg: cfg}, nil
}

// Name implements Store.
func (s *S3) Name() string { return "s3:" + s.cfg.Endpoint + "/" + s.cfg.Bucket + "/" + s.cfg.Prefix }

func (s *S3) blobKey(sha string) string { return s.cfg.Prefix + "blobs/" + sha }
func (s *S3) stagePrefix(id string) string {
	return s.cfg.Prefix + "uploads/" + id + "/"
}

func (s *S3) putOpts(contentType string) minio.PutObjectOptions {
	// The payload is not signed chunk by chunk: the blob's own SHA-256 is
	// checked by the caller, and some S3-compatible stores do not decode
	// the streaming-signature encoding of multipart parts.
	o := minio.PutObjectOptions{ContentType: contentType, PartSize: 16 << 20, DisableContentSha256: true}
	if s.cfg.ServerSideEncryption {
		o.ServerSideEncryption = encrypt.NewSSE()
	}
	return o
}

// s3Err classifies a client error: a missing key is ErrNotFound, anything
// else is the store failing.
func s3Err(err error) error {
	if err == nil {
		return nil
	}
	var r minio.ErrorResponse
	if errors.As(err, &r) {
		switch r.Code {
		case minio.NoSuchKey, "NotFound":
			return ErrNotFound
		case "EntityTooLarge", "QuotaExceeded":
			return full(err)
		}
	}
	if minio.ToErrorResponse(err).StatusCode == 404 {
		return ErrNotFound
	}
	return unavailable(err)
}

// Open implements Store.
func (s *S3) Open(ctx context.Context, sha string) (io.ReadCloser, int64, error) {
	if err := checkNames(sha, ""); err != nil {
		return nil, 0, err
	}
	// Stat first: GetObject is lazy and would report a missing key only on
	// the first read.
	size, err := s.Stat(ctx, sha)
	if err != nil {
		return nil, 0, err
	}
	o, err := s.c.GetObject(ctx, s.cfg.Bucket, s.blobKey(sha), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, s3Err(err)
	}
	return readErrs{o}, size, nil
}

// readErrs classifies the errors of a streaming read.
type readErrs struct{ *minio.Object }

func (r readErrs) Read(p []byte) (int, error) {
	n, err := r.Object.Read(p)
	if err != nil && err != io.EOF {
		err = s3Err(err)
	}
	return n, err
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, sha string) (int64, error) {
	if err := checkNames(sha, ""); err != nil {
		return 0, err
	}
	st, err := s.c.StatObject(ctx, s.cfg.Bucket, s.blobKey(sha), minio.StatObjectOptions{})
	if err != nil {
		return 0, s3Err(err)
	}
	return st.Size, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, sha string) error {
	if err := checkNames(sha, ""); err != nil {
		return err
	}
	if err := s3Err(s.c.RemoveObject(ctx, s.cfg.Bucket, s.blobKey(sha), minio.RemoveObjectOptions{})); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// part is one staged object of an upload.
type part struct {
	key    string
	offset int64
	size   int64
}

func (s *S3) parts(ctx context.Context, upload string) ([]part, error) {
	var ps []part
	for o := range s.c.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.stagePrefix(upload), Recursive: true}) {
		if o.Err != nil {
			return nil, s3Err(o.Err)
		}
		off, err := strconv.ParseInt(strings.TrimPrefix(o.Key, s.stagePrefix(upload)), 10, 64)
		if err != nil {
			continue
		}
		ps = append(ps, part{key: o.Key, offset: off, size: o.Size})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].offset < ps[j].offset })
	return ps, nil
}

// WritePart implements Store: one object per part; staged parts at or past
// offset (written but never acknowledged) are removed first.
func (s *S3) WritePart(ctx context.Context, upload string, offset int64, p []byte) error {
	if err := checkNames("", upload); err != nil {
		return err
	}
	ps, err := s.parts(ctx, upload)
	if err != nil {
		return err
	}
	for _, q := range ps {
		if q.offset >= offset {
			if err := s3Err(s.c.RemoveObject(ctx, s.cfg.Bucket, q.key, minio.RemoveObjectOptions{})); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	key := fmt.Sprintf("%s%020d", s.stagePrefix(upload), offset)
	_, err = s.c.PutObject(ctx, s.cfg.Bucket, key, bytes.NewReader(p), int64(len(p)), s.putOpts("application/octet-stream"))
	return s3Err(err)
}

// Promote implements Store: the parts are streamed, in order, into the
// blob's object (the object store has no cheap concatenation for small
// parts), then removed.
func (s *S3) Promote(ctx context.Context, upload, sha string, size int64) error {
	if err := checkNames(sha, upload); err != nil {
		return err
	}
	ps, err := s.parts(ctx, upload)
	if err != nil {
		return err
	}
	var readers []io.Reader
	var next int64
	for _, q := range ps {
		if q.offset >= size {
			break
		}
		if q.offset != next {
			return fmt.Errorf("upload %s: staged parts are not contiguous at %d", upload, next)
		}
		o, err := s.c.GetObject(ctx, s.cfg.Bucket, q.key, minio.GetObjectOptions{})
		if err != nil {
			return s3Err(err)
		}
		defer o.Close()
		readers = append(readers, readErrs{o})
		next += q.size
	}
	if next < size {
		return fmt.Errorf("upload %s: %d bytes staged, %d promoted", upload, next, size)
	}
	if _, err := s.Stat(ctx, sha); err != nil {
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		_, err = s.c.PutObject(ctx, s.cfg.Bucket, s.blobKey(sha), io.LimitReader(io.MultiReader(readers...), size), size, s.putOpts("application/octet-stream"))
		if err != nil {
			return s3Err(err)
		}
	}
	return s.Drop(ctx, upload)
}

// Drop implements Store.
func (s *S3) Drop(ctx context.Context, upload string) error {
	if err := checkNames("", upload); err != nil {
		return err
	}
	ps, err := s.parts(ctx, upload)
	if err != nil {
		return err
	}
	for _, q := range ps {
		if err := s3Err(s.c.RemoveObject(ctx, s.cfg.Bucket, q.key, minio.RemoveObjectOptions{})); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// Staged implements Store.
func (s *S3) Staged(ctx context.Context, upload string) (int64, error) {
	if err := checkNames("", upload); err != nil {
		return 0, err
	}
	ps, err := s.parts(ctx, upload)
	var n int64
	for _, q := range ps {
		n += q.size
	}
	return n, err
}
