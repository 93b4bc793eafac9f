package config

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// Operations are the settings of the admin listener, shutdown drain,
// tracing, database pool, limits and retention (docs/operations.md).
type Operations struct {
	AdminAddr        string
	DrainPeriod      time.Duration
	OTLPEndpoint     string
	TraceSampleRatio float64

	DBMaxOpenConns    int
	DBMaxIdleConns    int
	DBConnMaxLifetime time.Duration
	DBConnMaxIdleTime time.Duration
	// GroupCommit lets the store commit concurrent intakes together
	// (docs/design.md, "Group commit").
	GroupCommit bool
	// GroupLanes is how many group-commit executors run on PostgreSQL (0:
	// two per CPU, gormstore.DefaultGroupLanes).
	GroupLanes int

	RateLimit            float64
	RateBurst            int
	IntegrationRateLimit float64
	IntegrationRateBurst int
	StreamLimit          int

	RequestRetention time.Duration
	PruneInterval    time.Duration

	// WatchPoll is how often an event stream reads the feed when no local
	// commit woke it (what other replicas commit); WatchHeartbeat how often
	// an idle stream sends a heartbeat (docs/events-stream.md).
	WatchPoll      time.Duration
	WatchHeartbeat time.Duration
}

// DefaultOperations are the defaults: admin on loopback, a 5 s drain, no
// trace export, a pool of 32 connections, limits a person never reaches by
// hand, idempotency records kept 30 days.
func DefaultOperations() Operations {
	return Operations{
		AdminAddr:            "127.0.0.1:9090",
		DrainPeriod:          5 * time.Second,
		TraceSampleRatio:     1,
		DBMaxOpenConns:       32,
		DBMaxIdleConns:       16,
		DBConnMaxLifetime:    30 * time.Minute,
		DBConnMaxIdleTime:    5 * time.Minute,
		GroupCommit:          true,
		RateLimit:            20,
		RateBurst:            40,
		IntegrationRateLimit: 200,
		IntegrationRateBurst: 400,
		StreamLimit:          4,
		RequestRetention:     30 * 24 * time.Hour,
		PruneInterval:        time.Hour,
		WatchPoll:            time.Second,
		WatchHeartbeat:       15 * time.Second,
	}
}

// BindOperations binds the operations settings.
func (o *Operations) BindOperations(fs *pflag.FlagSet) {
	fs.StringVar(&o.AdminAddr, "admin-addr", o.AdminAddr, "admin HTTP listen address for /healthz, /readyz and /metrics (keep it private); empty disables")
	fs.DurationVar(&o.DrainPeriod, "drain-period", o.DrainPeriod, "on SIGTERM, report NOT_SERVING this long before closing the listeners (let load balancers notice)")
	fs.StringVar(&o.OTLPEndpoint, "otlp-endpoint", o.OTLPEndpoint,
		"export traces over OTLP/gRPC to this endpoint (http://host:4317 plaintext, https://… TLS); empty uses OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, or exports nothing")
	fs.Float64Var(&o.TraceSampleRatio, "trace-sample-ratio", o.TraceSampleRatio, "fraction of new traces to record and export (0–1); a caller's sampled trace is always followed")
	fs.IntVar(&o.DBMaxOpenConns, "db-max-open-conns", o.DBMaxOpenConns, "PostgreSQL: connections per replica at most (replicas × this must stay below max_connections)")
	fs.IntVar(&o.DBMaxIdleConns, "db-max-idle-conns", o.DBMaxIdleConns, "PostgreSQL: idle connections kept")
	fs.DurationVar(&o.DBConnMaxLifetime, "db-conn-max-lifetime", o.DBConnMaxLifetime, "PostgreSQL: close connections after this long (rebalances after a failover)")
	fs.DurationVar(&o.DBConnMaxIdleTime, "db-conn-max-idle-time", o.DBConnMaxIdleTime, "PostgreSQL: close connections idle this long")
	fs.BoolVar(&o.GroupCommit, "group-commit", o.GroupCommit, "commit concurrent intakes together, one flush for many (acknowledged still means durable); false commits each alone")
	fs.IntVar(&o.GroupLanes, "group-lanes", o.GroupLanes, "PostgreSQL: group-commit lanes, each running one group at a time (an agency's intakes always share one); fewer make larger groups, more run more in parallel; 0 is two per CPU")
	fs.Float64Var(&o.RateLimit, "rate-limit", o.RateLimit, "calls per second per principal (token subject); 0 disables")
	fs.IntVar(&o.RateBurst, "rate-burst", o.RateBurst, "calls a principal may make at once")
	fs.Float64Var(&o.IntegrationRateLimit, "integration-rate-limit", o.IntegrationRateLimit, "calls per second per integration (portals relaying citizens); 0 disables")
	fs.IntVar(&o.IntegrationRateBurst, "integration-rate-burst", o.IntegrationRateBurst, "calls an integration may make at once")
	fs.IntVar(&o.StreamLimit, "stream-limit", o.StreamLimit, "streaming calls one principal may have open at once; 0 disables")
	fs.DurationVar(&o.RequestRetention, "request-retention", o.RequestRetention, "keep idempotency records (first answers of mutations) this long; a retry after that runs again")
	fs.DurationVar(&o.PruneInterval, "prune-interval", o.PruneInterval, "how often expired idempotency records are deleted")
	fs.DurationVar(&o.WatchPoll, "watch-poll-interval", o.WatchPoll,
		"how often an event stream (WatchDossierEvents) reads the feed for what other replicas committed; commits on this replica wake it at once")
	fs.DurationVar(&o.WatchHeartbeat, "watch-heartbeat", o.WatchHeartbeat,
		"how often an idle event stream sends a heartbeat with its cursor (a client may ask for 1s–10m)")
}

// maxGroupLanes bounds --group-lanes as gormstore.MaxGroupLanes does.
const maxGroupLanes = 1024

// Validate checks the operations settings.
func (o *Operations) Validate() error {
	switch {
	case o.DrainPeriod < 0:
		return fmt.Errorf("--drain-period must not be negative")
	case o.TraceSampleRatio < 0 || o.TraceSampleRatio > 1:
		return fmt.Errorf("--trace-sample-ratio must be between 0 and 1")
	case o.DBMaxOpenConns < 1 || o.DBMaxIdleConns < 0 || o.DBMaxIdleConns > o.DBMaxOpenConns:
		return fmt.Errorf("--db-max-open-conns must be at least 1 and --db-max-idle-conns between 0 and it")
	case o.DBConnMaxLifetime < 0 || o.DBConnMaxIdleTime < 0:
		return fmt.Errorf("--db-conn-max-lifetime and --db-conn-max-idle-time must not be negative")
	case o.GroupLanes < 0 || o.GroupLanes > maxGroupLanes:
		return fmt.Errorf("--group-lanes must be between 0 (two per CPU) and %d", maxGroupLanes)
	case o.RateLimit < 0 || o.IntegrationRateLimit < 0 || o.StreamLimit < 0:
		return fmt.Errorf("--rate-limit, --integration-rate-limit and --stream-limit must not be negative")
	case o.RateLimit > 0 && o.RateBurst < 1, o.IntegrationRateLimit > 0 && o.IntegrationRateBurst < 1:
		return fmt.Errorf("--rate-burst and --integration-rate-burst must be at least 1 when their limit is on")
	case o.RequestRetention < time.Hour:
		return fmt.Errorf("--request-retention must be at least 1h: clients retry within it")
	case o.PruneInterval < time.Minute:
		return fmt.Errorf("--prune-interval must be at least 1m")
	case o.WatchPoll < 10*time.Millisecond || o.WatchPoll > time.Minute:
		return fmt.Errorf("--watch-poll-interval must be between 10ms and 1m")
	case o.WatchHeartbeat < time.Second || o.WatchHeartbeat > 10*time.Minute:
		return fmt.Errorf("--watch-heartbeat must be between 1s and 10m")
	}
	return nil
}
