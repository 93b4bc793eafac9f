package console

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portalsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// EnvScreenshots, when "1", makes TestConsoleInBrowser write its
// screenshots to docs/console/ (committed; normal runs leave the tree alone).
const EnvScreenshots = "MOTCUA_CONSOLE_SCREENSHOTS"

// chromium finds the browser: $MOTCUA_CHROMIUM, or chromium on the PATH.
// Missing, the test fails with the command that installs it (scripts/test.sh
// installs it when it runs as root): it never skips.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MOTCUA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the console's browser tests need Chromium: install it with `sudo apt-get install -y chromium` " +
		"(make test does this when it runs as root), or set MOTCUA_CHROMIUM to a Chrome or Chromium binary")
	return ""
}

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// consoleEnv is a real server on a seeded store with the console in front
// of it on 127.0.0.1, as `motcua serve` mounts it.
type consoleEnv struct {
	*testenv.Env
	URL string
	Log *syncBuffer
}

func startConsole(t *testing.T, kind string, dossiers int) *consoleEnv {
	t.Helper()
	ctx := context.Background()
	// Online filings from 127.0.0.0/8 count as coming from a counter: the
	// test's own filing below shows up on the integrity page.
	// The portal sync delivers to a simulator on loopback, so the
	// indicators page has sync figures to show.
	sim, simURL, stopSim, err := portalsim.StartLocal("127.0.0.1:0", portalsim.Options{Credentials: map[string]string{seed.OneStopCentre: "console-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopSim)
	client := portal.New(portal.Options{Timeout: 2 * time.Second, Agencies: map[string]portal.Endpoint{
		seed.OneStopCentre: {BaseURL: simURL, Username: seed.OneStopCentre, Password: "console-secret"}}})
	env := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{CounterNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		AppOptions: []app.Option{app.WithPortalSync(client, app.SyncConfig{})}})
	until := time.Date(2026, 11, 16, 0, 0, 0, 0, hcm)
	if _, err := seed.Dossiers(ctx, env.Store, seed.Options{Dossiers: dossiers, Year: 2026, Until: until, Seed: 15}); err != nil {
		t.Fatal(err)
	}
	// One online filing "by a citizen" from this machine.
	cit := testenv.Citizen("001090000123")
	if _, err := env.Dossiers.SubmitDossier(env.As(t, cit), &pb.SubmitDossierRequest{RequestId: "console-test-1",
		Dossier: testenv.Draft("001090000123")}); err != nil {
		t.Fatal(err)
	}
	// Deliver it: the portal then holds one dossier of the period.
	if _, err := env.App.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sim.Log()); n != 1 {
		t.Fatalf("the portal accepted %d deliveries; want 1", n)
	}
	verifier, err := auth.DevVerifier(env.Key)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	c, err := New(ctx, Options{Conn: env.Conn, Verifier: verifier, DevKey: env.Key,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(DefaultPrefix, c)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &consoleEnv{Env: env, URL: srv.URL + DefaultPrefix, Log: logs}
}

// browser starts headless Chromium at a 1366×768 laptop size.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1366, 768), chromedp.Flag("lang", "vi-VN"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first call starts the browser, which lives as long as its context:
	// no timeout on it; the steps after get one, a guard against a hang.
	// Following every figure's list (about 150 links, a few hundred pages)
	// takes about 2 minutes with the race detector on an idle machine and
	// over 4 at a load average of 30.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, cancel3 := context.WithTimeout(bctx, 15*time.Minute)
	t.Cleanup(cancel3)
	return tctx
}

func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv(EnvScreenshots) != "1" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func signIn(t *testing.T, ctx context.Context, base, role, subject, agency, purpose string) {
	t.Helper()
	run(t, ctx, "sign in as "+subject,
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS("#dev-submit")),
		chromedp.SetValue(chromedp.CSS("#dev-role"), role),
		chromedp.SetValue(chromedp.CSS("#dev-subject"), subject),
		chromedp.SetValue(chromedp.CSS("#dev-agency"), agency),
		chromedp.SetValue(chromedp.CSS("#dev-purpose"), purpose),
		chromedp.Click(chromedp.CSS("#dev-submit")),
		chromedp.WaitVisible(chromedp.CSS("#who")),
	)
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil || !r.Exists {
		t.Fatalf("%s has no %s (%v)", sel, name, err)
	}
	return r.Value
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

const purpose = "Kiểm thử bảng điều hành"

// TestConsoleInBrowser drives the console in headless Chromium on a seeded
// store: sign in, every page, the figures against the API's own answers,
// click-through from a figure to its dossiers and to one dossier, chain
// verification with progress, the language switch, keyboard access, and a
// user without rights seeing refusals instead of data.
func TestConsoleInBrowser(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			began := time.Now()
			ce := startConsole(t, kind, 300)
			t.Logf("%s: seeded in %s", kind, time.Since(began).Round(time.Millisecond))
			testConsole(t, ce, kind == "sqlite")
			t.Logf("%s: done in %s", kind, time.Since(began).Round(time.Millisecond))
		})
	}
}

func testConsole(t *testing.T, ce *consoleEnv, shots bool) {
	ctx := browser(t)
	auditor := ce.As(t, testenv.Auditor)
	vi := &view{Lang: "vi", loc: hcm}
	if !shots {
		t.Setenv(EnvScreenshots, "") // one store's screenshots are enough
	}

	// Sign-in page, in Vietnamese by default, with lang set.
	run(t, ctx, "open", chromedp.Navigate(ce.URL), chromedp.WaitVisible(chromedp.CSS("#dev-submit")))
	if lang := attr(t, ctx, "html", "lang"); lang != "vi" {
		t.Fatalf("html lang = %q", lang)
	}
	screenshot(t, ctx, "1-signin")
	signIn(t, ctx, ce.URL, "auditor", "auditor-1", seed.Province, purpose)

	// Indicators: the province and below, 2026 — every figure equals the API's.
	run(t, ctx, "indicators", chromedp.Navigate(ce.URL+"indicators?agency="+seed.Province+"&sub=1&period=2026"),
		chromedp.WaitVisible(chromedp.CSS("#fig-on_time")))
	want, err := pb.NewReportServiceClient(ce.Conn).GetIndicators(auditor, &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{
		AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026"}})
	if err != nil {
		t.Fatal(err)
	}
	wi := want.GetIndicators()
	if wi.GetReceived() < 200 || wi.GetOverdueNow() == 0 {
		t.Fatalf("the seed should give received and overdue dossiers: %v", wi)
	}
	for sel, w := range map[string]float64{"#fig-on_time": wi.GetOnTime().GetValue(), "#fig-genuine_online": wi.GetGenuineOnlineShare().GetValue(),
		"#fig-reported_online": wi.GetReportedOnlineShare().GetValue(), "#fig-digitised": wi.GetDigitisedDossiers().GetValue(),
		"#fig-electronic": wi.GetElectronicResults().GetValue(), "#fig-score": wi.GetScore().GetMeasured()} {
		got, err := strconv.ParseFloat(attr(t, ctx, sel, "data-value"), 64)
		if err != nil || got != w {
			t.Errorf("%s = %v (%v), the API says %v", sel, got, err, w)
		}
	}
	if got, w := text(t, ctx, "#fig-on_time"), vi.Rate(wi.GetOnTime()); got != w {
		t.Errorf("on-time rate shows %q, want %q", got, w)
	}
	if wi.GetReportedOnlineShare().GetValue() <= wi.GetGenuineOnlineShare().GetValue() {
		t.Errorf("the seed has assisted filings: reported %v should exceed genuine %v", wi.GetReportedOnlineShare(), wi.GetGenuineOnlineShare())
	}
	for sel, w := range map[string]int64{"#fig-filed": wi.GetFiled(), "#fig-received": wi.GetReceived(), "#fig-overdue_now": wi.GetOverdueNow(),
		"#fig-resolved_on_time": wi.GetResolvedOnTime(), "#fig-resolved_late": wi.GetResolvedLate(), "#fig-paused": wi.GetPaused(),
		"#fig-in_progress_on_time": wi.GetInProgressOnTime(), "#fig-awaiting_intake": wi.GetAwaitingIntake(),
		"#fig-online_genuine": wi.GetOnlineGenuine(), "#fig-online_assisted": wi.GetOnlineAssisted(), "#fig-received_online": wi.GetReceivedOnline(),
		"#fig-received_counter": wi.GetReceivedCounter(), "#fig-received_postal": wi.GetReceivedPostal(), "#fig-withdrawn": wi.GetWithdrawn(),
		"#fig-not_accepted": wi.GetNotAccepted(), "#fig-stopped": wi.GetStopped()} {
		if got := attr(t, ctx, sel, "data-value"); got != strconv.FormatInt(w, 10) {
			t.Errorf("%s = %s, the API says %d", sel, got, w)
		}
		if got := text(t, ctx, sel); got != vi.Num(w) {
			t.Errorf("%s shows %q, want %q", sel, got, vi.Num(w))
		}
	}
	// The sync figures equal the API's, the one delivered dossier among them.
	ws := want.GetSync()
	if !ws.GetPortalConfigured() || ws.GetSyncedDossiers().GetNumerator() < 1 || ws.GetOutOfSync() == 0 {
		t.Fatalf("sync indicators: %v; want a configured portal holding a dossier and some not", ws)
	}
	for sel, w := range map[string]float64{"#fig-sync": ws.GetSyncedDossiers().GetValue(), "#fig-sync_synced": ws.GetSyncedDossiers().GetValue(),
		"#fig-sync_acked": ws.GetAckedWithinBound().GetValue(), "#fig-sync_lag_p50": ws.GetLagP50Hours(), "#fig-sync_lag_p95": ws.GetLagP95Hours(),
		"#fig-sync_out_of_sync": float64(ws.GetOutOfSync()), "#fig-sync_dead_lettered": float64(ws.GetDeadLettered()),
		"#fig-sync_unacked": float64(ws.GetUnacknowledgedChanges())} {
		got, err := strconv.ParseFloat(attr(t, ctx, sel, "data-value"), 64)
		if err != nil || got != w {
			t.Errorf("%s = %v (%v), the API says %v", sel, got, err, w)
		}
	}
	if got, w := text(t, ctx, "#fig-sync"), vi.Rate(ws.GetSyncedDossiers()); got != w {
		t.Errorf("#fig-sync shows %q, want %q", got, w)
	}
	if got, w := text(t, ctx, "#fig-sync_out_of_sync"), vi.Num(ws.GetOutOfSync()); got != w {
		t.Errorf("#fig-sync_out_of_sync shows %q, want %q", got, w)
	}
	// The trend has one point per month, the units chart one bar per unit.
	series, err := pb.NewReportServiceClient(ce.Conn).GetIndicatorSeries(auditor, &pb.GetIndicatorSeriesRequest{Scope: &pb.ReportScope{
		AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, "#h-trend ~ svg polyline"); n != 3 {
		t.Errorf("trend chart has %d lines, want 3", n)
	}
	if n := count(t, ctx, "#h-trend ~ details tbody tr"); n != len(series.GetPoints()) {
		t.Errorf("trend table has %d rows, the API %d points", n, len(series.GetPoints()))
	}
	if n := count(t, ctx, "table.units tbody tr"); n != len(seed.Districts)+4 {
		t.Errorf("units table has %d rows, want the centre, 3 departments and %d districts", n, len(seed.Districts))
	}
	screenshot(t, ctx, "2-indicators")

	// Click through: overdue now → its dossiers, all pages — as many as the figure.
	run(t, ctx, "click overdue figure", chromedp.Click(chromedp.CSS("#fig-overdue_now")), chromedp.WaitVisible(chromedp.CSS("#dossier-list")))
	screenshot(t, ctx, "3-dossiers")
	listURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	listed, firstCode := 0, ""
	for page := 0; ; page++ {
		listed += count(t, ctx, "#dossier-list a.dossier-link")
		if page == 0 {
			firstCode = text(t, ctx, "#dossier-list a.dossier-link")
		}
		if count(t, ctx, "#next") == 0 {
			break
		}
		run(t, ctx, "next page", chromedp.Click(chromedp.CSS("#next")), chromedp.WaitVisible(chromedp.CSS("#dossier-list")))
		if page > 100 {
			t.Fatal("too many pages")
		}
	}
	if int64(listed) != wi.GetOverdueNow() {
		t.Errorf("the overdue figure is %d but its link lists %d dossiers", wi.GetOverdueNow(), listed)
	}
	// Every number links to exactly the dossiers behind it: each link to a
	// list (data-count) shows the API's figure — a rate its numerator — and
	// its list, every page walked, holds that many dossiers.
	if wi.GetOnlineGenuine() == 0 || wi.GetOnlineAssisted() == 0 || wi.GetResolvedOnTime() == 0 ||
		wi.GetDigitisedDossiers().GetNumerator() == 0 || wi.GetElectronicResults().GetNumerator() == 0 || wi.GetSupplementDossiers() == 0 {
		t.Fatalf("the seed should give genuine and assisted online filings, on-time resolutions, digitised dossiers, electronic results and supplements: %v", wi)
	}
	checkFigureLinks(t, ctx, ce, auditor, wi, series.GetPoints())

	// One dossier: slip, deadline, events, who read it (this very session).
	run(t, ctx, "click a dossier", chromedp.Navigate(listURL), chromedp.WaitVisible(chromedp.CSS("#dossier-list")),
		chromedp.Click(chromedp.CSS("#dossier-list a.dossier-link")), chromedp.WaitVisible(chromedp.CSS("#dossier-code")))
	if got := text(t, ctx, "#dossier-code"); got != firstCode {
		t.Fatalf("dossier page shows %q, want %q", got, firstCode)
	}
	d, err := ce.Dossiers.GetDossier(auditor, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Code{Code: firstCode}, Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := ce.Dossiers.ListDossierEvents(auditor, &pb.ListDossierEventsRequest{DossierId: d.GetDossier().GetId(), Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, "#events tbody tr"); n != len(evs.GetEvents()) {
		t.Errorf("events table has %d rows, the API %d events", n, len(evs.GetEvents()))
	}
	slip, err := ce.Dossiers.GetProcessControlSlip(auditor, &pb.GetProcessControlSlipRequest{DossierId: d.GetDossier().GetId(), Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, "#slip tbody tr"); n != len(slip.GetRows()) || n == 0 {
		t.Errorf("slip table has %d rows, the API %d", n, len(slip.GetRows()))
	}
	if n := count(t, ctx, "#h-slip ~ svg rect"); n != len(slip.GetRows()) {
		t.Errorf("slip timeline has %d bars, want %d", n, len(slip.GetRows()))
	}
	if n := count(t, ctx, "#segments tbody tr"); n == 0 {
		t.Error("the deadline explanation shows no days")
	}
	if acc := text(t, ctx, "#accesses"); !strings.Contains(acc, purpose+" · console: dossier") || !strings.Contains(acc, "auditor-1") {
		t.Errorf("the access log does not show this session's read with its purpose:\n%s", acc)
	}
	screenshot(t, ctx, "5-dossier")

	// Overdue by unit: the ranking equals the API's; drill down to a unit's dossiers.
	run(t, ctx, "overdue", chromedp.Navigate(ce.URL+"overdue?agency="+seed.Province+"&period=2026"), chromedp.WaitVisible(chromedp.CSS("#unit-list")))
	units, err := pb.NewReportServiceClient(ce.Conn).ListOverdueByUnit(auditor, &pb.ListOverdueByUnitRequest{Scope: &pb.ReportScope{
		AgencyCode: seed.Province, Period: "2026"}})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#unit-list tbody tr")).map(r => r.dataset.unit + "=" + r.querySelector(".num-late").dataset.value + "/" + r.querySelector(".num-now").dataset.value)`))
	if err != nil {
		t.Fatal(err)
	}
	var wantUnits []string
	for _, u := range units.GetUnits() {
		wantUnits = append(wantUnits, fmt.Sprintf("%s=%d/%d", u.GetUnitCode(), u.GetStepsLate(), u.GetStepsOverdueNow()))
	}
	if strings.Join(shown, " ") != strings.Join(wantUnits, " ") {
		t.Errorf("units shown %v, the API ranks %v", shown, wantUnits)
	}
	held := ""
	for _, u := range units.GetUnits() {
		if u.GetStepsOverdueNow() > 0 {
			held = u.GetUnitCode()
			break
		}
	}
	if held == "" {
		t.Fatal("the seed should leave a unit holding overdue steps")
	}
	run(t, ctx, "drill down", chromedp.Click(chromedp.CSS(`#unit-list tr[data-unit="`+held+`"] a.drill`)),
		chromedp.WaitVisible(chromedp.CSS("#held-list")))
	heldAPI, err := ce.Dossiers.ListDossiers(auditor, &pb.ListDossiersRequest{Overdue: true, StepUnitCode: held,
		PageSize: 1000, Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, "#held-list a.dossier-link"); n != len(heldAPI.GetDossiers()) {
		t.Errorf("unit %s: the console lists %d overdue dossiers held there, the API %d", held, n, len(heldAPI.GetDossiers()))
	}
	for _, x := range heldAPI.GetDossiers() {
		if x.GetCurrentStep().GetUnitCode() != held {
			t.Errorf("dossier %s listed as held by %s is at %s", x.GetCode(), held, x.GetCurrentStep().GetUnitCode())
		}
	}
	screenshot(t, ctx, "4-overdue")

	// Integrity: verification streams progress and ends intact, with the
	// API's count; the test's own loopback filing is a counter-network filing.
	run(t, ctx, "integrity", chromedp.Navigate(ce.URL+"integrity?agency="+seed.Province+"&from=2026-01-01&to=2026-12-31"),
		chromedp.WaitVisible(chromedp.CSS("#verify")),
		chromedp.Click(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS("#verify-summary.ok")))
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, hcm), time.Date(2027, 1, 1, 0, 0, 0, 0, hcm)
	stream, err := pb.NewAuditServiceClient(ce.Conn).VerifyAuditChain(auditor, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_AgencyPeriod{
		AgencyPeriod: &pb.AgencyPeriod{AgencyCode: seed.Province, FromTime: timestamppb.New(from), ToTime: timestamppb.New(to)}}})
	if err != nil {
		t.Fatal(err)
	}
	var sum *pb.VerifyAuditChainResponse_Summary
	for {
		m, err := stream.Recv()
		if err != nil {
			break
		}
		if m.GetSummary() != nil {
			sum = m.GetSummary()
		}
	}
	if sum == nil || !strings.Contains(text(t, ctx, "#verify-summary"), vi.Num(sum.GetDossiersChecked())) {
		t.Errorf("verification summary %q, the API checked %v", text(t, ctx, "#verify-summary"), sum)
	}
	if v := attr(t, ctx, "#verify-bar", "value"); v == "0" {
		t.Error("the progress bar did not move")
	}
	if c := text(t, ctx, "#counter"); !strings.Contains(c, "citizen-001090000123") || !strings.Contains(c, "127.0.0.0/8") {
		t.Errorf("the loopback filing is not listed as a counter-network filing:\n%s", c)
	}
	if n := count(t, ctx, "#signals tbody tr"); n == 0 {
		t.Error("no proxy-filing signal on a seed with staff filing for people")
	}
	screenshot(t, ctx, "6-integrity")

	// Keyboard: the first Tab reaches the skip link; the language switch works.
	run(t, ctx, "keyboard", chromedp.Navigate(ce.URL+"indicators"), chromedp.WaitVisible(chromedp.CSS("#fig-on_time")),
		chromedp.KeyEvent(kb.Tab))
	active, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
	if err != nil {
		t.Fatal(err)
	}
	if active != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", active)
	}
	run(t, ctx, "switch to English", chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS("#fig-on_time")))
	if lang, h := attr(t, ctx, "html", "lang"), text(t, ctx, "h1"); lang != "en" || h != en["ind.title"] {
		t.Errorf("after the switch: lang %q, heading %q", lang, h)
	}
	run(t, ctx, "back to Vietnamese", chromedp.Click(chromedp.CSS(`a[hreflang="vi"]`)), chromedp.WaitVisible(chromedp.CSS("#fig-on_time")))

	// A clerk has no report rights: refusals, not data, on every page.
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".tools button")), chromedp.WaitVisible(chromedp.CSS("#dev-submit")))
	signIn(t, ctx, ce.URL, "clerk", "clerk-9", "000.23.01.H55", purpose)
	for _, page := range []string{"indicators?agency=" + seed.Province, "overdue?agency=" + seed.Province, "integrity"} {
		run(t, ctx, "clerk opens "+page, chromedp.Navigate(ce.URL+page), chromedp.WaitVisible(chromedp.CSS("#main")))
		if n := count(t, ctx, "#refusal[data-code=PERMISSION_DENIED], .refusal"); n == 0 {
			t.Errorf("a clerk on %s sees no refusal", page)
		}
		if n := count(t, ctx, "#fig-on_time, #unit-list tbody tr, #signals tbody tr, #counter tbody tr"); n != 0 {
			t.Errorf("a clerk on %s sees %d figures or rows", page, n)
		}
		if page == "indicators?agency="+seed.Province {
			screenshot(t, ctx, "7-refused")
		}
	}
	// A dossier of another agency does not exist for this clerk.
	run(t, ctx, "clerk opens a dossier", chromedp.Navigate(ce.URL+"dossier/"+firstCode), chromedp.WaitVisible(chromedp.CSS("#main")))
	if code := attr(t, ctx, "#refusal", "data-code"); code != "NOT_FOUND" {
		t.Errorf("a clerk of another agency opening %s: %s", firstCode, code)
	}
	if n := count(t, ctx, "#events, #dossier-code"); n != 0 {
		t.Error("a clerk of another agency sees the dossier")
	}

	// No token in any log line.
	tok := ce.Token(t, testenv.Auditor)
	if logs := ce.Log.String(); strings.Contains(logs, "eyJ") || strings.Contains(logs, tok[:20]) {
		t.Errorf("a token reached the log:\n%s", logs)
	}
}

// checkFigureLinks follows every link of the indicators page (the province
// and below, 2026) to a list of dossiers: the top figures by a click, the
// units' and the months' by their address. Each link's count must be the
// API's figure (GetIndicators of the scope, of each unit, the series'
// points) and its list must hold as many dossiers.
func checkFigureLinks(t *testing.T, ctx context.Context, ce *consoleEnv, auditor context.Context, wi *pb.Indicators, points []*pb.IndicatorPoint) {
	t.Helper()
	page := ce.URL + "indicators?agency=" + seed.Province + "&sub=1&period=2026"
	run(t, ctx, "indicators", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#fig-on_time")))
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("a[data-count]")).map(
	  (a) => [a.id, a.getAttribute("href"), a.getAttribute("data-count")])`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"fig-on_time": wi.GetOnTime().GetNumerator(), "fig-on_time_n": wi.GetOnTime().GetNumerator(), "fig-on_time_d": wi.GetOnTime().GetDenominator(),
		"fig-genuine_online": wi.GetGenuineOnlineShare().GetNumerator(), "fig-online_genuine": wi.GetOnlineGenuine(),
		"fig-reported_online": wi.GetReportedOnlineShare().GetNumerator(), "fig-received_online": wi.GetReceivedOnline(),
		"fig-channel_online": wi.GetReceivedOnline(), "fig-online_assisted": wi.GetOnlineAssisted(),
		"fig-digitised": wi.GetDigitisedDossiers().GetNumerator(), "fig-digitised_n": wi.GetDigitisedDossiers().GetNumerator(),
		"fig-digitised_d": wi.GetDigitisedDossiers().GetDenominator(),
		"fig-electronic":  wi.GetElectronicResults().GetNumerator(), "fig-electronic_n": wi.GetElectronicResults().GetNumerator(),
		"fig-electronic_d": wi.GetElectronicResults().GetDenominator(),
		"fig-filed":        wi.GetFiled(), "fig-received": wi.GetReceived(), "fig-received_counter": wi.GetReceivedCounter(),
		"fig-received_postal": wi.GetReceivedPostal(), "fig-resolved_on_time": wi.GetResolvedOnTime(), "fig-resolved_late": wi.GetResolvedLate(),
		"fig-in_progress_on_time": wi.GetInProgressOnTime(), "fig-overdue_now": wi.GetOverdueNow(), "fig-paused": wi.GetPaused(),
		"fig-awaiting_intake": wi.GetAwaitingIntake(), "fig-withdrawn": wi.GetWithdrawn(), "fig-not_accepted": wi.GetNotAccepted(),
		"fig-stopped": wi.GetStopped(), "fig-supplement_dossiers": wi.GetSupplementDossiers(),
	}
	top := len(want)
	for _, p := range points {
		pi, b := p.GetIndicators(), p.GetBucket()
		want["trend-"+b+"-received"], want["trend-"+b+"-on_time"] = pi.GetReceived(), pi.GetOnTime().GetNumerator()
		want["trend-"+b+"-genuine_online"], want["trend-"+b+"-online"] = pi.GetOnlineGenuine(), pi.GetReceivedOnline()
	}
	units := map[string]*pb.Indicators{}
	unitFigure := func(id string) (int64, bool) {
		code, fig, ok := strings.Cut(strings.TrimPrefix(id, "unit-"), "-")
		if !ok || !strings.HasPrefix(id, "unit-") {
			return 0, false
		}
		ui := units[code]
		if ui == nil {
			resp, err := pb.NewReportServiceClient(ce.Conn).GetIndicators(auditor, &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{
				AgencyCode: code, IncludeSubAgencies: true, Period: "2026"}})
			if err != nil {
				t.Fatal(err)
			}
			ui = resp.GetIndicators()
			units[code] = ui
		}
		switch fig {
		case "received":
			return ui.GetReceived(), true
		case "on_time", "bar":
			return ui.GetOnTime().GetNumerator(), true
		case "genuine_online":
			return ui.GetOnlineGenuine(), true
		case "online":
			return ui.GetReceivedOnline(), true
		case "overdue_now":
			return ui.GetOverdueNow(), true
		}
		return 0, false
	}
	origin := strings.TrimSuffix(ce.URL, DefaultPrefix)
	listed := map[string]int{} // by address: several links lead to one list
	kinds := map[string]int{}
	for _, l := range links {
		id, href, shown := l[0], l[1], l[2]
		w, ok := want[id]
		if !ok {
			w, ok = unitFigure(id)
		}
		if !ok {
			t.Errorf("link %q (%s) is not checked against the API", id, href)
			continue
		}
		if shown != strconv.FormatInt(w, 10) {
			t.Errorf("%s: the link counts %s, the API says %d", id, shown, w)
		}
		kind, _, _ := strings.Cut(id, "-")
		kinds[kind]++
		n, seen := listed[href]
		if !seen {
			if kind == "fig" { // a real click on the page
				run(t, ctx, "indicators", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#fig-on_time")))
				run(t, ctx, "follow "+id, chromedp.Click(chromedp.CSS("#"+id)), chromedp.WaitVisible(chromedp.CSS("#dossier-list")))
			} else {
				run(t, ctx, "follow "+id, chromedp.Navigate(origin+href), chromedp.WaitVisible(chromedp.CSS("#dossier-list")))
			}
			n = walkList(t, ctx)
			listed[href] = n
		}
		if int64(n) != w {
			t.Errorf("%s: the figure is %d, its list holds %d dossiers", id, w, n)
		}
	}
	// Top figures, 14 units (table and bars), every month of the trend.
	if kinds["fig"] != top || kinds["unit"] != 6*(len(seed.Districts)+4) || kinds["trend"] != 4*len(points) {
		t.Errorf("links followed by kind: %v", kinds)
	}
}

// walkList counts the dossiers of the list on screen, following "next"
// through every page.
func walkList(t *testing.T, ctx context.Context) int {
	t.Helper()
	listed := 0
	for page := 0; ; page++ {
		listed += count(t, ctx, "#dossier-list a.dossier-link")
		if count(t, ctx, "#next") == 0 {
			return listed
		}
		run(t, ctx, "next page", chromedp.Click(chromedp.CSS("#next")), chromedp.WaitVisible(chromedp.CSS("#dossier-list")))
		if page > 100 {
			t.Fatal("too many pages")
		}
	}
}
