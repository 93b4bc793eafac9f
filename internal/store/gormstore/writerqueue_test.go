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
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/store/storetest"
)

// SQLite transactions of one store wait their turn in the process (the
// writer queue) instead of polling SQLite's busy handler: a transaction
// queued behind another starts when that one ends and not before, queued
// ones all complete, and one whose caller gives up leaves without running.
func TestSQLiteWriterQueue(t *testing.T) {
	ctx := context.Background()
	s := open(t, "sqlite:"+filepath.Join(t.TempDir(), "queue.db"), true)

	t.Run("a queued transaction starts only when the one ahead ends", func(t *testing.T) {
		release := gormstore.HoldWriter(s)
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- s.InTx(ctx, func(ctx context.Context) error {
				close(started)
				return s.CreateAgency(ctx, storetest.Agency("000.00.07.H55", ""))
			})
		}()
		select {
		case <-started:
			t.Fatal("a transaction began while another held the writer's place")
		case <-time.After(300 * time.Millisecond):
		}
		release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAgency(ctx, "000.00.07.H55"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an access-log write outside a transaction queues too", func(t *testing.T) {
		if err := s.CreateAgency(ctx, storetest.Agency("000.00.09.H55", "")); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateProcedure(ctx, storetest.Procedure("1.000009", "000.00.09.H55")); err != nil {
			t.Fatal(err)
		}
		d := storetest.Dossier("000.00.09.H55", "1.000009", 1)
		if err := s.InTx(ctx, func(ctx context.Context) error { return s.CreateDossier(ctx, d) }); err != nil {
			t.Fatal(err)
		}
		release := gormstore.HoldWriter(s)
		done := make(chan error, 1)
		go func() {
			done <- s.LogAccesses(ctx, []domain.Access{{DossierID: d.ID, ActorID: "clerk",
				ActorKey: "k", ActorRole: domain.RoleClerk, Purpose: "queue test", Method: "/test", At: time.Now()}})
		}()
		select {
		case err := <-done:
			t.Fatalf("the access-log write ran while another held the writer's place: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a caller that gives up while queued runs nothing", func(t *testing.T) {
		release := gormstore.HoldWriter(s)
		defer release()
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		ran := false
		err := s.InTx(cctx, func(ctx context.Context) error { ran = true; return nil })
		if ran || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("InTx = %v, ran %v; want the deadline and nothing run", err, ran)
		}
	})

	t.Run("concurrent writers all commit, one at a time", func(t *testing.T) {
		const n = 16
		var mu sync.Mutex
		inside, most := 0, 0
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.InTx(ctx, func(ctx context.Context) error {
					mu.Lock()
					inside++
					most = max(most, inside)
					mu.Unlock()
					defer func() { mu.Lock(); inside--; mu.Unlock() }()
					return s.CreateAgency(ctx, storetest.Agency(fmt.Sprintf("000.%02d.08.H55", i), ""))
				})
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if most != 1 {
			t.Fatalf("%d transactions ran at once, want 1", most)
		}
	})
}
