package gormstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/motcua/motcua/internal/freshness"
)

// Group commit for the access log. A staff read must not be answered
// before its access-log row is durable, and at production durability each
// read's own INSERT and COMMIT waits for a WAL flush (on SQLite, for its
// turn in the writer queue and a sync): with eight clerks reading, the
// clerk's GetDossier ran at half the citizen's rate. Readers that arrive
// while the writers are busy wait together; the next batch writes all their
// rows in one INSERT, and each of them learns that batch's outcome: nil
// only after the commit, the batch's error if any row of it failed (then
// none of its rows is stored). A reader whose context ends
// while it waits gives up — its read fails; its row may still be written,
// which records an access that was not answered, never the reverse.
//
// Nothing waits on purpose to fill a batch: a reader is written at once if
// a writer is free, and a batch is the readers that came while every writer
// was busy. On SQLite one writer (its transactions run one at a time
// anyway); on PostgreSQL a few, because one batch at a time made each
// reader wait for the flush in progress and then for its own, where
// PostgreSQL already lets concurrent commits share a WAL flush.

// maxAccessBatch bounds the rows of one batch (a ListDossiers page logs
// one row per dossier).
const maxAccessBatch = 1000

// accessWritersPostgres is how many batches may be written at once on
// PostgreSQL.
const accessWritersPostgres = 4

type accessWaiter struct {
	ctx  context.Context
	rows []accessRow
	done chan error // buffered: the writer never blocks on a reader gone
}

type accessBatcher struct {
	mu         sync.Mutex
	pending    []accessWaiter
	writers    int // writer goroutines running
	maxWriters int // 0 means 1
	batches    int // batches written (tests)
}

// logAccessesBatched queues rows for the next batch and waits for its
// commit. The batch is written by another goroutine, so that a reader
// whose context ends stops waiting at once, whatever the database does.
func (s *Store) logAccessesBatched(ctx context.Context, rows []accessRow) error {
	w := accessWaiter{ctx: ctx, rows: rows, done: make(chan error, 1)}
	b := &s.accesses
	b.mu.Lock()
	b.pending = append(b.pending, w)
	start := b.writers < max(b.maxWriters, 1)
	if start {
		b.writers++
	}
	b.mu.Unlock()
	if start {
		go s.writeAccessBatches()
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeAccessBatches writes batches until no reader waits; several may run
// (maxWriters), each taking the readers waiting when it is free.
func (s *Store) writeAccessBatches() {
	b := &s.accesses
	for {
		b.mu.Lock()
		n, rows := 0, 0
		for n < len(b.pending) && (n == 0 || rows+len(b.pending[n].rows) <= maxAccessBatch) {
			rows += len(b.pending[n].rows)
			n++
		}
		if n == 0 {
			b.pending = nil
			b.writers--
			b.mu.Unlock()
			return
		}
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.batches++
		b.mu.Unlock()

		all := make([]accessRow, 0, rows)
		for _, w := range batch {
			all = append(all, w.rows...)
		}
		// The first reader's context carries the trace the statement's
		// span joins; detached, so that one reader giving up does not fail
		// the others' batch, and without the reader's freshness sink (a
		// read's log row gives the reader no freshness token).
		ctx := freshness.WithSink(context.WithoutCancel(batch[0].ctx), nil)
		err := s.insertAccesses(ctx, all)
		for _, w := range batch {
			w.done <- err
		}
	}
}

// insertAccesses stores rows in one INSERT (at most maxAccessBatch rows
// of nine columns: within both databases' limits on parameters). On
// PostgreSQL the statement commits on its own — one round trip; on SQLite
// it is a transaction, so that it waits in the writer queue.
func (s *Store) insertAccesses(ctx context.Context, rows []accessRow) (err error) {
	// This runs on the batch's own goroutine, outside the gRPC recovery
	// interceptor: a panic fails the batch's reads instead of the process.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("access log: writing a batch panicked: %v", r)
		}
	}()
	if s.writer == nil {
		return s.db.WithContext(ctx).Create(&rows).Error
	}
	return s.InTx(ctx, func(ctx context.Context) error { return s.conn(ctx).Create(&rows).Error })
}
