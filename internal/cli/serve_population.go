package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/bizreg"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/popdb"
)

// populationOption connects the intake to the population database when
// --population-db-url is set (nil otherwise).
func populationOption(cfg config.Config, log *slog.Logger) (app.Option, error) {
	p := cfg.Population
	if p.URL == "" {
		return nil, nil
	}
	tlsCfg, err := p.TLS()
	if err != nil {
		return nil, err
	}
	cl, err := popdb.New(popdb.Config{BaseURL: p.URL, TokenURL: p.TokenURL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		Scopes: p.Scopes, TLS: tlsCfg, Timeout: p.Timeout, CacheTTL: p.CacheTTL})
	if err != nil {
		return nil, err
	}
	log.Info("identity checks at intake against the population database", "url", p.URL, "intake_wait", p.IntakeWait,
		"mtls", tlsCfg != nil && len(tlsCfg.Certificates) > 0)
	return app.WithPopulationDB(cl, p.IntakeWait), nil
}

// runIdentityRetries asks the population database again about pending
// checks every interval until ctx ends. Two replicas doing it at once
// record each answer once (app.RetryPendingVerifications). When the job
// engine (internal/jobs) lands, this loop becomes its periodic job.
func runIdentityRetries(ctx context.Context, a *app.Service, every time.Duration, log *slog.Logger) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			n, err := a.RetryPendingVerifications(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("identity retry", "err", err)
			case n > 0:
				log.Info("identity checks answered after intake", "dossiers", n)
			}
		}
	}()
}

// businessRegistryOption connects hand-offs to the business registry when
// --business-registry-url is set (nil otherwise).
func businessRegistryOption(cfg config.Config, log *slog.Logger) (app.Option, error) {
	b := cfg.BusinessRegistry
	if b.URL == "" {
		return nil, nil
	}
	cl, err := bizreg.New(bizreg.Config{BaseURL: b.URL, ClientID: b.ClientID, ClientSecret: b.ClientSecret, Timeout: b.Timeout})
	if err != nil {
		return nil, err
	}
	log.Info("business-registration hand-offs to the national registry", "url", b.URL)
	return app.WithBusinessRegistry(cl), nil
}

// runHandoffs sends pending hand-offs and polls open ones every interval
// until ctx ends (like runIdentityRetries; the job engine's periodic job
// when it lands).
func runHandoffs(ctx context.Context, a *app.Service, every time.Duration, log *slog.Logger) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			sent, err := a.RunHandoffs(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("business-registry hand-off", "err", err)
			}
			changed, err := a.PollRegistry(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("business-registry status", "err", err)
			}
			if sent+changed > 0 {
				log.Info("business registry", "handed_off", sent, "status_changes", changed)
			}
		}
	}()
}
