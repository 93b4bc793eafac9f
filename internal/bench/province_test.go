package bench_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
)

// headline is the figures the indicators and the direct scan must agree on.
type headline struct {
	ReceivedCounter, ReceivedOnline, ReceivedPostal int64
	OnlineGenuine, OnlineAssisted                   int64
	ResolvedOnTime, ResolvedLate                    int64
	Running, OverdueNow                             int64
}

// OnTimeNumerator is the national index's numerator: in progress on time
// plus resolved on time.
func (x headline) OnTimeNumerator() int64 { return x.Running - x.OverdueNow + x.ResolvedOnTime }

func fromIndicators(in *pb.Indicators) headline {
	return headline{ReceivedCounter: in.GetReceivedCounter(), ReceivedOnline: in.GetReceivedOnline(), ReceivedPostal: in.GetReceivedPostal(),
		OnlineGenuine: in.GetOnlineGenuine(), OnlineAssisted: in.GetOnlineAssisted(), ResolvedOnTime: in.GetResolvedOnTime(),
		ResolvedLate: in.GetResolvedLate(), Running: in.GetInProgressOnTime() + in.GetOverdueNow(), OverdueNow: in.GetOverdueNow()}
}

// directScan computes the headline figures of the province's dossiers
// filed in the year straight from the dossiers table: the query one would
// write without aggregates. Its conditions are those of
// report.Contribution (received: has a receipt; resolved late: finished
// after the legal deadline; running: RECEIVED or PROCESSING).
const directScan = `
SELECT
  count(*) FILTER (WHERE received_at IS NOT NULL AND channel = 1),
  count(*) FILTER (WHERE received_at IS NOT NULL AND channel = 2),
  count(*) FILTER (WHERE received_at IS NOT NULL AND channel = 3),
  count(*) FILTER (WHERE received_at IS NOT NULL AND channel = 2 AND filed_by IN (1, 2)),
  count(*) FILTER (WHERE received_at IS NOT NULL AND channel = 2 AND filed_by NOT IN (1, 2)),
  count(*) FILTER (WHERE status IN (9, 10) AND finished_at <= original_due_at),
  count(*) FILTER (WHERE status IN (9, 10) AND finished_at > original_due_at),
  count(*) FILTER (WHERE status IN (2, 4)),
  count(*) FILTER (WHERE status IN (2, 4) AND original_due_at < $4)
FROM dossiers
WHERE agency_code = ANY($1) AND created_at >= $2 AND created_at < $3`

func (h *harness) scan(ctx context.Context, now time.Time) (headline, error) {
	var x headline
	err := h.db.QueryRowContext(ctx, directScan, pgtype.FlatArray[string](h.province), h.from, h.to, now).Scan(
		&x.ReceivedCounter, &x.ReceivedOnline, &x.ReceivedPostal, &x.OnlineGenuine, &x.OnlineAssisted,
		&x.ResolvedOnTime, &x.ResolvedLate, &x.Running, &x.OverdueNow)
	return x, err
}

// result is one measured call kind.
type result struct {
	key, name, baseline string // baseline: the key of the result compared with
	lat                 latencies
}

// BenchmarkProvince seeds one province with -dossiers dossiers (default
// 1,000,000) filed over 2026, serves it on loopback, and measures each call
// next to its baseline in the same run; it prints a summary with ratios.
// Run it with `make bench` (see docs/PERFORMANCE.md).
func BenchmarkProvince(b *testing.B) {
	n := *flagDossiers
	h := start(b, n)
	ctx := context.Background()
	reports := pb.NewReportServiceClient(h.conn)
	dossiers := pb.NewDossierServiceClient(h.conn)
	health := healthpb.NewHealthClient(h.conn)
	auditorCtx := h.as(b, auditor)

	// The indicators and the direct scan must agree before either is timed.
	resp, err := reports.GetIndicators(auditorCtx, indicatorsRequest())
	if err != nil {
		b.Fatal(err)
	}
	viaAPI := fromIndicators(resp.GetIndicators())
	viaSQL, err := h.scan(ctx, h.now())
	if err != nil {
		b.Fatal(err)
	}
	if viaAPI != viaSQL {
		b.Fatalf("GetIndicators and the direct scan disagree:\n api %+v\n sql %+v", viaAPI, viaSQL)
	}

	var res []*result
	add := func(key, name, baseline string) *result {
		r := &result{key: key, name: name, baseline: baseline}
		res = append(res, r)
		return r
	}

	ind := add("indicators", "GetIndicators (gRPC, province + sub-agencies, 2026)", "scan")
	b.Run("Indicators", func(b *testing.B) {
		measure(b, &ind.lat, nil, "", func() error {
			_, err := reports.GetIndicators(auditorCtx, indicatorsRequest())
			return err
		})
	})
	// Auditors at once, each calling as soon as its last call returned, for
	// a fixed time: issue 13's target 5 (p90 < 50 ms with one, p50 < 50 ms
	// with four).
	var concurrent []*throughput
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("Indicators%dAuditors", n), func(b *testing.B) {
			if b.N > 1 {
				b.Skip("measured once, in the first run")
			}
			t := hammer(b, h, fmt.Sprintf("GetIndicators, %d auditor(s) at once", n), n, *flagAuditorsRun, func(int, int) error {
				_, err := reports.GetIndicators(auditorCtx, indicatorsRequest())
				return err
			})
			concurrent = append(concurrent, t)
			b.ReportMetric(ms(t.lat.quantile(0.5)), "ms-median")
			b.ReportMetric(ms(t.lat.quantile(0.9)), "ms-p90")
			b.ReportMetric(ms(t.lat.quantile(0.99)), "ms-p99")
		})
	}
	scan := add("scan", "direct SQL scan (same figures, same database)", "")
	b.Run("IndicatorsDirectSQL", func(b *testing.B) {
		// x-GetIndicators: how many times GetIndicators' median the scan takes.
		measure(b, &scan.lat, &ind.lat, "GetIndicators", func() error {
			_, err := h.scan(ctx, h.now())
			return err
		})
	})

	hc := add("health", "gRPC health check", "")
	b.Run("Health", func(b *testing.B) {
		req := &healthpb.HealthCheckRequest{Service: "motcua.v1"}
		measure(b, &hc.lat, nil, "", func() error {
			_, err := health.Check(ctx, req)
			return err
		})
	})

	// GetDossier by id as a clerk of its agency (a staff read: it also
	// appends to the access log), over a fixed sample of dossiers.
	sample := h.sample(b)
	get := add("get", "GetDossier by id (clerk, access logged)", "health")
	b.Run("GetDossier", func(b *testing.B) {
		i := 0
		measure(b, &get.lat, &hc.lat, "health", func() error {
			s := sample[i%len(sample)]
			i++
			_, err := dossiers.GetDossier(s.ctx, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: s.id}, Purpose: "benchmark"})
			return err
		})
	})

	// The overdue list of the provincial one-stop centre, first page.
	overdueCtx := h.as(b, clerkOf(seed.OneStopCentre))
	overdueReq := &pb.ListDossiersRequest{AgencyCode: seed.OneStopCentre, Overdue: true, PageSize: 50, Purpose: "benchmark"}
	first, err := dossiers.ListDossiers(overdueCtx, overdueReq)
	if err != nil {
		b.Fatal(err)
	}
	overdue := add("overdue", fmt.Sprintf("ListDossiers overdue=true, one agency, page of 50 (%d on it)", len(first.GetDossiers())), "health")
	b.Run("ListOverdue", func(b *testing.B) {
		measure(b, &overdue.lat, &hc.lat, "health", func() error {
			_, err := dossiers.ListDossiers(overdueCtx, overdueReq)
			return err
		})
	})

	// Plans and the breakdown read the seeded data as measured; intake,
	// which adds dossiers, comes last.
	if *flagExplain {
		h.explain(b, os.Stdout)
		h.breakdown(b, os.Stdout, 30)
	}
	intake := h.intake(b)
	printSummary(os.Stdout, h, n, viaAPI, res, intake)
	printAuditors(os.Stdout, n, concurrent)
}

// sampled is a dossier to read and a clerk of its agency to read it as.
type sampled struct {
	id  string
	ctx context.Context
}

// sample is a fixed sample of up to 5,000 seeded dossiers.
func (h *harness) sample(b *testing.B) []sampled {
	rows, err := h.db.QueryContext(context.Background(),
		`SELECT id::text, agency_code FROM dossiers TABLESAMPLE BERNOULLI (0.5) REPEATABLE (1) LIMIT 5000`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []sampled
	for rows.Next() {
		var id, agency string
		if err := rows.Scan(&id, &agency); err != nil {
			b.Fatal(err)
		}
		out = append(out, sampled{id: id, ctx: h.as(b, clerkOf(agency))})
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if len(out) == 0 {
		b.Fatal("no dossier sampled")
	}
	return out
}

func find(res []*result, key string) *result {
	for _, r := range res {
		if r.key == key {
			return r
		}
	}
	return nil
}

func printSummary(w *os.File, h *harness, n int, x headline, res []*result, in *intakeResult) {
	s := h.seeded
	fmt.Fprintf(w, "\n== motcua benchmark: one province, %s dossiers filed in %d (PostgreSQL %s, %d CPUs) ==\n",
		thousands(int64(n)), year, strings.Fields(h.pg)[0], numCPU())
	fmt.Fprintf(w, "seeded %s dossiers, %s events, %s slip rows in %s (%s rows/s; generating+loading %s, aggregates %s); VACUUM ANALYZE %s\n",
		thousands(int64(s.Dossiers)), thousands(s.Events), thousands(s.SlipRows), s.Elapsed.Round(time.Second),
		thousands(int64(s.RowsPerSecond())), s.Generate.Round(time.Second), s.Aggregates.Round(time.Second), h.vacuum.Round(time.Second))
	fmt.Fprintf(w, "figures (GetIndicators = direct scan): received counter %s, online %s (genuine %s, assisted %s), postal %s; "+
		"resolved on time %s, late %s; running %s (overdue now %s); on-time numerator %s\n\n",
		thousands(x.ReceivedCounter), thousands(x.ReceivedOnline), thousands(x.OnlineGenuine), thousands(x.OnlineAssisted),
		thousands(x.ReceivedPostal), thousands(x.ResolvedOnTime), thousands(x.ResolvedLate), thousands(x.Running),
		thousands(x.OverdueNow), thousands(x.OnTimeNumerator()))
	fmt.Fprintf(w, "%-66s %10s %10s %8s   %s\n", "call", "median", "p90", "samples", "vs baseline (medians)")
	for _, r := range res {
		med := r.lat.quantile(0.5)
		ratio := ""
		if base := find(res, r.baseline); base != nil && base.lat.quantile(0.5) > 0 {
			bm := base.lat.quantile(0.5)
			if med < bm {
				ratio = fmt.Sprintf("%.3f× the %s (%.0f× faster)", float64(med)/float64(bm), base.name, float64(bm)/float64(med))
			} else {
				ratio = fmt.Sprintf("%.1f× the %s", float64(med)/float64(bm), base.name)
			}
		} else if r.baseline == "" {
			ratio = "(baseline)"
		}
		fmt.Fprintf(w, "%-66s %8.3fms %8.3fms %8d   %s\n", r.name, ms(med), ms(r.lat.quantile(0.9)), len(r.lat), ratio)
	}
	if in != nil {
		fmt.Fprintf(w, "\nintake, %d clients for %s each: API %s (%s dossiers) vs pgbench %s (%s transactions) → API at %.0f%% of pgbench\n",
			in.clients, in.duration, in.apiRate(), thousands(in.apiDone), in.pgbenchRate(), thousands(in.pgbenchDone), 100*in.ratio())
		if in.note != "" {
			fmt.Fprintf(w, "  %s\n", in.note)
		}
	}
	if ind := find(res, "indicators"); ind != nil {
		med := ind.lat.quantile(0.5)
		verdict := "MET"
		if med >= 50*time.Millisecond {
			verdict = "NOT MET"
		}
		fmt.Fprintf(w, "\ntarget: GetIndicators for one province and one year under 50 ms median on %s dossiers: %s (median %.2f ms)\n",
			thousands(int64(n)), verdict, ms(med))
	}
}

// printAuditors prints the concurrent indicator runs against target 5.
func printAuditors(w io.Writer, n int, runs []*throughput) {
	fmt.Fprintf(w, "\nGetIndicators with auditors at once on %s dossiers (load average %s):\n", thousands(int64(n)), loadAvg())
	for _, t := range runs {
		fmt.Fprintf(w, "  %d auditor(s): %d calls in %s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms\n", t.clients, t.done,
			t.elapsed.Round(time.Millisecond), ms(t.lat.quantile(0.5)), ms(t.lat.quantile(0.9)), ms(t.lat.quantile(0.99)))
	}
	verdict := func(ok bool) string {
		if ok {
			return "MET"
		}
		return "NOT MET"
	}
	for _, t := range runs {
		switch t.clients {
		case 1:
			fmt.Fprintf(w, "target: p90 < 50 ms with one auditor: %s\n", verdict(t.lat.quantile(0.9) < 50*time.Millisecond))
		case 4:
			fmt.Fprintf(w, "target: p50 < 50 ms with four auditors: %s\n", verdict(t.lat.quantile(0.5) < 50*time.Millisecond))
		}
	}
}

func numCPU() int { return runtime.NumCPU() }
