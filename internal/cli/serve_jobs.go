package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/webhooks"
)

// newJobs builds the job engine of serve and registers every feature's
// workers, periodic jobs and outbox hooks on it (docs/design.md "Jobs and
// the outbox"): a feature adds its registration here. The engine is open
// (Enqueue works) but not started.
func newJobs(ctx context.Context, cfg config.Config, st *gormstore.Store, log *slog.Logger, now func() time.Time) (*jobs.Engine, []app.Option, *webhooks.Service, error) {
	eng := jobs.New(st.SQLDB(), st.Dialect(), gormstore.SQLTx, cfg.Jobs, log)
	var opts []app.Option

	wcfg := cfg.Webhooks
	wcfg.Now = now
	wh := webhooks.New(st, eng, wcfg)
	webhooks.Register(eng, wh)
	opts = append(opts, app.WithEventHook(wh.Hook()))
	if wcfg.AllowPrivate {
		log.Warn("webhook endpoints may be private or loopback addresses (--webhooks-allow-private-endpoints): not for production")
	}

	if err := eng.Open(ctx); err != nil {
		return nil, nil, nil, err
	}
	return eng, opts, wh, nil
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
