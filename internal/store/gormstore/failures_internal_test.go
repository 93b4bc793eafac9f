package gormstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/motcua/motcua/internal/domain"
)

// The mapping of real driver error values. The conditions themselves
// (server stopped, frozen, read-only, disk full) are reproduced against
// real databases in internal/server (outage_test.go, storagefull_test.go).

func wantClass(t *testing.T, err error, kind error, reason string) {
	t.Helper()
	got := classify(err)
	var fe *domain.FailureError
	if !errors.As(got, &fe) {
		t.Fatalf("%v: not classified (%T)", err, got)
	}
	if !errors.Is(got, kind) || fe.Reason != reason {
		t.Errorf("%v: got %v/%s, want %v/%s", err, fe.Kind, fe.Reason, kind, reason)
	}
	if fe.RetryAfter <= 0 {
		t.Errorf("%v: no retry hint", err)
	}
	if !errors.Is(got, err) {
		t.Errorf("%v: the cause is not kept for the log and for retry decisions", err)
	}
}

func TestClassifyPostgres(t *testing.T) {
	for code, want := range map[string]struct {
		kind   error
		reason string
	}{
		"53100": {domain.ErrResourceExhausted, domain.ReasonStoreFull},
		"25006": {domain.ErrUnavailable, domain.ReasonStoreReadOnly},
		"08006": {domain.ErrUnavailable, domain.ReasonStoreUnreachable},
		"57P01": {domain.ErrUnavailable, domain.ReasonStoreUnreachable},
		"57P03": {domain.ErrUnavailable, domain.ReasonStoreUnreachable},
		"57014": {domain.ErrUnavailable, domain.ReasonStoreTimeout},
		"55P03": {domain.ErrUnavailable, domain.ReasonStoreTimeout},
		"53300": {domain.ErrUnavailable, domain.ReasonStoreBusy},
		"40001": {domain.ErrUnavailable, domain.ReasonStoreBusy},
		"58030": {domain.ErrUnavailable, domain.ReasonStoreIO},
	} {
		// Wrapped as the drivers and gorm wrap it.
		wantClass(t, fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: "whatever the text says"}), want.kind, want.reason)
	}
	// A full disk is RESOURCE_EXHAUSTED whatever the message says, and a
	// message that looks like a full disk is not.
	if got := classify(&pgconn.PgError{Code: "23505", Message: "could not extend file: No space left on device"}); !errors.As(got, new(*pgconn.PgError)) || errors.Is(got, domain.ErrResourceExhausted) {
		t.Errorf("unique violation classified as %v", got)
	}
	if retry := classify(&pgconn.PgError{Code: "40001"}); !isRetryable(retry) {
		t.Error("a classified serialization failure is no longer retryable by InTx")
	}
}

func TestClassifySQLiteCodes(t *testing.T) {
	cause := errors.New("sqlite")
	for code, reason := range map[int]string{
		13:         domain.ReasonStoreFull,
		8:          domain.ReasonStoreReadOnly,
		8 | 4<<8:   domain.ReasonStoreReadOnly, // SQLITE_READONLY_DBMOVED
		10:         domain.ReasonStoreIO,
		10 | 1<<8:  domain.ReasonStoreIO, // SQLITE_IOERR_READ
		10 | 13<<8: domain.ReasonStoreIO, // SQLITE_IOERR_FSYNC
		14:         domain.ReasonStoreIO,
		5:          domain.ReasonStoreBusy,
		5 | 2<<8:   domain.ReasonStoreBusy, // SQLITE_BUSY_SNAPSHOT
		6:          domain.ReasonStoreBusy,
	} {
		f := sqliteFailure(code, cause)
		if f == nil || f.Reason != reason {
			t.Errorf("SQLite code %d: got %v, want %s", code, f, reason)
		}
	}
	for _, code := range []int{sqliteConstraintUnique, sqliteConstraintFK, sqliteConstraintPK, 1 /* SQLITE_ERROR */, 11 /* CORRUPT */} {
		if f := sqliteFailure(code, cause); f != nil {
			t.Errorf("SQLite code %d classified as %s", code, f.Reason)
		}
	}
}

func TestClassifyConnectionErrors(t *testing.T) {
	for _, err := range []error{
		&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF),
		syscall.ECONNREFUSED,
	} {
		wantClass(t, err, domain.ErrUnavailable, domain.ReasonStoreUnreachable)
	}
	// The caller's own cancellation and deadline are not the database's
	// failure: the service layer decides (DEADLINE_EXCEEDED, CANCELLED, or
	// the server's own bound).
	for _, err := range []error{context.Canceled, fmt.Errorf("query: %w", context.DeadlineExceeded)} {
		if got := classify(err); got != err {
			t.Errorf("%v classified as %v", err, got)
		}
	}
}
