package gormstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
)

// ErrBackupUnsupported is returned by Backup for a store that backs up
// otherwise (PostgreSQL: pg_basebackup with WAL archiving, or the operator's).
var ErrBackupUnsupported = errors.New("online backup to a file is for SQLite stores")

// BackupProgress is called after each step of a backup with the pages
// copied so far and the source's page count.
type BackupProgress func(done, total int)

// backupStepPages is how many pages one backup step copies (4 MiB of 4 KiB
// pages): small enough for steady progress, large enough to be quick.
const backupStepPages = 1024

// maxBackupRestarts bounds how often a stepped backup may start over because
// another connection wrote in between; after that the rest is copied in one
// step, which holds one read transaction (in WAL mode writers go on).
const maxBackupRestarts = 3

// Backup copies a SQLite store to path with SQLite's online backup API while
// the store serves: the copy is one consistent snapshot (every transaction
// committed before the last step is in it, nothing half-written). It writes
// path+".partial", syncs it, checks it (PRAGMA quick_check) and renames it,
// so path either does not exist or is a complete copy. It refuses to
// overwrite an existing file.
func (s *Store) Backup(ctx context.Context, path string, progress BackupProgress) error {
	if s.dialect != SQLite {
		return ErrBackupUnsupported
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	partial := path + ".partial"
	_ = os.Remove(partial)
	defer os.Remove(partial) // gone after the rename; removed on failure
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("backup: the SQLite driver connection (%T) has no online backup", dc)
		}
		bk, err := b.NewBackup(partial)
		if err != nil {
			return fmt.Errorf("backup: open %s: %w", partial, err)
		}
		restarts, last := 0, -1
		for {
			if err := ctx.Err(); err != nil {
				_ = bk.Finish()
				return err
			}
			n := int32(backupStepPages)
			if restarts >= maxBackupRestarts {
				n = -1
			}
			more, err := bk.Step(n)
			if err != nil {
				_ = bk.Finish()
				return fmt.Errorf("backup: %w", err)
			}
			if !more {
				if progress != nil {
					progress(bk.PageCount(), bk.PageCount())
				}
				break
			}
			total, left := bk.PageCount(), bk.Remaining()
			if last >= 0 && left > last {
				restarts++ // a write from another connection started it over
			}
			last = left
			if progress != nil {
				progress(total-left, total)
			}
		}
		return bk.Finish()
	})
	if err != nil {
		return err
	}
	if err := syncFile(partial); err != nil {
		return err
	}
	if err := quickCheck(ctx, partial); err != nil {
		return err
	}
	if err := os.Rename(partial, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return syncFile(filepath.Dir(path))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", path, err)
	}
	return nil
}

// quickCheck opens the copy on its own and runs PRAGMA quick_check.
func quickCheck(ctx context.Context, path string) error {
	cp, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		return fmt.Errorf("backup: open the copy: %w", err)
	}
	defer cp.Close()
	var res string
	if err := cp.sqlDB.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("backup: check the copy: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("backup: the copy fails its integrity check: %s", res)
	}
	return nil
}
