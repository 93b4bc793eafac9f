package gormstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"modernc.org/sqlite"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/store/storetest"
)

// The retry category: InTx re-runs a transaction after the database's own
// retryable failures, caused here by real concurrent transactions (no mock
// of the database), and gives up after its bound with an error the caller
// recognises (domain.ErrUnavailable, the database error kept inside).
//
// The in-memory SQLite store is not in this category: it has one connection,
// so no other connection can hold its write lock and it never sees busy.

// serializable makes the transaction ctx carries SERIALIZABLE; it must be
// its first statement.
func serializable(t *testing.T, ctx context.Context) {
	if err := gormstore.TxOf(ctx).Exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").Error; err != nil {
		t.Fatal(err)
	}
}

// serializationFailure makes the serializable transaction ctx carries fail
// with a PostgreSQL serialization failure (40001): it reads a row, a second
// serializable transaction updates the row and commits, and the first then
// updates the same row.
func serializationFailure(t *testing.T, s *gormstore.Store, ctx context.Context, code string) error {
	tx := gormstore.TxOf(ctx)
	var name string
	if err := tx.Raw("SELECT name FROM agencies WHERE code = ?", code).Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	err := s.DB().WithContext(context.Background()).Transaction(func(other *gorm.DB) error {
		if err := other.Exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").Error; err != nil {
			return err
		}
		return other.Exec("UPDATE agencies SET name = name || '+' WHERE code = ?", code).Error
	})
	if err != nil {
		t.Fatalf("the concurrent transaction: %v", err)
	}
	return tx.Exec("UPDATE agencies SET name = ? WHERE code = ?", name+"!", code).Error
}

func TestRetryPostgres(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.NewDatabase(t), false)
	const contended = "000.00.07.H55"
	if err := s.CreateAgency(ctx, storetest.Agency(contended, "")); err != nil {
		t.Fatal(err)
	}

	t.Run("re-runs after a serialization failure", func(t *testing.T) {
		calls := 0
		err := s.InTx(ctx, func(ctx context.Context) error {
			calls++
			if calls <= 2 {
				serializable(t, ctx)
				return serializationFailure(t, s, ctx, contended)
			}
			return s.CreateAgency(ctx, storetest.Agency("000.00.06.H55", ""))
		})
		if err != nil || calls != 3 {
			t.Fatalf("InTx = %v after %d calls, want success on the 3rd", err, calls)
		}
		if _, err := s.GetAgency(ctx, "000.00.06.H55"); err != nil {
			t.Fatalf("the committed attempt's write: %v", err)
		}
	})

	t.Run("gives up after its bound", func(t *testing.T) {
		calls := 0
		err := s.InTx(ctx, func(ctx context.Context) error {
			calls++
			serializable(t, ctx)
			if err := s.CreateAgency(ctx, storetest.Agency("000.00.05.H55", "")); err != nil {
				t.Fatal(err) // a failed attempt left its write behind
			}
			return serializationFailure(t, s, ctx, contended)
		})
		var pe *pgconn.PgError
		if calls != gormstore.MaxTxAttempts || !errors.Is(err, domain.ErrUnavailable) || !errors.As(err, &pe) || pe.Code != "40001" {
			t.Fatalf("InTx = %v after %d calls, want ErrUnavailable wrapping 40001 after %d", err, calls, gormstore.MaxTxAttempts)
		}
		var fe *domain.FailureError
		if !errors.As(err, &fe) || fe.Reason != domain.ReasonStoreBusy ||
			strings.Contains(fe.Description, "40001") || strings.Contains(fe.Description, "serialize") {
			t.Fatalf("InTx = %v: want a STORE_BUSY failure whose client-facing description keeps the database's text out", err)
		}
		if _, err := s.GetAgency(ctx, "000.00.05.H55"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("a rolled-back attempt's write is visible: %v", err)
		}
	})

	t.Run("does not re-run other failures", func(t *testing.T) {
		calls := 0
		err := s.InTx(ctx, func(ctx context.Context) error {
			calls++
			return s.CreateAgency(ctx, storetest.Agency(contended, ""))
		})
		if calls != 1 || !errors.Is(err, domain.ErrAlreadyExists) || errors.Is(err, domain.ErrUnavailable) {
			t.Fatalf("InTx = %v after %d calls", err, calls)
		}
	})
}

// holdWriteLock takes the SQLite database's write lock from another
// connection (BEGIN IMMEDIATE) and keeps it until release is called.
func holdWriteLock(t *testing.T, url string) (release func()) {
	t.Helper()
	ctx := context.Background()
	h := open(t, url, false)
	sqlDB, err := h.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	c, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := false
	release = func() {
		if !released {
			released = true
			_, _ = c.ExecContext(ctx, "ROLLBACK")
			_ = c.Close()
		}
	}
	t.Cleanup(release)
	return release
}

func TestRetrySQLiteBusy(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "busy.db")
	s := open(t, url, true)
	const busy = 150 * time.Millisecond
	if err := gormstore.SetBusyTimeout(s, busy); err != nil {
		t.Fatal(err)
	}

	t.Run("re-runs while another connection holds the write lock", func(t *testing.T) {
		release := holdWriteLock(t, url)
		// Released after about two and a half busy timeouts: the first
		// attempts fail busy, a later one gets the lock.
		time.AfterFunc(busy*5/2, release)
		start := time.Now()
		calls := 0
		err := s.InTx(ctx, func(ctx context.Context) error {
			calls++
			return s.CreateAgency(ctx, storetest.Agency("000.00.06.H55", ""))
		})
		elapsed := time.Since(start)
		if err != nil || calls != 1 || elapsed < 2*busy {
			t.Fatalf("InTx = %v after %v and %d calls; want success after at least two busy attempts", err, elapsed, calls)
		}
		if _, err := s.GetAgency(ctx, "000.00.06.H55"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("re-runs the function after a busy error inside it", func(t *testing.T) {
		// The busy error of the first attempt comes from a statement inside
		// fn: fn runs again in a new transaction.
		calls := 0
		err := s.InTx(ctx, func(ctx context.Context) error {
			calls++
			if calls == 1 {
				other := open(t, url, false)
				if err := gormstore.SetBusyTimeout(other, busy); err != nil {
					t.Fatal(err)
				}
				// This transaction holds the write lock; another store's
				// write waits busy_timeout and fails with SQLITE_BUSY, which
				// fn returns as its own.
				err := other.CreateAgency(context.Background(), storetest.Agency("000.00.04.H55", ""))
				var se *sqlite.Error
				if !errors.As(err, &se) || se.Code()&0xff != 5 {
					t.Fatalf("the competing write: %v, want SQLITE_BUSY", err)
				}
				return err
			}
			return s.CreateAgency(ctx, storetest.Agency("000.00.03.H55", ""))
		})
		if err != nil || calls != 2 {
			t.Fatalf("InTx = %v after %d calls, want success on the 2nd", err, calls)
		}
	})

	t.Run("gives up after its bound", func(t *testing.T) {
		holdWriteLock(t, url)
		// A deadline far past the bound: an unbounded retry fails here.
		ctx, cancel := context.WithTimeout(ctx, 4*gormstore.MaxTxAttempts*busy+2*time.Second)
		defer cancel()
		start := time.Now()
		calls := 0
		err := s.InTx(ctx, func(ctx context.Context) error { calls++; return nil })
		elapsed := time.Since(start)
		var se *sqlite.Error
		if calls != 0 || !errors.Is(err, domain.ErrUnavailable) || ctx.Err() != nil || !errors.As(err, &se) || se.Code()&0xff != 5 {
			t.Fatalf("InTx = %v after %v and %d calls, want ErrUnavailable wrapping SQLITE_BUSY", err, elapsed, calls)
		}
		// Each attempt waited one busy timeout.
		if min := time.Duration(gormstore.MaxTxAttempts) * busy * 9 / 10; elapsed < min {
			t.Fatalf("gave up after %v, before %d busy attempts (%v)", elapsed, gormstore.MaxTxAttempts, min)
		}
	})
}
