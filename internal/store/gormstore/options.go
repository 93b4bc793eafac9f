package gormstore

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"
)

// Options bound how long the store waits for PostgreSQL. Zero leaves a
// bound unset (as the URL or the server's settings have it). SQLite waits
// on locks for its busy_timeout (10 s) and has no network to wait for.
type Options struct {
	// ConnectTimeout bounds opening a connection (pgx connect_timeout).
	ConnectTimeout time.Duration
	// StatementTimeout makes PostgreSQL cancel any statement running longer
	// (session statement_timeout): the database protects itself even when
	// the client is gone.
	StatementTimeout time.Duration
	// LockTimeout makes PostgreSQL give up waiting for a row or table lock
	// (session lock_timeout).
	LockTimeout time.Duration

	// ReplicaURLs are PostgreSQL streaming replicas of the primary that the
	// reads allowed to be stale may use (replicas.go; docs/SCALING.md).
	// SQLite refuses them.
	ReplicaURLs []string
	// ReplicaMaxLag bounds how far behind the primary a replica may be to
	// serve a read without a freshness token (default 5s).
	ReplicaMaxLag time.Duration
	// ReplicaCheckInterval is how often each replica's lag is measured
	// (default ReplicaMaxLag/4, between 50ms and 1s).
	ReplicaCheckInterval time.Duration
	// NoGroupCommit runs every mutation in a transaction of its own
	// instead of committing concurrent ones together (group.go).
	NoGroupCommit bool
	// GroupLanes is how many group-commit executors run on PostgreSQL
	// (group.go): intakes whose agencies hash to one lane share its groups,
	// so fewer lanes make larger groups and more lanes more groups in
	// parallel. 0 means DefaultGroupLanes; SQLite always has one.
	GroupLanes int
	// Log receives the replicas' state changes (nil: discarded).
	Log *slog.Logger
}

// postgresDSN adds the bounds to a postgres:// URL as connection
// parameters (pgx sends unknown ones as session settings at connect).
// Parameters already in the URL win: an operator's explicit choice stays.
func (o Options) postgresDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	set := func(key string, v time.Duration, unit time.Duration) {
		if v <= 0 || q.Has(key) {
			return
		}
		n := int64(v / unit)
		if n == 0 {
			n = 1
		}
		q.Set(key, strconv.FormatInt(n, 10))
	}
	set("connect_timeout", o.ConnectTimeout, time.Second) // pgx takes whole seconds
	set("statement_timeout", o.StatementTimeout, time.Millisecond)
	set("lock_timeout", o.LockTimeout, time.Millisecond)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
