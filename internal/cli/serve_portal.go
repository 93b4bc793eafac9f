package cli

import (
	"context"
	"fmt"
	"log/slog"

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

// logReconciliation logs a scheduled reconciliation: a warning when the
// portal's copy is wrong.
func logReconciliation(log *slog.Logger, r *app.Reconciliation, err error) {
	if err != nil {
		log.Warn("scheduled reconciliation with the national portal failed", "err", err)
		return
	}
	level := slog.LevelInfo
	if r.Divergent+r.Missing > 0 {
		level = slog.LevelWarn
	}
	log.Log(context.Background(), level, fmt.Sprintf("reconciled %s with the national portal: %d checked, %d divergent, %d missing, %d pending (motcua sync report %s)",
		r.AgencyCode, r.Checked, r.Divergent, r.Missing, r.Pending, r.ID))
}
