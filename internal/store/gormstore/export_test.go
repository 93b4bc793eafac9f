package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Hooks for the tests of this package's external test package.

// MaxTxAttempts is the bound of InTx.
const MaxTxAttempts = maxTxAttempts

// TxOf returns the transaction ctx carries (nil outside InTx).
func TxOf(ctx context.Context) *gorm.DB {
	tx, _ := ctx.Value(txKey{}).(*gorm.DB)
	return tx
}

// SetBusyTimeout shortens a SQLite store's busy timeout so that a busy test
// takes milliseconds, not the production 10 s per attempt. The pool is cut
// to one connection so the pragma holds for every transaction.
func SetBusyTimeout(s *Store, d time.Duration) error {
	s.sqlDB.SetMaxOpenConns(1)
	return s.db.Exec(fmt.Sprintf("PRAGMA busy_timeout = %d", d.Milliseconds())).Error
}

// HoldWriter takes a SQLite store's place in the writer queue until the
// returned function is called (nil on PostgreSQL, which has no queue).
func HoldWriter(s *Store) func() {
	if s.writer == nil {
		return nil
	}
	s.writer <- struct{}{}
	return func() { <-s.writer }
}

// AccessBatches counts the access-log batches the store has written.
func AccessBatches(s *Store) int {
	s.accesses.mu.Lock()
	defer s.accesses.mu.Unlock()
	return s.accesses.batches
}

// PendingAccesses counts the staff reads waiting for the next access-log
// batch.
func PendingAccesses(s *Store) int {
	s.accesses.mu.Lock()
	defer s.accesses.mu.Unlock()
	return len(s.accesses.pending)
}

// SetAccessWriters sets how many access-log batches may be written at once.
func SetAccessWriters(s *Store, n int) {
	s.accesses.mu.Lock()
	s.accesses.maxWriters = n
	s.accesses.mu.Unlock()
}

// ParallelWorkers is max_parallel_workers_per_gather as a statement run
// like the overdue queries (readSerial) sees it, and as the next one does.
func ParallelWorkers(ctx context.Context, s *Store) (inside, after string, err error) {
	if err := s.readSerial(ctx, func(db *gorm.DB) error {
		return db.Raw("SHOW max_parallel_workers_per_gather").Scan(&inside).Error
	}); err != nil {
		return "", "", err
	}
	return inside, after, s.db.WithContext(ctx).Raw("SHOW max_parallel_workers_per_gather").Scan(&after).Error
}
