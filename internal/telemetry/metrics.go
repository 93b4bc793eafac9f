package telemetry

import (
	"context"
	"database/sql"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/motcua/motcua/internal/domain"
)

// DossierMetrics counts what the office does, from the events of committed
// mutations (app.WithCommitHook(m.Observe)): a replayed answer or a
// rolled-back attempt counts nothing. Counters restart with the process;
// the records of truth are the event log and the indicators.
type DossierMetrics struct {
	received    *prometheus.CounterVec
	transitions *prometheus.CounterVec
}

// NewDossierMetrics creates the counters (register them with Collectors).
func NewDossierMetrics() *DossierMetrics {
	return &DossierMetrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "motcua_dossiers_received_total",
			Help: "Dossiers created (submitted online or received at a counter), by channel and by who acted (actor kind).",
		}, []string{"channel", "actor_kind"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "motcua_dossier_transitions_total",
			Help: "Dossier lifecycle actions recorded, by action.",
		}, []string{"action"}),
	}
}

// Observe is an app.CommitHook.
func (m *DossierMetrics) Observe(_ context.Context, events []domain.Event) {
	for _, e := range events {
		if e.From == 0 {
			m.received.WithLabelValues(e.Attribution.Channel.String(), e.Attribution.ActorKind.String()).Inc()
		}
		m.transitions.WithLabelValues(e.Action.String()).Inc()
	}
}

// Collectors are the counters, to register.
func (m *DossierMetrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.received, m.transitions}
}

// OverdueCounter counts running dossiers past their legal deadline per
// agency (gormstore.Store implements it).
type OverdueCounter interface {
	CountOverdueByAgency(ctx context.Context, now time.Time) (map[string]int64, error)
}

// overdueCollector answers motcua_dossiers_overdue from the database on
// scrape, remembering the answer for a while so that frequent scrapes (or
// several Prometheus servers) cost one query per period.
type overdueCollector struct {
	src   OverdueCounter
	ttl   time.Duration
	log   *slog.Logger
	desc  *prometheus.Desc
	fails prometheus.Counter

	mu     sync.Mutex
	at     time.Time
	counts map[string]int64
}

// NewOverdueCollector returns the collector of motcua_dossiers_overdue{agency}
// over src, querying at most once per ttl (and for at most 5 s).
func NewOverdueCollector(src OverdueCounter, ttl time.Duration, log *slog.Logger) prometheus.Collector {
	return &overdueCollector{src: src, ttl: ttl, log: log,
		desc: prometheus.NewDesc("motcua_dossiers_overdue",
			"Running dossiers (received or processing) past their legal deadline now, by receiving agency.", []string{"agency"}, nil),
		fails: prometheus.NewCounter(prometheus.CounterOpts{Name: "motcua_dossiers_overdue_query_failures_total",
			Help: "Scrapes whose overdue count could not be read (the previous answer was served)."}),
	}
}

func (c *overdueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.fails.Describe(ch)
}

func (c *overdueCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); c.counts == nil || now.Sub(c.at) >= c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		counts, err := c.src.CountOverdueByAgency(ctx, now)
		cancel()
		if err != nil {
			c.fails.Inc()
			c.log.Warn("cannot count overdue dossiers for /metrics", "error", err)
		} else {
			c.counts, c.at = counts, now
		}
	}
	for agency, n := range c.counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), agency)
	}
	c.fails.Collect(ch)
}

// ProcessCollectors are the build info (go_build_info), the database pool statistics
// (go_sql_* with db_name="motcua") and motcua_build_info{version}.
func ProcessCollectors(version string, db *sql.DB) []prometheus.Collector {
	info := prometheus.NewGauge(prometheus.GaugeOpts{Name: "motcua_build_info",
		Help:        "Always 1; the labels say which build runs.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()}})
	info.Set(1)
	cs := []prometheus.Collector{info, collectors.NewBuildInfoCollector()}
	if db != nil {
		cs = append(cs, collectors.NewDBStatsCollector(db, "motcua"))
	}
	return cs
}
