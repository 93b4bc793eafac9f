package bench_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/store"
)

// explain prints the plans of the queries behind the measured calls, as
// gormstore issues them (values inlined), executed on the benchmark's
// database.
func (h *harness) explain(b *testing.B, w io.Writer) {
	ctx := context.Background()
	var id string
	if err := h.db.QueryRowContext(ctx, `SELECT id::text FROM dossiers TABLESAMPLE BERNOULLI (0.1) REPEATABLE (2) LIMIT 1`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	lit := func(ss ...string) string {
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
		}
		return strings.Join(q, ", ")
	}
	ts := func(t time.Time) string { return "'" + t.UTC().Format("2006-01-02 15:04:05.999999") + "+00'" }
	now := ts(h.now())
	agencies := lit(h.province...)
	queries := []struct{ title, sql string }{
		{"GetIndicators 1/5 — SumStats (the yearly rows)",
			`SELECT '' AS day, channel, filed_by, COALESCE(SUM(filed), 0), COALESCE(SUM(received), 0), COALESCE(SUM(running), 0)
			FROM dossier_stats WHERE period = 'Y' AND agency_code IN (` + agencies + `) AND day >= '2026' AND day <= '2026'
			GROUP BY channel, filed_by ORDER BY channel, filed_by`},
		{"GetIndicators 2/5 — SumDurations (the yearly rows)",
			`SELECT bucket, SUM(dossiers) AS n FROM dossier_stats_durations
			WHERE period = 'Y' AND agency_code IN (` + agencies + `) AND day >= '2026' AND day <= '2026' GROUP BY bucket`},
		{"GetIndicators 3/5 — CountOverdue (the one query on the dossiers table; without parallel workers, as the store runs it)",
			serialPlan + `SELECT count(*) FROM dossiers d WHERE d.status IN (2, 4) AND d.original_due_at < ` + now + `
			AND d.agency_code IN (` + agencies + `) AND d.created_at >= ` + ts(h.from) + ` AND d.created_at < ` + ts(h.to)},
		{"GetIndicators 4/5 — ProceduresWithOnlineFilings (any and genuine, one read)",
			`SELECT procedure_code, MAX(CASE WHEN filed_by IN (1, 2) THEN 1 ELSE 0 END) = 1 AS genuine FROM dossier_stats
			WHERE period = 'Y' AND agency_code IN (` + agencies + `) AND day >= '2026' AND day <= '2026' AND channel = 2 AND filed > 0
			GROUP BY procedure_code ORDER BY procedure_code`},
		{"GetIndicators 5/5 — ProceduresOf",
			`SELECT * FROM procedures WHERE agency_code IN (` + agencies + `, '` + seed.Province + `') ORDER BY code`},
		{"the baseline: direct scan of the dossiers table",
			strings.NewReplacer("$1", "ARRAY["+agencies+"]", "$2", ts(h.from), "$3", ts(h.to), "$4", now).Replace(directScan)},
		{"GetDossier by id", `SELECT * FROM dossiers WHERE id = '` + id + `' LIMIT 1`},
		{"ListDossiers overdue=true for one agency (clerk's scope, first page)",
			`SELECT * FROM dossiers WHERE (agency_code IN ('` + seed.OneStopCentre + `') OR step_unit_code IN ('` + seed.OneStopCentre + `'))
			AND agency_code = '` + seed.OneStopCentre + `' AND status IN (2, 4) AND original_due_at < ` + now + `
			ORDER BY original_due_at, id LIMIT 51`},
	}
	fmt.Fprintf(w, "\n== EXPLAIN (ANALYZE, BUFFERS) on the benchmark database ==\n")
	for _, q := range queries {
		h.plan(b, w, q.title, q.sql)
	}
	var sizes string
	err := h.db.QueryRowContext(ctx, `SELECT string_agg(format('%s %s (%s rows)', relname, pg_size_pretty(pg_total_relation_size(relid)), n_live_tup), '; ' ORDER BY pg_total_relation_size(relid) DESC)
		FROM pg_stat_user_tables WHERE relname IN ('dossiers', 'dossier_events', 'process_control_slips', 'dossier_stats', 'dossier_stats_durations', 'unit_step_stats', 'dossier_accesses')`).Scan(&sizes)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(w, "\n-- table sizes (with indexes): %s\n", sizes)
}

// serialPlan marks a query the store runs without parallel workers
// (gormstore's readSerial: at 5M the planner's parallel plan took 15-76 ms to
// start its workers for 1 ms of work).
const serialPlan = "-- serial\n"

// plan prints EXPLAIN (ANALYZE, BUFFERS) of query under a title; a query
// marked serialPlan is planned as the store runs it.
func (h *harness) plan(b *testing.B, w io.Writer, title, query string) {
	ctx := context.Background()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if strings.HasPrefix(query, serialPlan) {
		if _, err := tx.ExecContext(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
			b.Fatal(err)
		}
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query)
	if err != nil {
		b.Fatalf("%s: %v", title, err)
	}
	defer rows.Close()
	fmt.Fprintf(w, "\n-- %s\n", title)
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintln(w, line)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
}

// timedStore times the store calls GetIndicators makes.
type timedStore struct {
	store.Store
	mu    sync.Mutex
	calls map[string]latencies
}

func (s *timedStore) time(name string, t0 time.Time) {
	s.mu.Lock()
	s.calls[name] = append(s.calls[name], time.Since(t0))
	s.mu.Unlock()
}

func (s *timedStore) GetAgency(ctx context.Context, code string) (*domain.Agency, error) {
	defer s.time("GetAgency", time.Now())
	return s.Store.GetAgency(ctx, code)
}

func (s *timedStore) AgencySubtree(ctx context.Context, code string) ([]string, error) {
	defer s.time("AgencySubtree", time.Now())
	return s.Store.AgencySubtree(ctx, code)
}

func (s *timedStore) SumStats(ctx context.Context, q store.StatsQuery) ([]indicators.Row, error) {
	defer s.time("SumStats", time.Now())
	return s.Store.SumStats(ctx, q)
}

func (s *timedStore) SumDurations(ctx context.Context, q store.StatsQuery) (map[int]int64, error) {
	defer s.time("SumDurations", time.Now())
	return s.Store.SumDurations(ctx, q)
}

func (s *timedStore) CountOverdue(ctx context.Context, q store.StatsQuery, now time.Time) (int64, error) {
	defer s.time("CountOverdue", time.Now())
	return s.Store.CountOverdue(ctx, q, now)
}

func (s *timedStore) ProceduresOf(ctx context.Context, agencies []string) ([]domain.Procedure, error) {
	defer s.time("ProceduresOf", time.Now())
	return s.Store.ProceduresOf(ctx, agencies)
}

func (s *timedStore) ProceduresWithOnlineFilings(ctx context.Context, q store.StatsQuery) (anyone, genuine []string, err error) {
	defer s.time("ProceduresWithOnlineFilings", time.Now())
	return s.Store.ProceduresWithOnlineFilings(ctx, q)
}

// breakdown calls the Indicators use case directly (no gRPC) n times on
// a timed store over the same database and prints where its time goes.
func (h *harness) breakdown(b *testing.B, w io.Writer, n int) {
	ctx := context.Background()
	ts := &timedStore{Store: h.st, calls: map[string]latencies{}}
	a := app.New(ts, app.WithClock(h.now))
	p := domain.Principal{Subject: auditor.Subject, Role: auditor.Role, AgencyCode: auditor.Agency}
	q := app.ReportQuery{Agency: seed.Province, SubAgencies: true, Period: indicators.YearOf(year)}
	var total latencies
	for range n {
		t := time.Now()
		if _, err := a.Indicators(ctx, p, q); err != nil {
			b.Fatal(err)
		}
		total = append(total, time.Since(t))
	}
	fmt.Fprintf(w, "\n-- where GetIndicators' time goes: the use case called directly %d times (no gRPC), per call\n", n)
	fmt.Fprintf(w, "%-30s %6s %12s %12s\n", "store call", "calls", "median", "sum of medians")
	var names []string
	for k := range ts.calls {
		names = append(names, k)
	}
	slices.SortFunc(names, func(x, y string) int { return cmp.Compare(ts.calls[y].quantile(0.5), ts.calls[x].quantile(0.5)) })
	for _, k := range names {
		l := ts.calls[k]
		per := len(l) / n
		fmt.Fprintf(w, "%-30s %6d %10.2fms %10.2fms\n", k, per, ms(l.quantile(0.5)), float64(per)*ms(l.quantile(0.5)))
	}
	fmt.Fprintf(w, "%-30s %6s %10.2fms\n", "Indicators use case in all", "", ms(total.quantile(0.5)))
}
