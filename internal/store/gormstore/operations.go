package gormstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// DeleteRequestsBefore implements store.Requests: it deletes idempotency
// records created before 'before', at most batch rows per statement (each
// its own short transaction), until none is left or ctx ends.
func (s *Store) DeleteRequestsBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = 1000
	}
	var total int64
	for {
		// Row values work on PostgreSQL and SQLite (3.15+); the subquery
		// walks the created_at index.
		res := s.conn(ctx).Exec(`DELETE FROM requests WHERE (principal, request_id) IN
			(SELECT principal, request_id FROM requests WHERE created_at < ? LIMIT ?)`, dbTime(before), batch)
		if res.Error != nil {
			return total, res.Error
		}
		total += res.RowsAffected
		if res.RowsAffected < int64(batch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// CountOverdueByAgency counts, per agency, the running dossiers (received
// or processing) past their legal deadline at now — the definition the
// overdue indicators use. It reads the partial index on running dossiers.
func (s *Store) CountOverdueByAgency(ctx context.Context, now time.Time) (map[string]int64, error) {
	var rows []struct {
		AgencyCode string
		N          int64
	}
	err := s.conn(ctx).Table("dossiers").Select("agency_code, count(*) AS n").
		Where("status IN ? AND original_due_at < ?", []int{int(domain.StatusReceived), int(domain.StatusProcessing)}, dbTime(now)).
		Group("agency_code").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.AgencyCode] = r.N
	}
	return out, nil
}

// Pool sizes the PostgreSQL connection pool. Zero fields keep the
// defaults (32 open, 16 idle, no lifetime limit, 5 minutes idle).
type Pool struct {
	MaxOpen     int
	MaxIdle     int
	MaxLifetime time.Duration
	MaxIdleTime time.Duration
}

// SetPool applies p to a PostgreSQL store. SQLite keeps its own fixed pool:
// one writer at a time anyway, and an in-memory store must keep exactly one
// connection.
func (s *Store) SetPool(p Pool) {
	if s.dialect != Postgres {
		return
	}
	if p.MaxOpen > 0 {
		s.sqlDB.SetMaxOpenConns(p.MaxOpen)
	}
	if p.MaxIdle > 0 {
		s.sqlDB.SetMaxIdleConns(p.MaxIdle)
	}
	if p.MaxLifetime > 0 {
		s.sqlDB.SetConnMaxLifetime(p.MaxLifetime)
	}
	if p.MaxIdleTime > 0 {
		s.sqlDB.SetConnMaxIdleTime(p.MaxIdleTime)
	}
}

// SQLDB is the connection pool (for its statistics).
func (s *Store) SQLDB() *sql.DB { return s.sqlDB }
