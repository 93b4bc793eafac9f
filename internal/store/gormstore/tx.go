package gormstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
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
		if err == nil || !isRetryable(err) {
			return err
		}
		if attempt == maxTxAttempts {
			// Contention that outlasts the retries is the database being too
			// busy now, not a broken request: callers see ErrUnavailable
			// (UNAVAILABLE, which clients may retry later).
			return &contentionError{attempts: attempt, err: err}
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

// contentionError is InTx giving up. It is domain.ErrUnavailable and wraps
// the database's last error (for errors.As and logs), whose text it keeps
// out of its own message, which may reach clients.
type contentionError struct {
	attempts int
	err      error
}

func (e *contentionError) Error() string {
	return fmt.Sprintf("%v: the database is busy (contention on %d attempts); retry later", domain.ErrUnavailable, e.attempts)
}

func (e *contentionError) Unwrap() []error { return []error{domain.ErrUnavailable, e.err} }
