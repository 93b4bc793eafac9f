package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RequestPruner deletes idempotency records (the stored first answers of
// mutating requests) created before a time, at most batch rows per
// statement, and says how many it deleted.
type RequestPruner interface {
	DeleteRequestsBefore(ctx context.Context, before time.Time, batch int) (int64, error)
}

// pruneBatch bounds one DELETE, so that pruning a large backlog never holds
// locks or grows the WAL for long.
const pruneBatch = 1000

func newPrunedCounter() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{
		Name: "motcua_idempotency_records_pruned_total",
		Help: "Idempotency records deleted by the background prune (older than the retention).",
	})
}

// pruneLoop deletes expired idempotency records now and then every
// PruneInterval. Replicas may prune at once: they delete the same rows,
// which is harmless.
func (s *Server) pruneLoop(ctx context.Context) {
	retention, every := s.opts.RequestRetention, s.opts.PruneInterval
	if retention <= 0 {
		retention = 30 * 24 * time.Hour
	}
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.PruneRequests(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			s.opts.Log.Warn("pruning idempotency records failed; will retry", "error", err, "deleted", n)
		case n > 0:
			s.opts.Log.Info("pruned idempotency records", "deleted", n, "older_than", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PruneRequests deletes the idempotency records created before 'before',
// in batches, and returns how many it deleted.
func (s *Server) PruneRequests(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.opts.Requests.DeleteRequestsBefore(ctx, before, pruneBatch)
	s.ops.pruned.Add(float64(n))
	return n, err
}
