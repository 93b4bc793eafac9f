package cli

import (
	"log/slog"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/bizreg"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/connectjobs"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/mandatereg"
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

// mandateRegistryOption checks representatives' mandates at intake
// against the mandate registry when --mandate-registry-url is set (nil
// otherwise).
func mandateRegistryOption(cfg config.Config, log *slog.Logger) (app.Option, error) {
	m := cfg.MandateRegistry
	if m.URL == "" {
		return nil, nil
	}
	tlsCfg, err := m.TLS()
	if err != nil {
		return nil, err
	}
	cl, err := mandatereg.New(mandatereg.Config{BaseURL: m.URL, TokenURL: m.TokenURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		Scopes: m.Scopes, TLS: tlsCfg, Timeout: m.Timeout})
	if err != nil {
		return nil, err
	}
	log.Info("mandate checks at intake against the mandate registry", "url", m.URL, "intake_wait", m.IntakeWait,
		"mtls", tlsCfg != nil && len(tlsCfg.Certificates) > 0)
	return app.WithMandateRegistry(cl, m.IntakeWait), nil
}

// registerConnectorJobs puts the population-database, business-registry
// and mandate-registry work on the job engine when either is configured: a pending intake check
// and an accepted hand-off are enqueued in the mutation's transaction and
// retried with backoff; periodic sweeps (one leader) catch anything a job
// gave up on and poll the registry for status changes. The workers call
// ref.App, which serve sets right after app.New.
func registerConnectorJobs(eng *jobs.Engine, ref *connectjobs.Ref, cfg config.Config, log *slog.Logger) []app.Option {
	var c connectjobs.Config
	if cfg.Population.URL != "" {
		c.IdentitySweep = cfg.Population.RetryInterval
	}
	if cfg.BusinessRegistry.URL != "" {
		c.RegistryPoll = cfg.BusinessRegistry.Interval
	}
	if cfg.MandateRegistry.URL != "" {
		c.MandateSweep = cfg.MandateRegistry.RetryInterval
	}
	if c == (connectjobs.Config{}) {
		return nil
	}
	return []app.Option{app.WithEventHook(connectjobs.Register(eng, ref, c, log))}
}
