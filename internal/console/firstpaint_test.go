package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// BenchmarkFirstPaint measures, in headless Chromium, the first contentful
// paint of the console's heaviest page — the indicators of the whole
// province for the year, with its trend and its fourteen units (two
// ReportService calls: GetIndicators with by_unit, GetIndicatorSeries) — on a
// PostgreSQL store seeded with MOTCUA_BENCH_DOSSIERS dossiers (default
// 100000; the target is stated for 1000000, whose seeding takes 6 minutes
// on an idle 2-CPU machine):
//
//	MOTCUA_BENCH_DOSSIERS=1000000 ./scripts/with-postgres.sh \
//	  go test -run '^$' -bench FirstPaint -benchtime 20x -timeout 120m ./internal/console/
//
// It reports the median, the slowest and the first (cold) first paint (ms)
// and the server time of the page (ms, from navigation start to the
// response's end), median and first; then the median of 20 GetIndicators
// calls for the same scope without and with by_unit.
func BenchmarkFirstPaint(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("MOTCUA_BENCH_DOSSIERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	env := testenv.Start(b, testenv.StoreURL(b, "postgres"), testenv.Options{})
	began := time.Now()
	sum, err := seed.Dossiers(ctx, env.Store, seed.Options{Dossiers: n, Year: 2026, Until: time.Date(2026, 11, 16, 0, 0, 0, 0, hcm), Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d dossiers, %d events in %s", sum.Dossiers, sum.Events, time.Since(began).Round(time.Second))
	verifier, err := auth.DevVerifier(env.Key)
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(ctx, Options{Conn: env.Conn, Verifier: verifier, DevKey: env.Key, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(DefaultPrefix, c)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	bctx := browserFor(b)
	base := srv.URL + DefaultPrefix
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"signin"), chromedp.WaitVisible(chromedp.CSS("#dev-submit")),
		chromedp.SetValue(chromedp.CSS("#dev-purpose"), "đo hiệu năng"), chromedp.Click(chromedp.CSS("#dev-submit")),
		chromedp.WaitVisible(chromedp.CSS("#who"))); err != nil {
		b.Fatal(err)
	}
	page := base + "indicators?agency=" + seed.Province + "&sub=1&period=2026"
	var paints, server []float64
	b.ResetTimer()
	for b.Loop() {
		if err := chromedp.Do(bctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#fig-on_time"))); err != nil {
			b.Fatal(err)
		}
		v, err := chromedp.Run(bctx, chromedp.Evaluate[[]float64](firstPaintJS, chromedp.EvalAwaitPromise))
		if err != nil || len(v) != 2 || v[0] < 0 {
			b.Fatalf("paint timing %v: %v", v, err)
		}
		paints, server = append(paints, v[0]), append(server, v[1])
	}
	b.StopTimer()
	// The page's figures call, with and without the units' breakdown
	// (by_unit, which replaced a call per unit), each 20 times.
	auditor := env.As(b, testenv.Auditor)
	rep := pb.NewReportServiceClient(env.Conn)
	for _, byUnit := range []bool{false, true} {
		var ms []float64
		for range 20 {
			began := time.Now()
			if _, err := rep.GetIndicators(auditor, &pb.GetIndicatorsRequest{ByUnit: byUnit, Scope: &pb.ReportScope{
				AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026"}}); err != nil {
				b.Fatal(err)
			}
			ms = append(ms, float64(time.Since(began).Microseconds())/1000)
		}
		slices.Sort(ms)
		name := "indicators-median-ms"
		if byUnit {
			name = "indicators-by-unit-median-ms"
		}
		b.ReportMetric(ms[len(ms)/2], name)
	}
	// What by_unit replaced: a GetIndicators call per unit, eight in flight.
	resp, err := rep.GetIndicators(auditor, &pb.GetIndicatorsRequest{ByUnit: true, Scope: &pb.ReportScope{
		AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026"}})
	if err != nil {
		b.Fatal(err)
	}
	var units []string
	for _, u := range resp.GetUnits() {
		units = append(units, u.GetAgencyCode())
	}
	var perUnit []float64
	for range 5 {
		began := time.Now()
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for _, code := range units {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := rep.GetIndicators(auditor, &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{
					AgencyCode: code, IncludeSubAgencies: true, Period: "2026"}}); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		perUnit = append(perUnit, float64(time.Since(began).Microseconds())/1000)
	}
	slices.Sort(perUnit)
	b.ReportMetric(perUnit[len(perUnit)/2], "units-one-call-each-median-ms")
	// The first load is the cold one: report where its time went.
	b.ReportMetric(paints[0], "fcp-first-ms")
	b.ReportMetric(server[0], "response-first-ms")
	slices.Sort(paints)
	slices.Sort(server)
	b.ReportMetric(paints[len(paints)/2], "fcp-median-ms")
	b.ReportMetric(paints[len(paints)-1], "fcp-max-ms")
	b.ReportMetric(server[len(server)/2], "response-median-ms")
}

// browserFor starts headless Chromium at 1366×768 for a benchmark.
func browserFor(b *testing.B) context.Context {
	b.Helper()
	path := ""
	for _, name := range []string{os.Getenv("MOTCUA_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		b.Fatal("the benchmark needs Chromium: sudo apt-get install -y chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1366, 768))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	b.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	b.Cleanup(cancel2)
	if err := chromedp.Do(bctx); err != nil {
		b.Fatal(err)
	}
	return bctx
}

// firstPaintJS resolves with the first contentful paint and the end of the
// response (ms from navigation start) of the page just loaded; the paint
// entry may be recorded a little after the element is visible.
const firstPaintJS = `new Promise((resolve) => {
  const nav = performance.getEntriesByType("navigation")[0];
  const done = (p) => resolve([p, nav ? nav.responseEnd : -1]);
  const e = performance.getEntriesByName("first-contentful-paint")[0];
  if (e) { done(e.startTime); return; }
  new PerformanceObserver((list) => {
    const f = list.getEntriesByName("first-contentful-paint")[0];
    if (f) { done(f.startTime); }
  }).observe({ type: "paint", buffered: true });
  setTimeout(() => done(-1), 10000);
})`
