package bench_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
)

var (
	flagSpeedDossiers = flag.Int("speed-dossiers", envInt("MOTCUA_BENCH_SPEED_DOSSIERS", 5000),
		"dossiers seeded before BenchmarkSpeed (the catalog and something to read; also MOTCUA_BENCH_SPEED_DOSSIERS)")
	flagReads       = flag.Duration("reads", 5*time.Second, "how long each read throughput run of BenchmarkSpeed lasts")
	flagReadsOnly   = flag.String("reads-only", "", "if set, BenchmarkSpeed's reads run only the health check and the read kind named (citizen, clerk, store, select or ping): for a CPU profile of one kind")
	flagCommitDelay = flag.Int("commit-delay", 0, "if > 0, BenchmarkSpeed sets PostgreSQL's commit_delay (µs; commit_siblings 2) on the cluster first: group commit by the server's knob, for the API and pgbench alike")
)

// throughput is a fixed-duration run of concurrent calls.
type throughput struct {
	name    string
	clients int
	done    int64
	elapsed time.Duration
	lat     latencies
	// cpu is this process's CPU time (user + system) during the run:
	// server and clients, not PostgreSQL; pg is the cluster's (zero when
	// it cannot be read).
	cpu, pg time.Duration
	// ceiling, on a floor of the reads: what a read that costs at least
	// this call does ("reads the row from PostgreSQL").
	ceiling string
}

func (t *throughput) perSec() float64 { return float64(t.done) / t.elapsed.Seconds() }

// goMicros is this process's CPU per call, in µs.
func (t *throughput) goMicros() float64 { return float64(t.cpu.Microseconds()) / float64(t.done) }

// hammer runs clients goroutines calling call(c, k) for d and returns what
// they did, with the CPU time of h's cluster (h may be nil: not measured);
// the first error stops the benchmark.
func hammer(b *testing.B, h *harness, name string, clients int, d time.Duration, call func(c, k int) error) *throughput {
	t := &throughput{name: name, clients: clients}
	pg0, pgOK := h.pgCPU()
	var mu sync.Mutex
	var errs []error
	lat := make([]latencies, clients)
	var wg sync.WaitGroup
	began, cpu0 := time.Now(), cpuTime()
	deadline := began.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(deadline); k++ {
				s := time.Now()
				if err := call(c, k); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				lat[c] = append(lat[c], time.Since(s))
			}
		}()
	}
	wg.Wait()
	t.elapsed, t.cpu = time.Since(began), cpuTime()-cpu0
	if pg1, ok := h.pgCPU(); ok && pgOK {
		t.pg = pg1 - pg0
	}
	if err := errors.Join(errs...); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	for _, l := range lat {
		t.lat = append(t.lat, l...)
	}
	t.done = int64(len(t.lat))
	return t
}

// BenchmarkSpeed measures intake and reads as issue 13 states them, on a
// small seeded province (-speed-dossiers, 5,000 by default: the catalog and
// dossiers to read) served with the production wiring. Run it on a durable
// cluster: `make bench-speed` (MOTCUA_PG_DURABLE=1 ./scripts/with-postgres.sh
// …), see docs/PERFORMANCE.md. It measures, each next to its baseline in the
// same run:
//   - reads at 8 clients for -reads: the gRPC health check, GetDossier as
//     the dossier's applicant, GetDossier as a clerk of its agency (which
//     writes an access-log row before answering);
//   - intake (ReceiveDossier) at 8 and 32 clients, at one receiving agency
//     and at eleven, for -intake each, then pgbench with as many clients
//     running the same statements.
func BenchmarkSpeed(b *testing.B) {
	h := start(b, *flagSpeedDossiers)
	ctx := context.Background()
	if *flagCommitDelay > 0 {
		for _, q := range []string{fmt.Sprintf("ALTER SYSTEM SET commit_delay = %d", *flagCommitDelay),
			"ALTER SYSTEM SET commit_siblings = 2", "SELECT pg_reload_conf()"} {
			if _, err := h.db.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.Cleanup(func() {
			_, _ = h.db.ExecContext(ctx, "ALTER SYSTEM RESET commit_delay")
			_, _ = h.db.ExecContext(ctx, "ALTER SYSTEM RESET commit_siblings")
			_, _ = h.db.ExecContext(ctx, "SELECT pg_reload_conf()")
		})
	}
	dossiers := pb.NewDossierServiceClient(h.conn)
	health := healthpb.NewHealthClient(h.conn)

	type sampled struct{ id, agency, applicant string }
	var sample []sampled
	rows, err := h.db.QueryContext(ctx, `SELECT id::text, agency_code, applicant_id_number FROM dossiers
		WHERE applicant_kind = 1 ORDER BY id LIMIT 2000`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var s sampled
		if err := rows.Scan(&s.id, &s.agency, &s.applicant); err != nil {
			b.Fatal(err)
		}
		sample = append(sample, s)
	}
	rows.Close()
	if len(sample) == 0 {
		b.Fatal("no dossier of a citizen seeded")
	}
	citizen := make([]context.Context, len(sample))
	clerk := make([]context.Context, len(sample))
	for i, s := range sample {
		citizen[i] = h.as(b, auth.TokenSpec{Subject: "citizen-" + s.applicant, Role: domain.RoleCitizen,
			CitizenID: s.applicant, Assurance: domain.AssuranceVNeID2})
		clerk[i] = h.as(b, clerkOf(s.agency))
	}

	const readers = 8
	var reads []*throughput
	b.Run("Reads", func(b *testing.B) {
		if b.N > 1 {
			b.Skip("measured once, in the first run")
		}
		req := &healthpb.HealthCheckRequest{Service: "motcua.v1"}
		get := func(ctxs []context.Context, purpose string) func(c, k int) error {
			return func(c, k int) error {
				i := (c*7919 + k) % len(sample)
				_, err := dossiers.GetDossier(ctxs[i], &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: sample[i].id}, Purpose: purpose})
				return err
			}
		}
		// The floor of any read served from PostgreSQL: the same row read
		// in-process, through the store and through bare database/sql
		// (every column, no decoding), without gRPC or a token.
		row := func(c, k int) error {
			rows, err := h.db.QueryContext(ctx, "SELECT * FROM dossiers WHERE id = $1", sample[(c*7919+k)%len(sample)].id)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			raw := make([]any, len(cols))
			for i := range raw {
				raw[i] = new(sql.RawBytes)
			}
			for rows.Next() {
				if err := rows.Scan(raw...); err != nil {
					return err
				}
			}
			return rows.Err()
		}
		stored := func(c, k int) error {
			_, err := h.st.GetDossier(ctx, sample[(c*7919+k)%len(sample)].id)
			return err
		}
		// Alternated twice so that the machine's load weighs on each alike.
		for round := range 2 {
			hc := hammer(b, h, "gRPC health check", readers, *flagReads/2, func(int, int) error {
				_, err := health.Check(ctx, req)
				return err
			})
			ts := []*throughput{hc}
			for _, k := range []struct {
				kind, name, ceiling string
				call                func(c, k int) error
			}{
				{"citizen", "GetDossier as the applicant (citizen)", "", get(citizen, "")},
				{"clerk", "GetDossier as a clerk (access log written)", "", get(clerk, "benchmark")},
				{"store", "floor: the store's GetDossier, no gRPC", "", stored},
				{"select", "floor: SELECT * by id, database/sql", "reads the row from PostgreSQL", row},
				{"ping", "floor: SELECT 1, database/sql", "makes any round trip to PostgreSQL", func(int, int) error {
					var one int
					return h.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
				}},
			} {
				if *flagReadsOnly == "" || *flagReadsOnly == k.kind {
					t := hammer(b, h, k.name, readers, *flagReads/2, k.call)
					t.ceiling = k.ceiling
					ts = append(ts, t)
				}
			}
			if round == 0 {
				reads = ts
				continue
			}
			for i, t := range ts {
				reads[i].done += t.done
				reads[i].elapsed += t.elapsed
				reads[i].cpu += t.cpu
				reads[i].pg += t.pg
				reads[i].lat = append(reads[i].lat, t.lat...)
			}
		}
		b.ReportMetric(reads[0].perSec(), "calls/s-health")
		if len(reads) > 1 {
			b.ReportMetric(reads[1].perSec(), "calls/s-"+strings.Fields(reads[1].name)[0])
		}
	})

	var intakes []*intakeResult
	for _, clients := range []int{8, 32} {
		for _, agencies := range [][]string{{seed.OneStopCentre}, receiving()} {
			r := h.intakeAt(b, fmt.Sprintf("_%dclients_%dagencies", clients, len(agencies)), clients, agencies, *flagIntake, true)
			intakes = append(intakes, r)
		}
	}
	printSpeed(os.Stdout, h, reads, intakes)
}

func printSpeed(w io.Writer, h *harness, reads []*throughput, intakes []*intakeResult) {
	lanes := "off"
	if n := h.st.GroupCommitStats().Lanes; n > 0 {
		lanes = fmt.Sprint(n) // as the store counts them, not re-derived here
	}
	fmt.Fprintf(w, "\n== motcua speed (issue 13): PostgreSQL %s, %d CPUs, durability: %s, group-commit lanes: %s ==\n",
		firstField(h.pg), numCPU(), durability(h), lanes)
	if len(reads) > 0 {
		hc := reads[0]
		fmt.Fprintf(w, "\n%-48s %10s %9s %9s %8s %10s %10s\n", fmt.Sprintf("reads, %d clients", hc.clients), "calls/s", "p50", "p99", "ratio",
			"Go CPU", "PG CPU")
		for _, t := range reads {
			fmt.Fprintf(w, "%-48s %10.0f %7.2fms %7.2fms %8.2f %8.0fµs %8.0fµs\n", t.name, t.perSec(), ms(t.lat.quantile(0.5)), ms(t.lat.quantile(0.99)),
				t.perSec()/hc.perSec(), t.goMicros(), float64(t.pg.Microseconds())/float64(t.done))
		}
		fmt.Fprintln(w, "(CPU per call: Go is this process's, server and clients; PG the cluster's)")
		// A read served from PostgreSQL costs at least a health check's
		// transport plus the floor's: with the CPUs saturated rates go as
		// the inverse of the CPU a call costs; when they are not, a call
		// takes at least the time of both, one after the other.
		for _, floor := range reads[1:] {
			if floor.ceiling != "" {
				byRate := 1 / (1 + hc.perSec()/floor.perSec())
				fmt.Fprintf(w, "ceiling of a read that %s (health check + %s): %.2f × the health check by CPU, %.2f by rate\n",
					floor.ceiling, strings.TrimPrefix(floor.name, "floor: "), cpuPerCall(hc)/(cpuPerCall(hc)+cpuPerCall(floor)), byRate)
			}
		}
	}
	// CPU per call: "Go" is this process (server and benchmark clients),
	// "PG" the cluster; pgbench's own client beside the cluster's.
	fmt.Fprintf(w, "\n%-28s %12s %9s %9s %12s %9s %9s %7s %10s %9s %9s %13s\n", "intake (ReceiveDossier)", "API/s", "p50", "p99",
		"pgbench/s", "p50", "p99", "ratio", "stmts/call", "Go CPU", "PG CPU", "pgbench+PG")
	for _, r := range intakes {
		if r == nil || r.apiDone == 0 {
			continue // not run (-bench chose the reads only)
		}
		fmt.Fprintf(w, "%-28s %12.0f %7.2fms %7.2fms %12s %7.2fms %7.2fms %7.2f %10.1f %7.2fms %7.2fms %5.2f+%5.2fms\n",
			r.label(),
			r.apiPerSec(), ms(r.apiLatency.quantile(0.5)), ms(r.apiLatency.quantile(0.99)),
			r.pgbenchRate(), ms(r.pgbenchLatency.quantile(0.5)), ms(r.pgbenchLatency.quantile(0.99)), r.ratio(), r.statements,
			ms(r.cpuPerCall), ms(r.pgCPUPerCall), ms(r.pgbenchCPU), ms(r.pgbenchPGCPU))
		if r.note != "" {
			fmt.Fprintf(w, "  %s\n", r.note)
		}
	}
	// What the target leaves the Go side: with the CPUs saturated, 0.8 ×
	// pgbench's rate allows numCPU / (0.8 × rate) of CPU per intake, of
	// which the cluster spends its measured share. A health check's CPU is
	// what any gRPC call spends before it does anything.
	health := ""
	if len(reads) > 0 {
		health = fmt.Sprintf("; a gRPC health check alone %.2fms", reads[0].goMicros()/1000)
	}
	for _, r := range intakes {
		if r == nil || r.apiDone == 0 || r.pgbenchTPS == 0 || r.pgCPUPerCall == 0 {
			continue
		}
		budget := float64(numCPU())/(0.8*r.pgbenchTPS)*1000 - ms(r.pgCPUPerCall)
		fmt.Fprintf(w, "Go CPU left for 0.8 × pgbench at %s: %.2fms per intake (%d CPUs at 0.8 × %.0f/s, less PostgreSQL's %.2fms); spent %.2fms%s\n",
			r.label(), budget, numCPU(), r.pgbenchTPS, ms(r.pgCPUPerCall), ms(r.cpuPerCall), health)
	}
	for _, r := range intakes {
		if r != nil && len(r.perStatement) > 0 {
			for _, l := range []struct {
				who   string
				stmts []statementCount
			}{{"API intake", r.perStatement}, {"pgbench transaction", r.pgbenchStatements}} {
				fmt.Fprintf(w, "\nstatements per %s (%d clients, %d agencies; pg_stat_statements: calls, mean execution time):\n", l.who, r.clients, r.agencies)
				for _, s := range l.stmts {
					fmt.Fprintf(w, "  %5.2f %7.3fms  %s\n", s.calls, ms(s.exec), s.query)
				}
			}
			break
		}
	}
}

// cpuPerCall is the CPU (process and cluster) a call of t cost, in µs.
func cpuPerCall(t *throughput) float64 {
	return float64((t.cpu + t.pg).Microseconds()) / float64(t.done)
}

func firstField(s string) string {
	for i, c := range s {
		if c == ' ' {
			return s[:i]
		}
	}
	return s
}

// durability names the settings the measured cluster runs with.
func durability(h *harness) string {
	if h.st.Dialect() != "postgres" {
		return "SQLite"
	}
	var fsync, sc, fpw, cd string
	ctx := context.Background()
	_ = h.db.QueryRowContext(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes'),
		current_setting('commit_delay')`).Scan(&fsync, &sc, &fpw, &cd)
	return fmt.Sprintf("fsync=%s synchronous_commit=%s full_page_writes=%s commit_delay=%s", fsync, sc, fpw, cd)
}
