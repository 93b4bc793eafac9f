package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/connectjobs"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// newJobs builds the job engine of serve and registers every feature's
// workers, periodic jobs and outbox hooks on it (docs/design.md "Jobs and
// the outbox"): a feature adds its registration here. The engine is open
// (Enqueue works) but not started.
func newJobs(ctx context.Context, cfg config.Config, st *gormstore.Store, ref *connectjobs.Ref, log *slog.Logger) (*jobs.Engine, []app.Option, error) {
	eng := jobs.New(st.SQLDB(), st.Dialect(), gormstore.SQLTx, cfg.Jobs, log)
	var opts []app.Option
	opts = append(opts, registerConnectorJobs(eng, ref, cfg, log)...)
	if err := eng.Open(ctx); err != nil {
		return nil, nil, err
	}
	return eng, opts, nil
}

// stopJobs stops the engine after the gRPC drain, letting running jobs
// finish within the shutdown timeout (then they are cancelled, and retried
// later: delivery is at least once).
func stopJobs(eng *jobs.Engine, timeout time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := eng.Stop(ctx); err != nil {
		log.Warn("the job engine did not stop cleanly", "err", err)
	}
}
