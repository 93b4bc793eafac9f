package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/connectjobs"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/service"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/telemetry"
)

func newServeCmd() *cobra.Command {
	cfg := config.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gRPC server (and the HTTP side: health, metrics, JSON gateway)",
		Long: `serve runs motcua. With no flags it stores data in a SQLite file under
--data-dir, migrates it, installs a small demo catalog the first time, and
verifies tokens with a development key it creates there (mint tokens with
"motcua token issue"). Use --database-url postgres://… for PostgreSQL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			log, err := newLogger(cmd.ErrOrStderr(), cfg.LogLevel, cfg.LogFormat)
			if err != nil {
				return usageError{err}
			}
			return serve(cmd.Context(), cfg, log)
		},
	}
	cfg.BindServe(cmd.Flags())
	return withEnv(cmd)
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	log = slog.New(telemetry.LogHandler(log.Handler())) // trace ids in every line
	tracing := telemetry.TracingConfig{Endpoint: cfg.OTLPEndpoint, SampleRatio: cfg.TraceSampleRatio, Version: Version}
	tp, err := telemetry.NewTracerProvider(ctx, tracing)
	if err != nil {
		return err
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(flush) // export the last spans
	}()
	b := cfg.Bounds
	st, err := gormstore.OpenWith(ctx, cfg.StoreURL(), gormstore.Options{ConnectTimeout: b.DBConnectTimeout,
		StatementTimeout: b.DBStatementTimeout, LockTimeout: b.DBLockTimeout,
		ReplicaURLs: cfg.Replicas.URLs, ReplicaMaxLag: cfg.Replicas.MaxLag, NoGroupCommit: !cfg.GroupCommit, GroupLanes: cfg.GroupLanes, Log: log})
	if err != nil {
		return err
	}
	defer st.Close()
	st.SetPool(gormstore.Pool{MaxOpen: cfg.DBMaxOpenConns, MaxIdle: cfg.DBMaxIdleConns,
		MaxLifetime: cfg.DBConnMaxLifetime, MaxIdleTime: cfg.DBConnMaxIdleTime})
	if err := st.UseTracing(tp); err != nil {
		return err
	}
	sqlite := st.Dialect() == gormstore.SQLite
	if !st.Durable() {
		log.Warn("the store is in memory: everything is lost when the server stops")
	}
	if cfg.AutoMigrate == "always" || (cfg.AutoMigrate == "auto" && sqlite) {
		applied, err := st.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			log.Info("applied migrations", "versions", applied)
		}
	}
	verifier, err := newVerifier(ctx, cfg, log)
	if err != nil {
		return err
	}
	tlsCfg, err := cfg.TLS()
	if err != nil {
		return err
	}
	dossierMetrics := telemetry.NewDossierMetrics()
	opts := []app.Option{app.WithCounterNetworks(cfg.CounterPrefixes()), app.WithCommitHook(dossierMetrics.Observe)}
	cpOpt, err := checkpointOption(cfg, log)
	if err != nil {
		return err
	}
	if cpOpt != nil {
		opts = append(opts, cpOpt)
	}
	portalOpt, portalAgencies, err := portalOption(cfg.Portal, log)
	if err != nil {
		return err
	}
	if portalOpt != nil {
		opts = append(opts, portalOpt)
	}
	popOpt, err := populationOption(cfg, log)
	if err != nil {
		return err
	}
	if popOpt != nil {
		opts = append(opts, popOpt)
	}
	bizOpt, err := businessRegistryOption(cfg, log)
	if err != nil {
		return err
	}
	if bizOpt != nil {
		opts = append(opts, bizOpt)
	}
	mandOpt, err := mandateRegistryOption(cfg, log)
	if err != nil {
		return err
	}
	if mandOpt != nil {
		opts = append(opts, mandOpt)
	}
	gc := &blobGCWorker{grace: cfg.Documents.BlobGrace, expiry: cfg.Documents.UploadExpiry, log: log}
	connectors := &connectjobs.Ref{} // the connector jobs' application, set below
	eng, jobOpts, binders, wh, err := newJobs(ctx, cfg, st, log, portalAgencies, connectors,
		func(e *jobs.Engine) { registerBlobGC(e, gc, cfg.Documents.BlobGCInterval) })
	if err != nil {
		return err
	}
	opts = append(opts, jobOpts...)
	docOpt, err := documentOption(ctx, cfg, log)
	if err != nil {
		return err
	}
	a := app.New(st, append(opts, docOpt)...)
	for _, bind := range binders {
		bind(a)
	}
	// The workers run only once the engine starts, below.
	gc.app.Store(a)
	connectors.App = a
	if cur, want, err := st.SchemaStatus(ctx); err == nil && cur == want &&
		(cfg.DemoCatalog == "always" || (cfg.DemoCatalog == "auto" && sqlite)) {
		// Effective from the start of the day, so that today's filings fit.
		if ok, err := seed.EnsureDemoCatalog(ctx, a, st, time.Now().Truncate(24*time.Hour)); err != nil {
			return fmt.Errorf("install demo catalog: %w", err)
		} else if ok {
			log.Info("installed the demo catalog (one province, its one-stop centre, three departments, four procedures)")
		}
	}
	collectors := append(dossierMetrics.Collectors(), telemetry.NewOverdueCollector(st, 30*time.Second, log))
	collectors = append(collectors, telemetry.ProcessCollectors(Version, st.SQLDB())...)
	collectors = append(collectors, replicaCollectors(st)...)
	collectors = append(collectors, groupCommitCollector{st: st})
	sopts := server.Options{GRPCAddr: cfg.GRPCAddr, HTTPAddr: cfg.HTTPAddr,
		ShutdownTimeout: cfg.ShutdownTimeout, Log: log, Verifier: verifier, TLS: tlsCfg, Webhooks: wh,
		HealthInterval: b.HealthInterval, HealthTimeout: b.HealthTimeout, CallTimeout: b.CallTimeout,
		StreamTimeout: b.StreamTimeout, MaxVerifyStreams: b.MaxVerifyStreams, TrustedProxies: cfg.TrustedProxyPrefixes(),
		Operations: server.Operations{AdminAddr: cfg.AdminAddr, DrainPeriod: cfg.DrainPeriod, TracerProvider: tp,
			Collectors: collectors, Requests: st, RequestRetention: cfg.RequestRetention, PruneInterval: cfg.PruneInterval,
			Watch: service.WatchOptions{Poll: cfg.WatchPoll, Heartbeat: cfg.WatchHeartbeat},
			Limits: server.Limits{Rate: cfg.RateLimit, Burst: cfg.RateBurst, IntegrationRate: cfg.IntegrationRateLimit,
				IntegrationBurst: cfg.IntegrationRateBurst, Streams: cfg.StreamLimit}}}
	if sopts.HTTPMount, err = consoleMount(cfg, verifier, tlsCfg != nil, log); err != nil {
		return err
	}
	srv, err := server.New(a, st, sopts)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	where := cfg.StoreURL()
	if !sqlite {
		where = "postgres " + redact(cfg.StoreURL())
	}
	security := "plaintext"
	switch {
	case tlsCfg != nil && tlsCfg.ClientCAs != nil:
		security = "TLS, client certificates verified"
	case tlsCfg != nil:
		security = "TLS"
	}
	if cpOpt != nil {
		runCheckpoints(ctx, a, cfg, log)
	}
	log.Info(fmt.Sprintf("motcua %s serving gRPC on %s, HTTP on %s (%s), admin on %s; store %s", Version, srv.GRPCAddr(),
		orOff(srv.HTTPAddr()), security, orOff(srv.AdminAddr()), where), "trace_export", tracing.Exporting())
	logConsole(log, cfg, srv.HTTPAddr(), tlsCfg != nil)
	if err := eng.Start(ctx); err != nil {
		return err
	}
	err = srv.Serve(ctx)
	stopJobs(eng, cfg.ShutdownTimeout, log) // after the gRPC drain: mutations in flight have enqueued
	return err
}

func newVerifier(ctx context.Context, cfg config.Config, log *slog.Logger) (*auth.Verifier, error) {
	v := &auth.Verifier{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, Skew: 30 * time.Second}
	switch {
	case cfg.JWKSURL != "":
		keys, err := auth.NewRemoteKeys(ctx, cfg.JWKSURL, 15*time.Second)
		if err != nil {
			return nil, err
		}
		v.Keys = keys
		log.Info("verifying tokens with a JWKS URL", "url", cfg.JWKSURL, "issuer", cfg.JWTIssuer)
	case cfg.JWTKeysFile != "":
		set, err := auth.LoadPublicKeys(cfg.JWTKeysFile)
		if err != nil {
			return nil, err
		}
		v.Keys = auth.StaticKeys{Set: set}
		log.Info("verifying tokens with keys from a file", "file", cfg.JWTKeysFile, "keys", set.Len(), "issuer", cfg.JWTIssuer)
	default:
		key, path, created, err := auth.EnsureDevKey(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("development signing key: %w", err)
		}
		dev, err := auth.DevVerifier(key)
		if err != nil {
			return nil, err
		}
		v.Keys = dev.Keys
		if v.Issuer == "" {
			v.Issuer = dev.Issuer
		}
		if created {
			log.Warn("created a development signing key; mint tokens with `motcua token issue` (not for production: use --jwt-keys-file or --jwks-url)", "key", path)
		} else {
			log.Warn("verifying tokens with the development signing key (not for production)", "key", path)
		}
	}
	return v, nil
}

func orOff(s string) string {
	if s == "" {
		return "(off)"
	}
	return s
}
