package gormstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Database errors are recognised by SQLSTATE (PostgreSQL) or extended result
// code (SQLite), never by message text.

const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"

	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraintFK     = 787
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	c := sqliteCode(err)
	return pgCode(err) == pgUniqueViolation || c == sqliteConstraintUnique || c == sqliteConstraintPK
}

func isForeignKeyViolation(err error) bool {
	return pgCode(err) == pgForeignKeyViolation || sqliteCode(err) == sqliteConstraintFK
}

// isRetryable reports errors after which the whole transaction may be re-run.
func isRetryable(err error) bool {
	switch pgCode(err) {
	case pgSerializationFailure, pgDeadlockDetected:
		return true
	}
	switch sqliteCode(err) & 0xff { // primary code: covers BUSY_SNAPSHOT, LOCKED_SHAREDCACHE…
	case sqliteBusy, sqliteLocked:
		return true
	}
	return false
}
