package bench_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/testenv"
	"github.com/motcua/motcua/internal/webhooks"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

var (
	flagDossiers = flag.Int("dossiers", envInt("MOTCUA_BENCH_DOSSIERS", 1_000_000),
		"dossiers to seed (also MOTCUA_BENCH_DOSSIERS); the indicators target is stated for 1,000,000")
	flagExplain = flag.Bool("explain", os.Getenv("MOTCUA_BENCH_EXPLAIN") != "",
		"print EXPLAIN (ANALYZE, BUFFERS) of the key queries (also MOTCUA_BENCH_EXPLAIN=1)")
	flagIntake      = flag.Duration("intake", 10*time.Second, "how long each intake throughput run lasts")
	flagGroupCommit = flag.Bool("group-commit", true, "serve with group commit (gormstore/group.go); false commits every intake alone, as before it")
	flagGroupLanes  = flag.Int("group-lanes", 0, "group-commit lanes (0: the server's default, two per CPU; 256 was the default before)")
	flagClients     = flag.Int("clients", 8, "concurrent intake clients (API goroutines and pgbench clients)")
	flagPgbenchRows = flag.Bool("pgbench-rows", false, "pgbench writes the intake's rows one statement each, as the server did before its deferred writes (gormstore/deferred.go), instead of in one WITH statement as it does now")
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The seeded province and year.
const (
	year   = 2026
	period = "2026"
)

// harness is a seeded database with a real server on loopback.
type harness struct {
	url      string
	st       *gormstore.Store
	db       *sql.DB // direct SQL on the same database (pgx)
	conn     *grpc.ClientConn
	key      ed25519.PrivateKey
	tokens   map[string]string
	seeded   seed.Summary
	vacuum   time.Duration
	province []string // the province and every agency below it
	from, to time.Time
	pg       string // server version
	// now is the server's clock: the end of the seeded year, moving on in
	// real time, so that "overdue now" means overdue when the year ended.
	now func() time.Time
}

// start seeds a fresh PostgreSQL database with n dossiers and serves it.
func start(b *testing.B, n int) *harness { return startOn(b, pgtest.NewDatabase(b), n) }

// startOn seeds the (migrated) store at url with n dossiers and serves it
// with the production wiring of the outbox: the job engine (open, not
// started) and the webhooks' event hook, as serve has them.
func startOn(b *testing.B, url string, n int) *harness {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{url: url, tokens: map[string]string{}}
	var err error
	if h.st, err = gormstore.OpenWith(ctx, h.url, gormstore.Options{NoGroupCommit: !*flagGroupCommit, GroupLanes: *flagGroupLanes}); err != nil {
		b.Fatal(err)
	}
	postgres := h.st.Dialect() == gormstore.Postgres
	if postgres {
		if h.db, err = sql.Open("pgx", h.url); err != nil {
			b.Fatal(err)
		}
		if err := h.db.QueryRowContext(ctx, "SHOW server_version").Scan(&h.pg); err != nil {
			b.Fatal(err)
		}
	} else {
		h.db, h.pg = h.st.SQLDB(), "SQLite"
		if _, err := h.st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	}

	h.load(b, n, 1)
	if h.province, err = h.st.AgencySubtree(ctx, seed.Province); err != nil {
		b.Fatal(err)
	}
	loc, _ := (&domain.Agency{}).Location()
	h.from, h.to = time.Date(year, 1, 1, 0, 0, 0, 0, loc), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)

	key, verifier, err := auth.NewEphemeralDevKey()
	if err != nil {
		b.Fatal(err)
	}
	h.key = key
	asOf, started := h.to, time.Now()
	h.now = func() time.Time { return asOf.Add(time.Since(started)) }
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The outbox as serve wires it (internal/cli/serve_jobs.go): every
	// mutation runs the webhooks' hook in its transaction. The engine is
	// open (its job insert works) but not started, so no worker competes
	// with the measured calls.
	eng := jobs.New(h.st.SQLDB(), h.st.Dialect(), gormstore.SQLTx, jobs.DefaultConfig(), discard)
	wh := webhooks.New(h.st, eng, webhooks.DefaultConfig())
	webhooks.Register(eng, wh)
	if err := eng.Open(ctx); err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(app.New(h.st, app.WithClock(h.now), app.WithEventHook(wh.Hook())), h.st,
		server.Options{GRPCAddr: "127.0.0.1:0", Log: discard,
			SchemaPoll: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second,
			Verifier: verifier, Webhooks: wh})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	if h.conn, err = grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		h.conn.Close()
		cancel()
		<-done
		if postgres {
			h.db.Close()
		}
		h.st.Close()
	})
	health := healthpb.NewHealthClient(h.conn)
	for i := 0; ; i++ {
		r, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "motcua.v1"})
		if err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if i == 100 {
			b.Fatalf("server not serving: %v %v", r, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return h
}

// load seeds n more dossiers filed over the year, as seed round round
// (1: the first, into an empty year; later rounds append, with their own
// seed), then vacuums and checkpoints as autovacuum would after a load
// this size.
func (h *harness) load(b *testing.B, n int, round uint64) {
	b.Helper()
	ctx := context.Background()
	// Generation allocates a lot of short-lived garbage; a laxer GC is
	// worth a third of its CPU. Restored before anything is measured.
	old := debug.SetGCPercent(400)
	last := time.Now()
	var err error
	h.seeded, err = seed.Dossiers(ctx, h.st, seed.Options{Dossiers: n, Year: year, Seed: round, Append: round > 1,
		Progress: func(p seed.Progress) {
			if time.Since(last) > 15*time.Second {
				last = time.Now()
				fmt.Fprintf(os.Stderr, "bench: seeding %s %d/%d after %s\n", p.Phase, p.Done, p.Total, p.Elapsed.Round(time.Second))
			}
		}})
	debug.SetGCPercent(old)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	// What autovacuum would do after a load this size: statistics for the
	// planner and a visibility map for index-only scans.
	began := time.Now()
	if h.st.Dialect() == gormstore.Postgres {
		if _, err := h.db.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
			b.Fatal(err)
		}
		// And write the load's dirty pages out now rather than during the
		// measurements (needs a superuser, as the throwaway server's is).
		if _, err := h.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
			b.Logf("CHECKPOINT: %v (the measurements may overlap the checkpoint after the load)", err)
		}
	}
	h.vacuum = time.Since(began)
}

// as returns a context calling with a token for spec (minted once).
func (h *harness) as(b *testing.B, spec auth.TokenSpec) context.Context {
	k := fmt.Sprint(spec)
	tok, ok := h.tokens[k]
	if !ok {
		spec.Issuer, spec.Audience, spec.TTL = auth.DevIssuer, auth.DefaultAudience, 12*time.Hour
		var err error
		if tok, err = auth.Issue(h.key, spec, time.Now()); err != nil {
			b.Fatal(err)
		}
		h.tokens[k] = tok
	}
	return testenv.WithToken(context.Background(), tok)
}

func clerkOf(agency string) auth.TokenSpec {
	return auth.TokenSpec{Subject: "bench-clerk@" + agency, Role: domain.RoleClerk, Agency: agency}
}

var auditor = auth.TokenSpec{Subject: "bench-auditor", Role: domain.RoleAuditor, Agency: seed.Province}

// latencies are the measured durations of one kind of call.
type latencies []time.Duration

// quantile is the nearest-rank quantile q of the samples.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(len(s)-1, i))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measure runs call b.N times, timing each, and reports the median and
// p90 of this run and, with a baseline, the ratio of this median to the
// baseline's as "x-<unit>". Samples of every run of the sub-benchmark (the
// framework probes with N=1 first) are kept in *all for the summary.
func measure(b *testing.B, all *latencies, baseline *latencies, unit string, call func() error) {
	b.Helper()
	var run latencies
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		if err := call(); err != nil {
			b.Fatal(err)
		}
		run = append(run, time.Since(t))
	}
	b.StopTimer()
	*all = append(*all, run...)
	b.ReportMetric(ms(run.quantile(0.5)), "ms-median")
	b.ReportMetric(ms(run.quantile(0.9)), "ms-p90")
	if baseline != nil && baseline.quantile(0.5) > 0 {
		b.ReportMetric(float64(run.quantile(0.5))/float64(baseline.quantile(0.5)), "x-"+unit)
	}
}

// indicatorsRequest is the province and all agencies below it, for the
// year.
func indicatorsRequest() *pb.GetIndicatorsRequest {
	return &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: period}}
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
