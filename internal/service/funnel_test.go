package service_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// TestMutationFunnelEventHook: the funnel hands a mutation's sealed events
// to the hooks inside its transaction; a replay runs nothing (no hook call);
// a failing hook rolls the whole mutation back and records no answer, so
// the same request_id succeeds once the hook does.
func TestMutationFunnelEventHook(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			var (
				mu   sync.Mutex
				seen [][]domain.Event
				fail atomic.Bool
			)
			hook := func(_ context.Context, evs []domain.Event) error {
				if fail.Load() {
					return errors.New("outbox unavailable")
				}
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, evs)
				return nil
			}
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow },
				EventHooks: []app.EventHook{hook}})
			id := testenv.CitizenID(7)
			ctx := e.As(t, testenv.Citizen(id))
			req := &pb.SubmitDossierRequest{RequestId: "funnel-1", Dossier: testenv.Draft(id)}
			first, err := e.Dossiers.SubmitDossier(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			calls := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
			if calls() != 1 || len(seen[0]) != 1 || seen[0][0].ID != first.GetEvent().GetId() || seen[0][0].Hash == "" {
				t.Fatalf("hook saw %+v, want the one sealed event %s", seen, first.GetEvent().GetId())
			}
			again, err := e.Dossiers.SubmitDossier(ctx, req)
			if err != nil || !proto.Equal(first, again) || calls() != 1 {
				t.Fatalf("replay: err %v, equal %v, hook calls %d", err, proto.Equal(first, again), calls())
			}

			before := e.CountRows(t)
			fail.Store(true)
			req2 := &pb.SubmitDossierRequest{RequestId: "funnel-2", Dossier: testenv.Draft(id)}
			_, err = e.Dossiers.SubmitDossier(ctx, req2)
			wantStatus(t, err, codes.Internal, "")
			if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a failed hook left rows behind:\n before %v\n after  %v", before, after)
			}
			fail.Store(false)
			if _, err := e.Dossiers.SubmitDossier(ctx, req2); err != nil {
				t.Fatalf("retry after the hook recovered: %v", err)
			}
			if calls() != 2 {
				t.Fatalf("hook calls %d, want 2", calls())
			}
		})
	}
}
