package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/connectjobs"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/webhooks"
)

// newJobs builds the job engine of serve and registers every feature's
// workers, periodic jobs and outbox hooks on it (docs/design.md "Jobs and
// the outbox"): a feature adds its registration here. The engine is open
// (Enqueue works) but not started.
//
// binders give the workers the service once it is built (its hooks need
// the engine first).
func newJobs(ctx context.Context, cfg config.Config, st *gormstore.Store, log *slog.Logger, portalAgencies []string,
	connectors *connectjobs.Ref, register ...func(*jobs.Engine)) (
	eng *jobs.Engine, opts []app.Option, binders []func(*app.Service), wh *webhooks.Service, err error) {
	eng = jobs.New(st.SQLDB(), st.Dialect(), gormstore.SQLTx, cfg.Jobs, log)
	for _, r := range register { // workers and periodic jobs, before Open
		r(eng)
	}
	// Population database and business registry (docs/identity.md).
	opts = append(opts, registerConnectorJobs(eng, connectors, cfg, log)...)
	// Signed webhooks (docs/webhooks.md).
	wcfg := cfg.Webhooks
	wcfg.Now = time.Now
	wh = webhooks.New(st, eng, wcfg)
	webhooks.Register(eng, wh)
	opts = append(opts, app.WithEventHook(wh.Hook()))
	if wcfg.AllowPrivate {
		log.Warn("webhook endpoints may be private or loopback addresses (--webhooks-allow-private-endpoints): not for production")
	}
	if cfg.Portal.Enabled() {
		// The national portal sync (docs/portal-sync.md).
		pj, hook := portal.Register(eng, portal.JobOptions{Workers: cfg.Portal.Workers, Sweep: cfg.Portal.Interval,
			Reconcile: cfg.Portal.ReconcileInterval, Agencies: portalAgencies})
		pj.OnReconciled = func(r *app.Reconciliation, err error) { logReconciliation(log, r, err) }
		opts = append(opts, app.WithEventHook(hook))
		binders = append(binders, pj.Bind)
	}
	if err := eng.Open(ctx); err != nil {
		return nil, nil, nil, nil, err
	}
	return eng, opts, binders, wh, nil
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
