package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Dir keeps blobs in a local directory: blobs/<first two hex>/<sha> and
// staged uploads in uploads/<id>. Files are written with 0600 and synced
// before an answer, so an acknowledged part survives a crash.
type Dir struct{ root string }

// NewDir returns a store under root, creating it.
func NewDir(root string) (*Dir, error) {
	for _, d := range []string{"blobs", "uploads"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, fmt.Errorf("blob directory: %w", err)
		}
	}
	return &Dir{root: root}, nil
}

// Name implements Store.
func (d *Dir) Name() string { return "dir:" + d.root }

func (d *Dir) blobPath(sha string) string { return filepath.Join(d.root, "blobs", sha[:2], sha) }
func (d *Dir) stagePath(id string) string { return filepath.Join(d.root, "uploads", id) }

// fsErr classifies a file-system error.
func fsErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return ErrNotFound
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return full(err)
	default:
		return unavailable(err)
	}
}

// Open implements Store.
func (d *Dir) Open(_ context.Context, sha string) (io.ReadCloser, int64, error) {
	if err := checkNames(sha, ""); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(d.blobPath(sha))
	if err != nil {
		return nil, 0, fsErr(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fsErr(err)
	}
	return f, st.Size(), nil
}

// Stat implements Store.
func (d *Dir) Stat(_ context.Context, sha string) (int64, error) {
	if err := checkNames(sha, ""); err != nil {
		return 0, err
	}
	st, err := os.Stat(d.blobPath(sha))
	if err != nil {
		return 0, fsErr(err)
	}
	return st.Size(), nil
}

// Delete implements Store.
func (d *Dir) Delete(_ context.Context, sha string) error {
	if err := checkNames(sha, ""); err != nil {
		return err
	}
	if err := os.Remove(d.blobPath(sha)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fsErr(err)
	}
	return nil
}

// WritePart implements Store.
func (d *Dir) WritePart(_ context.Context, upload string, offset int64, p []byte) error {
	if err := checkNames("", upload); err != nil {
		return err
	}
	f, err := os.OpenFile(d.stagePath(upload), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fsErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fsErr(err)
	}
	if st.Size() < offset {
		return fmt.Errorf("upload %s: %d bytes staged, cannot write at %d", upload, st.Size(), offset)
	}
	if err := f.Truncate(offset); err != nil {
		return fsErr(err)
	}
	if _, err := f.WriteAt(p, offset); err != nil {
		return fsErr(err)
	}
	return fsErr(f.Sync())
}

// Promote implements Store: a rename, so the bytes are not copied.
func (d *Dir) Promote(_ context.Context, upload, sha string, size int64) error {
	if err := checkNames(sha, upload); err != nil {
		return err
	}
	src := d.stagePath(upload)
	if err := os.Truncate(src, size); err != nil {
		return fsErr(err)
	}
	if err := os.MkdirAll(filepath.Dir(d.blobPath(sha)), 0o700); err != nil {
		return fsErr(err)
	}
	if _, err := os.Stat(d.blobPath(sha)); err == nil {
		// The same bytes are already stored (content addressing).
		return fsErr(os.Remove(src))
	}
	if err := os.Rename(src, d.blobPath(sha)); err != nil {
		return fsErr(err)
	}
	dir, err := os.Open(filepath.Dir(d.blobPath(sha)))
	if err != nil {
		return fsErr(err)
	}
	defer dir.Close()
	return fsErr(dir.Sync())
}

// Drop implements Store.
func (d *Dir) Drop(_ context.Context, upload string) error {
	if err := checkNames("", upload); err != nil {
		return err
	}
	if err := os.Remove(d.stagePath(upload)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fsErr(err)
	}
	return nil
}

// Staged implements Store.
func (d *Dir) Staged(_ context.Context, upload string) (int64, error) {
	if err := checkNames("", upload); err != nil {
		return 0, err
	}
	st, err := os.Stat(d.stagePath(upload))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fsErr(err)
	}
	return st.Size(), nil
}
