package gormstore

import (
	"context"
	"database/sql"
)

// openProbe opens the health probe's own connection pool of one: a pool
// busy with legitimate work must not look like an outage, and an outage
// must not hide behind a connection that happens to be idle.
func openProbe(dialect, dsn string) (*sql.DB, error) {
	driver := "pgx" // registered by gorm's postgres driver (pgx stdlib)
	if dialect == SQLite {
		driver = "sqlite" // modernc.org/sqlite
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return db, nil
}

// Probe checks that the database answers a round trip, on the probe's own
// connection (for health checks; see internal/server's probes).
func (s *Store) Probe(ctx context.Context) error {
	if s.probeDB == nil {
		return s.Ping(ctx)
	}
	return s.probeDB.PingContext(ctx)
}
