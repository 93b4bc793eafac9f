package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"

	"github.com/motcua/motcua/internal/domain"
)

// Dir keeps blobs in a local directory: blobs/<first two hex>/<sha> and
// staged uploads in uploads/<id>. Files are written with 0600 and synced
// before an answer, so an acknowledged part survives a crash.
//
// With a keyring (NewEncryptedDir) every file is encrypted (crypt.go): a
// blob is blobs/<2 hex>/<sha>.enc and an upload's parts are
// uploads/<id>.d/<offset, 20 digits>, each part its own encrypted stream.
// Blobs stored in plain before encryption was turned on stay readable.
type Dir struct {
	root string
	keys *Keyring
}

// NewDir returns a store under root, creating it.
func NewDir(root string) (*Dir, error) {
	for _, d := range []string{"blobs", "uploads"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, fmt.Errorf("blob directory: %w", err)
		}
	}
	return &Dir{root: root}, nil
}

// NewEncryptedDir returns a store under root that encrypts what it writes
// with the keyring's newest key and reads with any of its keys.
func NewEncryptedDir(root string, keys *Keyring) (*Dir, error) {
	d, err := NewDir(root)
	if err != nil {
		return nil, err
	}
	d.keys = keys
	return d, nil
}

// Name implements Store.
func (d *Dir) Name() string {
	if d.keys != nil {
		return "dir:" + d.root + " (encrypted, key " + d.keys.Newest() + ")"
	}
	return "dir:" + d.root
}

func (d *Dir) encPath(sha string) string      { return d.blobPath(sha) + ".enc" }
func (d *Dir) partsDir(id string) string      { return d.stagePath(id) + ".d" }
func blobContext(sha string) string           { return "blob " + sha }
func partContext(id string, off int64) string { return fmt.Sprintf("upload %s %d", id, off) }

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
	if d.keys != nil {
		r, n, err := d.openEncrypted(d.encPath(sha), blobContext(sha))
		if !errors.Is(err, ErrNotFound) {
			return r, n, err
		}
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

// openEncrypted opens an encrypted file and returns its plaintext and size.
func (d *Dir) openEncrypted(path, context string) (io.ReadCloser, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fsErr(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fsErr(err)
	}
	r, hdr, err := d.keys.decryptFrom(f, context)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	n, err := plainSize(st.Size(), hdr)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return readCloser{r, f}, n, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Stat implements Store.
func (d *Dir) Stat(_ context.Context, sha string) (int64, error) {
	if err := checkNames(sha, ""); err != nil {
		return 0, err
	}
	if d.keys != nil {
		r, n, err := d.openEncrypted(d.encPath(sha), blobContext(sha))
		if err == nil {
			r.Close()
		}
		if !errors.Is(err, ErrNotFound) {
			return n, err
		}
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
	for _, p := range []string{d.encPath(sha), d.blobPath(sha)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fsErr(err)
		}
	}
	return nil
}

// WritePart implements Store.
func (d *Dir) WritePart(_ context.Context, upload string, offset int64, p []byte) error {
	if err := checkNames("", upload); err != nil {
		return err
	}
	if d.keys != nil {
		return d.writeEncryptedPart(upload, offset, p)
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
	if d.keys != nil {
		return d.promoteEncrypted(upload, sha, size)
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
	return syncDir(filepath.Dir(d.blobPath(sha)))
}

func syncDir(path string) error {
	dir, err := os.Open(path)
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
	return fsErr(os.RemoveAll(d.partsDir(upload)))
}

// Staged implements Store.
func (d *Dir) Staged(_ context.Context, upload string) (int64, error) {
	if err := checkNames("", upload); err != nil {
		return 0, err
	}
	if d.keys != nil {
		ps, err := d.encryptedParts(upload)
		var n int64
		for _, q := range ps {
			n += q.size
		}
		return n, err
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

// encryptedParts lists an upload's encrypted parts in order, with their
// plaintext sizes.
func (d *Dir) encryptedParts(upload string) ([]part, error) {
	entries, err := os.ReadDir(d.partsDir(upload))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fsErr(err)
	}
	var ps []part
	for _, e := range entries {
		off, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil {
			continue // a temporary file of an interrupted write
		}
		path := filepath.Join(d.partsDir(upload), e.Name())
		r, n, err := d.openEncrypted(path, partContext(upload, off))
		if err != nil {
			return nil, err
		}
		r.Close()
		ps = append(ps, part{key: path, offset: off, size: n})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].offset < ps[j].offset })
	return ps, nil
}

// writeEncryptedPart stores p as its own encrypted file (written to a
// temporary name, synced, renamed), after removing the parts at or past
// offset (written but never acknowledged).
func (d *Dir) writeEncryptedPart(upload string, offset int64, p []byte) error {
	ps, err := d.encryptedParts(upload)
	if err != nil {
		return err
	}
	for _, q := range ps {
		if q.offset >= offset {
			if err := os.Remove(q.key); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fsErr(err)
			}
		} else if q.offset+q.size > offset {
			return fmt.Errorf("upload %s: a staged part covers %d-%d, cannot write at %d", upload, q.offset, q.offset+q.size, offset)
		}
	}
	if err := os.MkdirAll(d.partsDir(upload), 0o700); err != nil {
		return fsErr(err)
	}
	dst := filepath.Join(d.partsDir(upload), fmt.Sprintf("%020d", offset))
	return d.writeEncrypted(dst, partContext(upload, offset), bytes.NewReader(p))
}

// writeEncrypted encrypts src into path through a temporary file in the
// same directory, synced before the rename and the directory after it.
func (d *Dir) writeEncrypted(path, context string, src io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fsErr(err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	defer tmp.Close()
	// Only the writer: sio's Close would close a Closer too.
	w, err := d.keys.encryptTo(struct{ io.Writer }{tmp}, context)
	if err != nil {
		return fsErr(err)
	}
	if _, err := io.Copy(w, src); err != nil {
		var fe *domain.FailureError
		if errors.As(err, &fe) {
			return err // a staged part that does not decrypt
		}
		return fsErr(err)
	}
	if err := w.Close(); err != nil {
		return fsErr(err)
	}
	if err := tmp.Sync(); err != nil {
		return fsErr(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fsErr(err)
	}
	return syncDir(filepath.Dir(path))
}

// promoteEncrypted decrypts the parts in order and encrypts their first
// size bytes into the blob's file under the blob's own key: a streamed
// copy, one package at a time in memory.
func (d *Dir) promoteEncrypted(upload, sha string, size int64) error {
	if _, err := d.Stat(context.Background(), sha); err == nil {
		return d.Drop(context.Background(), upload) // the same bytes are already stored
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	ps, err := d.encryptedParts(upload)
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
		r, _, err := d.openEncrypted(q.key, partContext(upload, q.offset))
		if err != nil {
			return err
		}
		defer r.Close()
		readers = append(readers, r)
		next += q.size
	}
	if next < size {
		return fmt.Errorf("upload %s: %d bytes staged, %d promoted", upload, next, size)
	}
	if err := os.MkdirAll(filepath.Dir(d.blobPath(sha)), 0o700); err != nil {
		return fsErr(err)
	}
	if err := d.writeEncrypted(d.encPath(sha), blobContext(sha), io.LimitReader(io.MultiReader(readers...), size)); err != nil {
		return err
	}
	return d.Drop(context.Background(), upload)
}
