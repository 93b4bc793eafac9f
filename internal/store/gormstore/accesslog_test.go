package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/store/storetest"
)

// Staff reads' access-log rows are committed in batches (group commit),
// and a read is answered only once its row is: on both stores, readers
// that wait together are written in one transaction; a batch that fails
// fails every read in it and stores none of its rows; a reader that gives
// up while waiting is told so.
func TestAccessLogGroupCommit(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		s := open(t, "sqlite:"+filepath.Join(t.TempDir(), "accesses.db"), true)
		poison(t, s, `CREATE TRIGGER poison BEFORE INSERT ON dossier_accesses WHEN NEW.purpose = 'poison'
			BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`)
		testGroupCommit(t, s, func() func() { return gormstore.HoldWriter(s) })
	})
	t.Run("postgres", func(t *testing.T) {
		s := open(t, pgtest.NewDatabase(t), false)
		poison(t, s, `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.purpose = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER poison BEFORE INSERT ON dossier_accesses FOR EACH ROW EXECUTE FUNCTION poison()`)
		// Another session's SHARE lock on the table holds every INSERT.
		testGroupCommit(t, s, func() func() {
			sqlDB, err := s.DB().DB()
			if err != nil {
				t.Fatal(err)
			}
			tx, err := sqlDB.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(`LOCK TABLE dossier_accesses IN SHARE MODE`); err != nil {
				t.Fatal(err)
			}
			return func() { _ = tx.Rollback() }
		})
	})
}

func poison(t *testing.T, s *gormstore.Store, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if err := s.DB().Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func testGroupCommit(t *testing.T, s *gormstore.Store, hold func() (release func())) {
	ctx := context.Background()
	// One batch at a time (SQLite's setting; PostgreSQL writes a few at
	// once), so that which readers share a batch is known.
	gormstore.SetAccessWriters(s, 1)
	for _, err := range []error{s.CreateAgency(ctx, storetest.Agency("000.00.01.H55", "")),
		s.CreateProcedure(ctx, storetest.Procedure("1.000001", "000.00.01.H55"))} {
		if err != nil {
			t.Fatal(err)
		}
	}
	d := storetest.Dossier("000.00.01.H55", "1.000001", 1)
	if err := s.CreateDossier(ctx, d); err != nil {
		t.Fatal(err)
	}
	read := func(ctx context.Context, purpose string) error {
		return s.LogAccesses(ctx, []domain.Access{{DossierID: d.ID, ActorID: "clerk", ActorKey: "k", ActorRole: domain.RoleClerk,
			Purpose: purpose, Method: "GetDossier", At: time.Now()}})
	}
	stored := func(purpose string) int64 {
		var n int64
		if err := s.DB().Table("dossier_accesses").Where("purpose = ?", purpose).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 10 s for %s", what)
			}
		}
	}
	// round holds the table, starts one read (the batch being written),
	// then the given reads (which queue for the next batch), and releases.
	round := func(purposes []string) (rest []error, first error) {
		release := hold()
		before := gormstore.AccessBatches(s)
		firstDone := make(chan error, 1)
		go func() { firstDone <- read(ctx, "first") }()
		waitFor("the first read's batch", func() bool {
			return gormstore.AccessBatches(s) == before+1 && gormstore.PendingAccesses(s) == 0
		})
		rest = make([]error, len(purposes))
		var wg sync.WaitGroup
		for i, p := range purposes {
			wg.Add(1)
			go func() { defer wg.Done(); rest[i] = read(ctx, p) }()
		}
		waitFor("the readers to queue", func() bool { return gormstore.PendingAccesses(s) == len(purposes) })
		select {
		case err := <-firstDone:
			t.Fatalf("a read was answered while its row could not be written yet: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		release()
		wg.Wait()
		first = <-firstDone
		if got := gormstore.AccessBatches(s) - before; got != 2 {
			t.Errorf("%d readers written in %d batches, want 2 (the first, then the others together)", len(purposes)+1, got)
		}
		return rest, first
	}

	t.Run("readers waiting together are committed together", func(t *testing.T) {
		var ps []string
		for i := range 8 {
			ps = append(ps, fmt.Sprintf("ok-%d", i))
		}
		rest, first := round(ps)
		if first != nil || errors.Join(rest...) != nil {
			t.Fatalf("reads failed: %v %v", first, errors.Join(rest...))
		}
		for _, p := range append(ps, "first") {
			if stored(p) != 1 {
				t.Errorf("read %q answered, its row not stored", p)
			}
		}
	})

	t.Run("a failed batch fails every read in it", func(t *testing.T) {
		ps := []string{"lost-0", "lost-1", "poison", "lost-2", "lost-3"}
		rest, first := round(ps)
		if first != nil {
			t.Fatalf("the read before the failed batch failed: %v", first)
		}
		for i, err := range rest {
			if err == nil {
				t.Errorf("read %q was answered though its batch failed", ps[i])
			}
			if stored(ps[i]) != 0 {
				t.Errorf("read %q: a row of the failed batch was stored", ps[i])
			}
		}
		// The log goes on after a failed batch.
		if err := read(ctx, "after"); err != nil || stored("after") != 1 {
			t.Fatalf("the next read after a failed batch: %v", err)
		}
	})

	t.Run("a reader that gives up is told so", func(t *testing.T) {
		release := hold()
		gone, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- read(gone, "gave-up") }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("a read whose caller left: %v, want context.Canceled", err)
		}
		release()
		// Its row may or may not be written; the store still serves others.
		if err := read(ctx, "later"); err != nil {
			t.Fatal(err)
		}
	})
}
