package gormstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/app"
)

type txKey struct{}

// maxTxAttempts bounds re-runs of a transaction after retryable errors.
const maxTxAttempts = 5

// InTx runs fn in a transaction carried by ctx; see store.Store.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx) // join the outer transaction
	}
	if key, ok := app.GroupKey(ctx); ok && s.group != nil {
		return s.inGroup(ctx, key, fn) // group.go
	}
	return s.inTxAlone(ctx, fn)
}

// inTxAlone runs fn in a transaction of its own.
func (s *Store) inTxAlone(ctx context.Context, fn func(ctx context.Context) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		release, qerr := s.queueWriter(ctx)
		if qerr != nil {
			return qerr
		}
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(ctx, txKey{}, tx))
		})
		release()
		if err == nil || !isRetryable(err) || attempt == maxTxAttempts {
			// Contention that outlasts the retries is the database being
			// too busy now (STORE_BUSY, UNAVAILABLE), not a broken request.
			err = classify(err) // BEGIN and COMMIT failures pass no statement callback
			s.writes.record(err)
			if err == nil {
				s.recordCommit(ctx) // the caller's freshness token (replicas.go)
			}
			return err
		}
		// Jittered backoff: 2, 4, 8, 16 ms on average.
		d := time.Duration(1<<attempt) * time.Millisecond
		d = d/2 + time.Duration(rand.Int64N(int64(d)))
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(d):
		}
	}
}

// conn returns the transaction carried by ctx, or the pool.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.db.WithContext(ctx)
}

// writerWait bounds how long a SQLite transaction queues in this process
// before it goes to SQLite's own busy handling anyway: the busy timeout.
const writerWait = 10 * time.Second

// queueWriter makes a SQLite transaction wait its turn in this process.
// Every SQLite transaction begins IMMEDIATE, taking the database's single
// write lock, so at most one runs at a time whatever we do; without the
// queue the others poll for the lock in SQLite's busy handler, which
// sleeps up to 100 ms between tries and serves no one in order — at 8
// concurrent clients a few waited seconds (p99 3.9 s, docs/PERFORMANCE.md).
// Waiting on a channel instead hands the lock over at once and in arrival
// order. Other processes on the same file still meet the busy handler;
// a wait longer than writerWait (a transaction stuck, or one that opens
// another) falls back to it rather than deadlocking. PostgreSQL has row
// locks and needs none of this.
func (s *Store) queueWriter(ctx context.Context) (release func(), err error) {
	if s.writer == nil {
		return func() {}, nil
	}
	t := time.NewTimer(writerWait)
	defer t.Stop()
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return func() {}, nil
	}
}
