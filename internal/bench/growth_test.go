package bench_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/seed"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

var (
	flagGrowthMax = flag.Int("growth-max", envInt("BENCH_GROWTH_MAX", 1_000_000),
		"BenchmarkGrowth grows the database to this many dossiers (also BENCH_GROWTH_MAX; 5000000 for the 5M step)")
	flagGrowthFirst = flag.Int("growth-first", envInt("BENCH_GROWTH_FIRST", 100_000),
		"BenchmarkGrowth's first step (also BENCH_GROWTH_FIRST)")
	flagAuditorsRun = flag.Duration("auditors-run", 10*time.Second,
		"how long BenchmarkProvince runs GetIndicators with 1 and with 4 auditors at once")
	flagGrowthRun = flag.Duration("growth-run", 5*time.Second,
		"how long BenchmarkGrowth measures each read at each step (the indicators twice as long)")
)

// growthSteps are the sizes BenchmarkGrowth measures at: first, then 1M
// and 5M up to max, and max itself.
func growthSteps(first, max int) []int {
	first = min(first, max)
	out := []int{first}
	for _, n := range []int{1_000_000, 5_000_000} {
		if n > first && n <= max {
			out = append(out, n)
		}
	}
	if last := out[len(out)-1]; max > last {
		out = append(out, max)
	}
	return out
}

// growthCell is one call measured at one step.
type growthCell struct {
	lat      latencies
	perSec   float64 // throughput calls: calls (or transactions) per second
	baseline string  // the key of the row compared with
	note     string
}

// growthStep is everything measured at one size.
type growthStep struct {
	dossiers int
	load     string // /proc/loadavg when the step's measurements began
	rows     map[string]*growthCell
	sizes    string
	seeded   time.Duration
}

// growthCalls are the rows of the table, in order: key, name.
var growthCalls = [][2]string{
	{"health", "gRPC health check (1 client)"},
	{"scan", "direct SQL scan for the indicators' figures"},
	{"indicators1", "GetIndicators, province + sub-agencies, 2026, 1 auditor"},
	{"indicators4", "GetIndicators, same, 4 auditors at once"},
	{"get", "GetDossier by id (clerk, access logged)"},
	{"list1", "ListDossiers, one agency, newest first, page 1 of 50"},
	{"list100", "ListDossiers, same, page 100 (next_page_token)"},
	{"listdate", "ListDossiers, same, filed_before = page 100's first dossier"},
	{"overdue", "ListDossiers overdue=true, one agency, page 1 of 50"},
	{"intake", "ReceiveDossier, 8 clients at 11 agencies"},
	{"pgbench", "pgbench, the same intake statements, 8 clients"},
}

// BenchmarkGrowth seeds -growth-first dossiers filed over 2026, measures,
// then grows the same database (seed.Options.Append: more dossiers filed
// over the same year, numbered after the earlier ones) to 1M and, with
// -growth-max 5000000, to 5M, measuring at each step every call of issue
// 13's cost-growth table next to its baseline and printing the plans of
// the queries behind them. Run it with `make bench-growth` (see
// docs/PERFORMANCE.md).
func BenchmarkGrowth(b *testing.B) {
	steps := growthSteps(*flagGrowthFirst, *flagGrowthMax)
	var h *harness
	var done []*growthStep
	for i, n := range steps {
		began := time.Now()
		if i == 0 {
			h = startOn(b, pgtest.NewDatabase(b), n)
		} else {
			h.load(b, n-steps[i-1], uint64(i+1))
		}
		st := &growthStep{dossiers: n, seeded: time.Since(began), rows: map[string]*growthCell{}}
		fmt.Fprintf(os.Stdout, "\n== growth step %d: %s dossiers (loaded %s more in %s, VACUUM ANALYZE %s) ==\n",
			i+1, thousands(int64(n)), thousands(int64(h.seeded.Dossiers)), st.seeded.Round(time.Second), h.vacuum.Round(time.Second))
		h.measureGrowth(b, st, os.Stdout)
		done = append(done, st)
		printGrowth(os.Stdout, done)
	}
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// measureGrowth measures every call of the table on h as it is now and
// prints the plans behind them.
func (h *harness) measureGrowth(b *testing.B, st *growthStep, w io.Writer) {
	ctx := context.Background()
	run := *flagGrowthRun
	st.load = loadAvg()
	reports := pb.NewReportServiceClient(h.conn)
	dossiers := pb.NewDossierServiceClient(h.conn)
	health := healthpb.NewHealthClient(h.conn)
	auditorCtx := h.as(b, auditor)
	add := func(key, baseline string, lat latencies) *growthCell {
		c := &growthCell{lat: lat, baseline: baseline}
		st.rows[key] = c
		return c
	}
	timed := func(name string, clients int, d time.Duration, call func() error) latencies {
		return hammer(b, h, name, clients, d, func(int, int) error { return call() }).lat
	}

	hreq := &healthpb.HealthCheckRequest{Service: "motcua.v1"}
	add("health", "", timed("health", 1, run, func() error { _, err := health.Check(ctx, hreq); return err }))

	// The indicators must agree with the direct scan at every step.
	resp, err := reports.GetIndicators(auditorCtx, indicatorsRequest())
	if err != nil {
		b.Fatal(err)
	}
	viaSQL, err := h.scan(ctx, h.now())
	if err != nil {
		b.Fatal(err)
	}
	if viaAPI := fromIndicators(resp.GetIndicators()); viaAPI != viaSQL {
		b.Fatalf("GetIndicators and the direct scan disagree:\n api %+v\n sql %+v", viaAPI, viaSQL)
	}
	var scan latencies
	for range 3 {
		t := time.Now()
		if _, err := h.scan(ctx, h.now()); err != nil {
			b.Fatal(err)
		}
		scan = append(scan, time.Since(t))
	}
	add("scan", "", scan)
	ind := func() error { _, err := reports.GetIndicators(auditorCtx, indicatorsRequest()); return err }
	add("indicators1", "scan", timed("indicators-1", 1, 2*run, ind))
	add("indicators4", "scan", timed("indicators-4", 4, 2*run, ind))

	sample := h.sample(b)
	i := 0
	add("get", "health", timed("get", 1, run, func() error {
		s := sample[i%len(sample)]
		i++
		_, err := dossiers.GetDossier(s.ctx, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: s.id}, Purpose: "benchmark"})
		return err
	}))

	// The one-stop centre's list, newest first, as its clerk: the first
	// page, the 100th reached through next_page_token, and the same place
	// reached by the date filter a user would type.
	clerk := h.as(b, clerkOf(seed.OneStopCentre))
	listReq := func() *pb.ListDossiersRequest {
		return &pb.ListDossiersRequest{AgencyCode: seed.OneStopCentre, PageSize: 50, Purpose: "benchmark"}
	}
	add("list1", "health", timed("list1", 1, run, func() error { _, err := dossiers.ListDossiers(clerk, listReq()); return err }))
	req100 := listReq()
	var page *pb.ListDossiersResponse
	for range 99 {
		if page, err = dossiers.ListDossiers(clerk, req100); err != nil {
			b.Fatal(err)
		}
		if page.GetNextPageToken() == "" {
			b.Fatal("fewer than 100 pages to list")
		}
		req100.PageToken = page.GetNextPageToken()
	}
	after := page.GetDossiers()[len(page.GetDossiers())-1]
	add("list100", "health", timed("list100", 1, run, func() error { _, err := dossiers.ListDossiers(clerk, req100); return err }))
	byDate := listReq()
	byDate.FiledBefore = after.GetCreateTime()
	first, err := dossiers.ListDossiers(clerk, byDate)
	if err != nil {
		b.Fatal(err)
	}
	c := add("listdate", "health", timed("listdate", 1, run, func() error { _, err := dossiers.ListDossiers(clerk, byDate); return err }))
	if len(first.GetDossiers()) > 0 {
		c.note = fmt.Sprintf("first dossier filed %s", first.GetDossiers()[0].GetCreateTime().AsTime().Format(time.RFC3339))
	}

	overdueReq := &pb.ListDossiersRequest{AgencyCode: seed.OneStopCentre, Overdue: true, PageSize: 50, Purpose: "benchmark"}
	add("overdue", "health", timed("overdue", 1, run, func() error { _, err := dossiers.ListDossiers(clerk, overdueReq); return err }))

	// Plans, on the data as measured.
	h.explain(b, w)
	scope := `(agency_code IN ('` + seed.OneStopCentre + `') OR step_unit_code IN ('` + seed.OneStopCentre + `')) AND agency_code = '` + seed.OneStopCentre + `'`
	h.plan(b, w, "ListDossiers newest first, one agency, page 1", `SELECT * FROM dossiers WHERE `+scope+` ORDER BY id DESC LIMIT 51`)
	h.plan(b, w, "ListDossiers newest first, one agency, page 100 (after the last id of page 99)",
		`SELECT * FROM dossiers WHERE `+scope+` AND id < '`+after.GetId()+`' ORDER BY id DESC LIMIT 51`)
	// With filed_before the list is in filing order (migration 19).
	h.plan(b, w, "ListDossiers newest first, one agency, filed_before",
		`SELECT * FROM dossiers WHERE `+scope+` AND created_at < '`+pgTime(byDate.FiledBefore)+`' ORDER BY created_at DESC, id DESC LIMIT 51`)
	h.breakdown(b, w, 10)

	// Intake last: it adds dossiers (filed at the server's clock, in 2027,
	// outside the year the later steps grow).
	in := h.intakeAt(b, fmt.Sprintf("At%d", st.dossiers), *flagClients, receiving(), *flagIntake, true)
	if in != nil {
		add("intake", "pgbench", in.apiLatency).perSec = in.apiPerSec()
		if in.pgbenchDone > 0 {
			add("pgbench", "", in.pgbenchLatency).perSec = in.pgbenchTPS
		}
	}
	if err := h.db.QueryRowContext(ctx, `SELECT string_agg(format('%s %s', relname, pg_size_pretty(pg_total_relation_size(relid))), ', ' ORDER BY pg_total_relation_size(relid) DESC)
		FROM pg_stat_user_tables WHERE relname IN ('dossiers', 'dossier_events', 'process_control_slips', 'dossier_accesses')`).Scan(&st.sizes); err != nil {
		b.Fatal(err)
	}
	var db string
	if err := h.db.QueryRowContext(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&db); err != nil {
		b.Fatal(err)
	}
	// What an event costs on disk (a 1% sample of the pages): the events
	// table is most of the database.
	var eventRow, eventState float64
	if err := h.db.QueryRowContext(ctx, `SELECT coalesce(avg(pg_column_size(e.*)), 0), coalesce(avg(coalesce(pg_column_size(e.state_z), pg_column_size(e.state))), 0)
		FROM dossier_events e TABLESAMPLE SYSTEM (1)`).Scan(&eventRow, &eventState); err != nil {
		b.Fatal(err)
	}
	st.sizes = fmt.Sprintf("database %s: %s; an event row %.0f bytes, of which its state snapshot %.0f", db, st.sizes, eventRow, eventState)
}

func pgTime(t *timestamppb.Timestamp) string {
	return t.AsTime().UTC().Format("2006-01-02 15:04:05.999999") + "+00"
}

// printGrowth prints the cost-growth table over the steps done so far:
// per call and step the median, p90 and p99, the ratio of the median to
// its baseline's at the same step, and the median's growth since the
// first step.
func printGrowth(w io.Writer, steps []*growthStep) {
	fmt.Fprintf(w, "\n== cost growth (medians; p90/p99; ratio to the baseline at the same step) ==\n")
	for _, st := range steps {
		fmt.Fprintf(w, "step %s dossiers: load average %s when measured; %s\n", thousands(int64(st.dossiers)), st.load, st.sizes)
	}
	for _, kv := range growthCalls {
		key, name := kv[0], kv[1]
		fmt.Fprintf(w, "%s\n", name)
		var first time.Duration
		for i, st := range steps {
			c := st.rows[key]
			if c == nil {
				continue
			}
			med := c.lat.quantile(0.5)
			if i == 0 {
				first = med
			}
			line := fmt.Sprintf("  %12s: median %9.3f ms, p90 %9.3f ms, p99 %9.3f ms (%d calls)", thousands(int64(st.dossiers)), ms(med),
				ms(c.lat.quantile(0.9)), ms(c.lat.quantile(0.99)), len(c.lat))
			if c.perSec > 0 {
				line += fmt.Sprintf(", %.0f/s", c.perSec)
			}
			if base := st.rows[c.baseline]; base != nil && base.lat.quantile(0.5) > 0 {
				if c.perSec > 0 && base.perSec > 0 {
					line += fmt.Sprintf("; %.2f× %s's throughput", c.perSec/base.perSec, c.baseline)
				} else {
					line += fmt.Sprintf("; %.3f× %s", float64(med)/float64(base.lat.quantile(0.5)), c.baseline)
				}
			}
			if i > 0 && first > 0 {
				line += fmt.Sprintf("; %.2f× the first step", float64(med)/float64(first))
			}
			if c.note != "" {
				line += "; " + c.note
			}
			fmt.Fprintln(w, line)
		}
	}
}
