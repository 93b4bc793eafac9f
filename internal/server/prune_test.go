package server_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/testenv"
)

// envStore prunes the store of an Env started after it is handed over.
type envStore struct{ e atomic.Pointer[testenv.Env] }

func (s *envStore) DeleteRequestsBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	e := s.e.Load()
	if e == nil {
		return 0, nil
	}
	return e.Store.DeleteRequestsBefore(ctx, before, batch)
}

// TestBackgroundPrune: the running server deletes idempotency records past
// the retention and keeps the younger ones.
func TestBackgroundPrune(t *testing.T) {
	pr := &envStore{}
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Operations: server.Operations{
		Requests: pr, RequestRetention: 24 * time.Hour, PruneInterval: 20 * time.Millisecond}})
	ctx := context.Background()
	for id, age := range map[string]time.Duration{"old": 25 * time.Hour, "young": 23 * time.Hour} {
		if err := e.Store.SaveRequest(ctx, &app.RequestRecord{Principal: "p", RequestID: id, Method: "/m", RequestHash: "h",
			Response: []byte{1}, CreatedAt: time.Now().Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	pr.e.Store(e)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := e.Store.GetRequest(ctx, "p", "old")
		if errors.Is(err, domain.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the record past the retention is still there: %v", err)
		}
	}
	if _, err := e.Store.GetRequest(ctx, "p", "young"); err != nil {
		t.Fatalf("a record within the retention was pruned: %v", err)
	}
}
