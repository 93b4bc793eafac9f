package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
)

// Failures of the database itself (not of the request) become
// *domain.FailureError here, recognised by SQLSTATE, SQLite result code or
// Go error type — never by message text — so that clients get UNAVAILABLE
// or RESOURCE_EXHAUSTED instead of INTERNAL. Everything else is returned
// unchanged: constraint violations are the store methods' business, and the
// caller's own cancellation or deadline is the service layer's.

// Retry hints sent to clients (google.rpc.RetryInfo).
const (
	retrySoon     = 2 * time.Second  // connection lost, timeouts, contention
	retryReadOnly = 30 * time.Second // a failover or an operator must act
	retryFull     = 60 * time.Second // someone must free space
)

// pgFailure maps a SQLSTATE that describes the database's condition.
func pgFailure(code string, cause error) *domain.FailureError {
	switch {
	case code == "53100": // disk_full
		return domain.Exhausted(domain.ReasonStoreFull, "the database's disk is full; the change was not stored", retryFull, cause)
	case code == "25006": // read_only_sql_transaction
		return domain.Unavailable(domain.ReasonStoreReadOnly, "the database accepts no changes at the moment (read-only); nothing was stored", retryReadOnly, cause)
	case len(code) == 5 && code[:2] == "08", // connection_exception class
		code == "57P01", code == "57P02", code == "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
		code == "57P05": // idle_session_timeout
		return domain.Unavailable(domain.ReasonStoreUnreachable, "the database is not reachable", retrySoon, cause)
	case code == "57014", code == "55P03", code == "25P03": // query_canceled (statement_timeout), lock_not_available, idle_in_transaction_session_timeout
		return domain.Unavailable(domain.ReasonStoreTimeout, "the database did not answer in time", retrySoon, cause)
	case code == "53200", code == "53300", code == "53400", // out_of_memory, too_many_connections, configuration_limit_exceeded
		code == pgSerializationFailure, code == pgDeadlockDetected: // still failing after InTx's retries
		return domain.Unavailable(domain.ReasonStoreBusy, "the database is too busy to serve the request", retrySoon, cause)
	case code == "58000", code == "58030": // system_error, io_error
		return domain.Unavailable(domain.ReasonStoreIO, "the database reported an I/O error", retrySoon, cause)
	}
	return nil
}

// SQLite primary result codes of the database's condition.
const (
	sqliteNoMem    = 7
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteProtocol = 15
)

// sqliteFailure maps a SQLite (extended) result code by its primary code.
func sqliteFailure(code int, cause error) *domain.FailureError {
	switch code & 0xff {
	case sqliteFull:
		return domain.Exhausted(domain.ReasonStoreFull, "the database's disk or size limit is full; the change was not stored", retryFull, cause)
	case sqliteReadOnly:
		return domain.Unavailable(domain.ReasonStoreReadOnly, "the database accepts no changes at the moment (read-only); nothing was stored", retryReadOnly, cause)
	case sqliteIOErr, sqliteCantOpen:
		return domain.Unavailable(domain.ReasonStoreIO, "the database reported an I/O error", retrySoon, cause)
	case sqliteBusy, sqliteLocked, sqliteNoMem, sqliteProtocol:
		return domain.Unavailable(domain.ReasonStoreBusy, "the database is too busy to serve the request", retrySoon, cause)
	}
	return nil
}

// classify turns a database failure into a *domain.FailureError and returns
// any other error unchanged.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var fe *domain.FailureError
	if errors.As(err, &fe) {
		return err
	}
	if f := pgFailure(pgCode(err), err); f != nil {
		return f
	}
	if c := sqliteCode(err); c != 0 {
		if f := sqliteFailure(c, err); f != nil {
			return f
		}
		return err
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		// Before the context check: a connect_timeout wraps a deadline of
		// its own, not the caller's.
		return domain.Unavailable(domain.ReasonStoreUnreachable, "the database is not reachable", retrySoon, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err) { // pgx: the connection was closed before the query was sent
		return domain.Unavailable(domain.ReasonStoreUnreachable, "the connection to the database was lost", retrySoon, err)
	}
	return err
}

// writeHealth counts consecutive failed writes, so that health can report
// a database that answers pings but refuses changes (full, read-only).
type writeHealth struct {
	consecutive atomic.Int64
	last        atomic.Pointer[writeFailure]
}

type writeFailure struct {
	at  time.Time
	err *domain.FailureError
}

// Write failures turn health bad after failedWritesUnhealthy in a row, and
// stop counting failedWritesWindow after the last one (when no write has
// been tried since, there is nothing to report).
const (
	failedWritesUnhealthy = 3
	failedWritesWindow    = 30 * time.Second
)

func (w *writeHealth) record(err error) {
	var fe *domain.FailureError
	switch {
	case err == nil:
		if w.consecutive.Load() != 0 {
			w.consecutive.Store(0)
		}
	case errors.As(err, &fe):
		w.last.Store(&writeFailure{at: time.Now(), err: fe})
		w.consecutive.Add(1)
	}
}

// CheckWrites reports the last failure when the latest writes (at least
// three in a row, the last within 30 s) all failed for a reason of the
// database's own (full, read-only, unreachable…); nil otherwise.
func (s *Store) CheckWrites(context.Context) error {
	if s.writes.consecutive.Load() < failedWritesUnhealthy {
		return nil
	}
	last := s.writes.last.Load()
	if last == nil || time.Since(last.at) > failedWritesWindow {
		return nil
	}
	return fmt.Errorf("the last %d writes failed: %w", s.writes.consecutive.Load(), last.err)
}

// registerClassifier makes every gorm statement return classified errors
// and feeds the outcome of writes to the write-health counter.
func (s *Store) registerClassifier(db *gorm.DB) error {
	after := func(write bool) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			if tx.Error != nil {
				tx.Error = classify(tx.Error)
			}
			// Inside a transaction only its outcome counts (InTx records
			// it): one failed transaction is one failed write.
			if _, inTx := tx.Statement.ConnPool.(gorm.TxCommitter); write && !inTx {
				s.writes.record(tx.Error)
			}
		}
	}
	cb := db.Callback()
	for _, r := range []struct {
		p interface {
			Register(string, func(*gorm.DB)) error
		}
		write bool
	}{
		{cb.Create().After("*"), true}, {cb.Update().After("*"), true}, {cb.Delete().After("*"), true},
		{cb.Query().After("*"), false}, {cb.Row().After("*"), false}, {cb.Raw().After("*"), true},
	} {
		if err := r.p.Register("motcua:classify_failures", after(r.write)); err != nil {
			return err
		}
	}
	return nil
}
