package gormstore

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/jobs"
)

// SQLTx returns the database/sql transaction ctx carries (InTx), so the job
// engine (internal/jobs) inserts its jobs in the mutation's transaction:
// they exist if and only if the mutation commits. False outside InTx.
func SQLTx(ctx context.Context) (*sql.Tx, bool) {
	g, ok := ctx.Value(txKey{}).(*gorm.DB)
	if !ok {
		return nil, false
	}
	tx, ok := g.Statement.ConnPool.(*sql.Tx)
	return tx, ok
}

// migrateJobs applies the job engine's (River's) own migrations after
// motcua's: its tables live in the same database so that a job joins a
// mutation's transaction.
func (s *Store) migrateJobs(ctx context.Context) error {
	_, err := jobs.Migrate(ctx, s.sqlDB, s.dialect)
	return err
}
