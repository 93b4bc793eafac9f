package gormstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
)

type txKey struct{}

// maxTxAttempts bounds re-runs of a transaction after retryable errors.
const maxTxAttempts = 5

// InTx runs fn in a transaction carried by ctx; see store.Store.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx) // join the outer transaction
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(ctx, txKey{}, tx))
		})
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
