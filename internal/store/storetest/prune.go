package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// testPruneRequests: DeleteRequestsBefore deletes exactly the records
// created before the cut, across several batches, and keeps the rest
// readable.
func testPruneRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	cut := t0.Add(24 * time.Hour)
	for i := range 25 {
		at := cut.Add(-time.Duration(i+1) * time.Minute) // old
		if i%3 == 0 {
			at = cut.Add(time.Duration(i) * time.Microsecond) // at or after the cut: kept
		}
		must(t, s.SaveRequest(ctx, &store.RequestRecord{Principal: fmt.Sprintf("u%d", i%4), RequestID: fmt.Sprintf("req-%d", i),
			Method: "/m", RequestHash: "h", Response: []byte{1}, CreatedAt: at}))
	}
	n, err := s.DeleteRequestsBefore(ctx, cut, 4) // 16 old rows: four full batches and an empty one
	must(t, err)
	if n != 16 {
		t.Fatalf("deleted %d records, want 16", n)
	}
	for i := range 25 {
		_, err := s.GetRequest(ctx, fmt.Sprintf("u%d", i%4), fmt.Sprintf("req-%d", i))
		if i%3 == 0 {
			must(t, err)
		} else {
			wantErr(t, err, domain.ErrNotFound)
		}
	}
	if n, err := s.DeleteRequestsBefore(ctx, cut, 4); err != nil || n != 0 {
		t.Fatalf("second prune: %d, %v", n, err)
	}
}
