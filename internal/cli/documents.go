package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/esign"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// devRootFile is the development signing root `motcua dev ca` writes in
// the data directory; serve trusts it when no --trusted-roots are given.
const devRootFile = "dev-signing/root.pem"

// openBlobs opens the configured file store.
func openBlobs(ctx context.Context, cfg config.Config) (blob.Store, error) {
	d := cfg.Documents
	if d.S3Endpoint != "" {
		return blob.NewS3(ctx, blob.S3Config{Endpoint: d.S3Endpoint, Bucket: d.S3Bucket, Region: d.S3Region, Prefix: d.S3Prefix,
			AccessKey: d.S3AccessKey, SecretKey: d.S3SecretKey, ServerSideEncryption: d.S3ServerSideEncryption})
	}
	if d.BlobEncryptionKeyFile != "" {
		keys, err := blob.LoadKeyring(d.BlobEncryptionKeyFile)
		if err != nil {
			return nil, err
		}
		return blob.NewEncryptedDir(cfg.BlobDirPath(), keys)
	}
	return blob.NewDir(cfg.BlobDirPath())
}

// documentOption configures files and signature validation for serve.
func documentOption(ctx context.Context, cfg config.Config, log *slog.Logger) (app.Option, error) {
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return nil, err
	}
	roots := cfg.Documents.TrustedRoots
	if len(roots) == 0 {
		if dev := filepath.Join(cfg.DataDir, devRootFile); fileExists(dev) {
			roots = []string{dev}
			log.Warn("trusting the development signing root for result signatures (not for production: --trusted-roots the national root CA)", "root", dev)
		} else {
			log.Warn("no trusted roots (--trusted-roots): no result signature validates, so no result is electronic")
		}
	}
	dc := app.DocumentConfig{Blobs: blobs, MaxBytes: cfg.Documents.MaxFileBytes, MediaTypes: cfg.Documents.MediaTypes}
	if len(roots) > 0 {
		r, err := esign.LoadRoots(roots...)
		if err != nil {
			return nil, fmt.Errorf("trusted roots: %w", err)
		}
		dc.Signatures = r
	}
	log.Info("file store", "store", blobs.Name(), "max_file_bytes", cfg.Documents.MaxFileBytes)
	return app.WithDocuments(dc), nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// gcCounts says what one collection removed.
type gcCounts struct{ blobs, uploads int }

// collectBlobs expires the uploads left open with no progress for longer
// than expiry, then deletes unreferenced blobs older than the grace, in
// batches, until none is left; it says how many of each it removed.
func collectBlobs(ctx context.Context, a *app.Service, grace, expiry time.Duration) (gcCounts, error) {
	var c gcCounts
	for {
		n, err := a.ExpireUploads(ctx, time.Now().Add(-expiry), 500)
		c.uploads += n
		if err != nil {
			return c, err
		}
		if n < 500 {
			break
		}
	}
	for {
		n, err := a.CollectGarbage(ctx, time.Now().Add(-grace), 500)
		c.blobs += n
		if err != nil || n < 500 {
			return c, err
		}
	}
}

// blobGCArgs is the periodic job that deletes unreferenced blobs.
type blobGCArgs struct{}

// Kind implements river.JobArgs.
func (blobGCArgs) Kind() string { return "blob_gc" }

// blobGCWorker deletes the blobs no dossier references, older than grace.
// Its use cases are set once built (serve does so before the engine starts).
type blobGCWorker struct {
	river.WorkerDefaults[blobGCArgs]
	app           atomic.Pointer[app.Service]
	grace, expiry time.Duration
	log           *slog.Logger
}

// Work implements river.Worker. A failure is retried by the engine; a
// blob is deleted by whoever removes its row, so overlapping runs are
// harmless.
func (w *blobGCWorker) Work(ctx context.Context, _ *river.Job[blobGCArgs]) error {
	a := w.app.Load()
	if a == nil {
		return errors.New("the use cases are not ready yet")
	}
	c, err := collectBlobs(ctx, a, w.grace, w.expiry)
	if c.blobs > 0 || c.uploads > 0 {
		w.log.Info("collected the file store", "deleted_files", c.blobs, "older_than", w.grace,
			"expired_uploads", c.uploads, "upload_expiry", w.expiry)
	}
	return err
}

// registerBlobGC runs the collector every interval (0: never) as a
// periodic job of the engine: only the elected leader among replicas
// enqueues it.
func registerBlobGC(e *jobs.Engine, w *blobGCWorker, every time.Duration) {
	if every <= 0 {
		return
	}
	jobs.AddWorker(e, w)
	e.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return blobGCArgs{}, nil },
		&river.PeriodicJobOpts{ID: "blob_gc", RunOnStart: true}))
}

func newBlobsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "blobs", Short: "Maintain the file store"}
	cfg := config.DefaultConfig()
	gc := &cobra.Command{
		Use:   "gc",
		Short: "Delete stored files no dossier references and abandoned uploads",
		Long: `gc deletes the files that no dossier references and that were stored more
than --blob-grace ago (uploads never attached, refused filings), and the
staged bytes of uploads left unfinished with no progress for longer than
--upload-expiry (they become EXPIRED: the uploader starts again). Files a
dossier references are never deleted. serve does the same every
--blob-gc-interval; this command is for operators and cron.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			st, err := gormstore.Open(ctx, cfg.StoreURL())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := requireSchema(ctx, st); err != nil {
				return err
			}
			blobs, err := openBlobs(ctx, cfg)
			if err != nil {
				return err
			}
			c, err := collectBlobs(ctx, app.New(st, app.WithDocuments(app.DocumentConfig{Blobs: blobs})), cfg.Documents.BlobGrace, cfg.Documents.UploadExpiry)
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %d unreferenced files and the staged bytes of %d abandoned uploads from %s\n", c.blobs, c.uploads, blobs.Name())
			return err
		},
	}
	cfg.BindStore(gc.Flags())
	cfg.BindDocuments(gc.Flags())
	cmd.AddCommand(withEnv(gc))
	return cmd
}

func newDevCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "dev", Short: "Development helpers: a throwaway signing CA, detached signatures"}
	var dataDir, out string
	ca := &cobra.Command{
		Use:   "ca",
		Short: "Create a development root CA and a document signer under it",
		Long: `ca writes, under --out (default <data-dir>/dev-signing): root.pem (the root,
which serve trusts when no --trusted-roots are given), signer.pem and
signer.key (a document-signing certificate and its key). Never for
production: result signatures there chain to the national root CA.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				out = filepath.Join(dataDir, filepath.Dir(devRootFile))
			}
			if fileExists(filepath.Join(out, "root.pem")) {
				return fmt.Errorf("%s already holds a development CA", out)
			}
			root, err := esign.NewDevCA("motcua development root", 5*365*24*time.Hour)
			if err != nil {
				return err
			}
			cert, key, err := root.IssueSigner("Người ký thử nghiệm (motcua dev)", 365*24*time.Hour)
			if err != nil {
				return err
			}
			keyPEM, err := esign.KeyPEM(key)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return err
			}
			for name, b := range map[string][]byte{"root.pem": esign.CertPEM(root.Cert), "signer.pem": esign.CertPEM(cert), "signer.key": keyPEM} {
				if err := os.WriteFile(filepath.Join(out, name), b, 0o600); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s/{root.pem,signer.pem,signer.key}\n", out)
			return nil
		},
	}
	ca.Flags().StringVar(&dataDir, config.FlagDataDir, config.DefaultDataDir(), "the server's data directory")
	ca.Flags().StringVar(&out, "out", "", "directory to write to (default <data-dir>/dev-signing)")

	var keyFile, certFile, in, sigOut string
	sign := &cobra.Command{
		Use:   "sign --key signer.key --cert signer.pem --in FILE [--out FILE.p7s]",
		Short: "Write a detached CMS (PKCS #7) signature of a file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyFile == "" || certFile == "" || in == "" {
				return usageError{errors.New("--key, --cert and --in are required")}
			}
			kb, err := os.ReadFile(keyFile)
			if err != nil {
				return err
			}
			key, err := esign.ParseKeyPEM(kb)
			if err != nil {
				return fmt.Errorf("%s: %w", keyFile, err)
			}
			cb, err := os.ReadFile(certFile)
			if err != nil {
				return err
			}
			certs, err := esign.ParsePEM(cb)
			if err != nil {
				return fmt.Errorf("%s: %w", certFile, err)
			}
			content, err := os.ReadFile(in)
			if err != nil {
				return err
			}
			sig, err := esign.Sign(content, certs[0], key, certs[1:])
			if err != nil {
				return err
			}
			if sigOut == "" {
				sigOut = in + ".p7s"
			}
			if err := os.WriteFile(sigOut, sig, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (signer %s)\n", sigOut, certs[0].Subject)
			return nil
		},
	}
	sign.Flags().StringVar(&keyFile, "key", "", "the signer's private key (PEM, PKCS #8)")
	sign.Flags().StringVar(&certFile, "cert", "", "the signer's certificate, then any intermediates (PEM)")
	sign.Flags().StringVar(&in, "in", "", "the file to sign")
	sign.Flags().StringVar(&sigOut, "out", "", "where to write the DER signature (default FILE.p7s)")
	cmd.AddCommand(withEnv(ca), sign)
	return cmd
}
