package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/portal"
)

// portalOption builds the national portal sync from the settings, or nil
// when no portal is configured; agencies lists the agencies with their own
// endpoint (the scheduled reconciliation covers them).
func portalOption(cfg config.Portal, log *slog.Logger) (app.Option, []string, error) {
	if !cfg.Enabled() {
		return nil, nil, nil
	}
	list, err := cfg.Agencies()
	if err != nil {
		return nil, nil, err
	}
	opts := portal.Options{Timeout: cfg.Timeout, Agencies: map[string]portal.Endpoint{},
		Default: portal.Endpoint{BaseURL: cfg.URL, Username: cfg.Username, Password: cfg.Password}}
	var agencies []string
	for _, a := range list {
		opts.Agencies[a.Agency] = portal.Endpoint{BaseURL: a.BaseURL, Username: a.Username, Password: a.Password}
		agencies = append(agencies, a.Agency)
		log.Info("national portal endpoint", "endpoint", a) // PortalAgency.LogValue leaves the password out
	}
	if cfg.URL != "" {
		log.Info("national portal default endpoint", "base_url", cfg.URL, "username", orDefault(cfg.Username, "(the dossier's agency code)"))
	}
	return app.WithPortalSync(portal.New(opts), app.SyncConfig{DeadLetterAfter: cfg.DeadLetterAfter, AckBound: cfg.AckBound,
		Workers: cfg.Workers}), agencies, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// runPortalSync delivers to the portal until ctx ends and, if asked,
// reconciles the listed agencies on a schedule.
//
// Until the job engine lands (issue 10, item 1), the deliverer polls the
// sync states, which mutations write in their own transaction: the states
// are the outbox, claims with a lease keep replicas from sending one
// dossier twice at once, and a dossier is always sent as it is now.
func runPortalSync(ctx context.Context, a *app.Service, cfg config.Portal, agencies []string, log *slog.Logger) {
	go a.Run(ctx, cfg.Interval, func(err error) { log.Warn("portal sync pass failed; retrying", "err", err) })
	if cfg.ReconcileInterval <= 0 || len(agencies) == 0 {
		return
	}
	go func() {
		t := time.NewTicker(cfg.ReconcileInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			for _, ag := range agencies {
				r, err := a.ReconcileAgency(ctx, ag, time.Time{}, time.Time{})
				if err != nil {
					log.Warn("scheduled reconciliation failed", "agency", ag, "err", err)
					continue
				}
				level := slog.LevelInfo
				if r.Divergent+r.Missing > 0 {
					level = slog.LevelWarn
				}
				log.Log(ctx, level, fmt.Sprintf("reconciled %s with the national portal: %d checked, %d divergent, %d missing, %d pending (motcua sync report %s)",
					ag, r.Checked, r.Divergent, r.Missing, r.Pending, r.ID))
			}
		}
	}()
}
