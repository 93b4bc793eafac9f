package config

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
)

// Documents are the file store and signature settings (docs/documents.md).
type Documents struct {
	// BlobDir is the local file store (default <data-dir>/blobs); unused
	// when S3Endpoint is set.
	BlobDir string
	// S3: an S3-compatible bucket instead of the directory. The keys come
	// from MOTCUA_S3_ACCESS_KEY and MOTCUA_S3_SECRET_KEY.
	S3Endpoint, S3Bucket, S3Region, S3Prefix string
	S3AccessKey, S3SecretKey                 string
	S3ServerSideEncryption                   bool
	// BlobEncryptionKeyFile names the keyring that encrypts the directory
	// store at rest (blob.LoadKeyring); empty: files are stored in plain.
	BlobEncryptionKeyFile string
	// TrustedRoots are PEM files of the roots result signatures must chain
	// to; none means no signature validates (and no result is electronic).
	TrustedRoots []string
	// MaxFileBytes bounds one file; MediaTypes are those accepted.
	MaxFileBytes int64
	MediaTypes   []string
	// BlobGrace is how long an unreferenced blob is kept (so that an
	// uploader can attach it); BlobGCInterval how often serve collects.
	BlobGrace, BlobGCInterval time.Duration
	// UploadExpiry is how long an upload left unfinished (no bytes
	// received) stays resumable before the collector drops its staged bytes.
	UploadExpiry time.Duration
}

// DefaultDocuments are the defaults: 256 MiB files, a week's grace,
// collected hourly.
func DefaultDocuments() Documents {
	return Documents{MaxFileBytes: 256 << 20, BlobGrace: 7 * 24 * time.Hour, BlobGCInterval: time.Hour, UploadExpiry: 24 * time.Hour, S3Region: "us-east-1"}
}

// BlobDirPath is the local file store's directory.
func (c *Config) BlobDirPath() string {
	if c.Documents.BlobDir != "" {
		return c.Documents.BlobDir
	}
	return filepath.Join(c.DataDir, "blobs")
}

// BindDocuments binds the document settings.
func (c *Config) BindDocuments(fs *pflag.FlagSet) {
	d := &c.Documents
	fs.StringVar(&d.BlobDir, "blob-dir", d.BlobDir, "directory of the local file store (default <data-dir>/blobs)")
	fs.StringVar(&d.BlobEncryptionKeyFile, "blob-encryption-key-file", d.BlobEncryptionKeyFile,
		"encrypt the files of --blob-dir at rest (AES-256-GCM, DARE) with the keys in this file: one \"<id> <64 hex digits>\" a line, the last is used for new files (docs/documents.md)")
	fs.StringVar(&d.S3Endpoint, "s3-endpoint", d.S3Endpoint, "store files in an S3-compatible bucket at this http(s)://host[:port] instead of --blob-dir")
	fs.StringVar(&d.S3Bucket, "s3-bucket", d.S3Bucket, "the S3 bucket (it must exist)")
	fs.StringVar(&d.S3Region, "s3-region", d.S3Region, "the S3 region")
	fs.StringVar(&d.S3Prefix, "s3-prefix", d.S3Prefix, "prefix of every object key, e.g. motcua/")
	fs.StringVar(&d.S3AccessKey, "s3-access-key", d.S3AccessKey, "S3 access key (prefer MOTCUA_S3_ACCESS_KEY)")
	fs.StringVar(&d.S3SecretKey, "s3-secret-key", d.S3SecretKey, "S3 secret key (prefer MOTCUA_S3_SECRET_KEY)")
	fs.BoolVar(&d.S3ServerSideEncryption, "s3-sse", d.S3ServerSideEncryption, "ask the object store to encrypt every object at rest (SSE-S3)")
	fs.StringSliceVar(&d.TrustedRoots, "trusted-roots", d.TrustedRoots,
		"PEM files of the root certificates result signatures must chain to (the national root CA in production; docs/documents.md)")
	fs.Int64Var(&d.MaxFileBytes, "max-file-bytes", d.MaxFileBytes, "largest file accepted, in bytes")
	fs.StringSliceVar(&d.MediaTypes, "media-types", d.MediaTypes, "media types accepted (default application/pdf, image/jpeg, image/png, application/pkcs7-signature)")
	fs.DurationVar(&d.BlobGrace, "blob-grace", d.BlobGrace, "how long a file no dossier references is kept before the collector deletes it")
	fs.DurationVar(&d.UploadExpiry, "upload-expiry", d.UploadExpiry, "how long an unfinished upload with no progress stays resumable before the collector drops its staged bytes")
	fs.DurationVar(&d.BlobGCInterval, "blob-gc-interval", d.BlobGCInterval, "how often serve deletes unreferenced files (0: never; see motcua blobs gc)")
}

func (d Documents) validate() error {
	if d.MaxFileBytes <= 0 {
		return fmt.Errorf("--max-file-bytes must be positive")
	}
	if d.UploadExpiry <= 0 {
		return fmt.Errorf("--upload-expiry must be positive")
	}
	if d.S3Endpoint != "" && d.BlobEncryptionKeyFile != "" {
		return fmt.Errorf("--blob-encryption-key-file encrypts the directory store; with --s3-endpoint use --s3-sse (the object store encrypts)")
	}
	if d.S3Endpoint != "" && d.S3Bucket == "" {
		return fmt.Errorf("--s3-bucket is required with --s3-endpoint")
	}
	return nil
}
