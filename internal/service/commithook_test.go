package service_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// TestMutationFunnelCommitHook: the after-commit hook (what the domain
// metrics count through) sees each committed mutation once: not a replay,
// not a run rolled back, and one call for concurrent duplicates.
func TestMutationFunnelCommitHook(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			var (
				mu        sync.Mutex
				committed []domain.Event
				fail      atomic.Bool
			)
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow },
				EventHooks: []app.EventHook{func(context.Context, []domain.Event) error {
					if fail.Load() {
						return errors.New("roll back")
					}
					return nil
				}},
				CommitHooks: []app.CommitHook{func(_ context.Context, evs []domain.Event) {
					mu.Lock()
					defer mu.Unlock()
					committed = append(committed, evs...)
				}}})
			count := func() int { mu.Lock(); defer mu.Unlock(); return len(committed) }
			id := testenv.CitizenID(9)
			ctx := e.As(t, testenv.Citizen(id))
			req := &pb.SubmitDossierRequest{RequestId: "commit-1", Dossier: testenv.Draft(id)}
			first, err := e.Dossiers.SubmitDossier(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if count() != 1 || committed[0].ID != first.GetEvent().GetId() {
				t.Fatalf("after one submission the hook saw %+v", committed)
			}
			if _, err := e.Dossiers.SubmitDossier(ctx, req); err != nil || count() != 1 {
				t.Fatalf("replay: %v, hook saw %d events, want 1", err, count())
			}
			fail.Store(true)
			if _, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "commit-2", Dossier: testenv.Draft(id)}); err == nil {
				t.Fatal("a mutation whose event hook failed succeeded")
			}
			fail.Store(false)
			if count() != 1 {
				t.Fatalf("a rolled-back mutation reached the commit hook (%d events)", count())
			}
			dup := &pb.SubmitDossierRequest{RequestId: "commit-3", Dossier: testenv.Draft(id)}
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := e.Dossiers.SubmitDossier(ctx, dup); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if count() != 2 {
				t.Fatalf("8 concurrent duplicates gave %d committed events in all, want 2", count())
			}
		})
	}
}
