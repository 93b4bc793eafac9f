package cli

import (
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

var provinceAuditor = auth.TokenSpec{Subject: "auditor-1", Role: domain.RoleAuditor, Agency: seed.Province}

// reportCLI is a server on a settable clock, and the store's URL (for
// verify, which opens the store itself).
type reportCLI struct {
	*cli
	clock *testenv.Clock
	url   string
}

func newReportCLI(t *testing.T, now time.Time) *reportCLI {
	t.Helper()
	clock := testenv.NewClock(now)
	url := testenv.StoreURL(t, "sqlite")
	return &reportCLI{cli: &cli{t: t, env: testenv.Start(t, url, testenv.Options{Now: clock.Now})}, clock: clock, url: url}
}

// knownSet files three dossiers of 1.001193 on Monday 2 March 2026:
//
//	A  taken in at the counter at 09:00 (one component scanned, one on
//	   paper), through its four steps and resolved electronically at 14:00
//	   (210 working minutes), handed over at the counter: on time;
//	B  filed online by a clerk for a citizen at the counter (assisted) at
//	   14:00 and accepted at 14:10: in progress, on time;
//	C  filed online by the citizen at 14:20, not yet accepted.
//
// The clock is left at 15:00.
func (c *reportCLI) knownSet() {
	t := c.t
	dr := c.env.NewDriver(t)
	at := func(h, m int) { c.clock.Set(testenv.Local(2026, time.March, 2, h, m)) }
	at(9, 0)
	a := dr.Intake(testenv.CounterDraft(testenv.CitizenID(101)))
	for _, hm := range [][2]int{{10, 0}, {11, 0}, {13, 30}} {
		at(hm[0], hm[1])
		a = dr.Must(domain.ActionForward, a)
	}
	at(14, 0)
	a = dr.Must(domain.ActionResolve, a)
	a = dr.Must(domain.ActionReturn, a)
	if a.GetTimeliness() != pb.Timeliness_TIMELINESS_ON_TIME {
		t.Fatalf("A: %v", a.GetTimeliness())
	}
	r, err := c.env.Dossiers.SubmitDossier(c.env.As(t, testenv.Clerk), &pb.SubmitDossierRequest{RequestId: "known-b",
		Dossier: testenv.Draft(testenv.CitizenID(102))})
	if err != nil {
		t.Fatal(err)
	}
	at(14, 10)
	dr.Must(domain.ActionReceive, r.GetDossier())
	at(14, 20)
	dr.Submit(testenv.Draft(testenv.CitizenID(103)))
	at(15, 0)
}

// line returns the line of out that starts (after indentation) with label.
func line(t *testing.T, out, label string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), label) {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	t.Fatalf("no line %q in:\n%s", label, out)
	return ""
}

func TestReportIndicators(t *testing.T) {
	c := newReportCLI(t, testenv.Local(2026, time.March, 2, 8, 0))
	c.knownSet()
	auditor := c.token(provinceAuditor)
	scope := []string{"report", "indicators", "--agency", seed.Province, "--sub-agencies", "--period", "2026-03"}

	r := c.ok(auditor, scope...)
	contains(t, "indicators", r.out, "Indicators · 000.00.00.H55 Ủy ban nhân dân tỉnh (demo) and the agencies below it · dossiers filed 2026-03-01 – 2026-03-31",
		"Intake", "Timeliness", "Ends without a result", "Supplements", "Processing time", "Digitisation", "Payments", "Online offer",
		"Decision 766 score", "Not measured: publicity and transparency (18 points) and satisfaction (18 points)")
	for label, want := range map[string]string{
		"Filed":                          "Filed 3",
		"Received (accepted at intake)":  "Received (accepted at intake) 2",
		"at the counter":                 "at the counter 1",
		"online ":                        "online 1",
		"genuine:":                       "genuine: by the applicant or their representative 0",
		"assisted:":                      "assisted: by an official or helper for them 1",
		"by post":                        "by post 0",
		"Online share, reported":         "Online share, reported (assisted counted) 50.00% (1 / 2)",
		"Online share, genuine":          "Online share, genuine (assisted not counted) 0.00% (0 / 2) 50.00 points below the reported share",
		"Resolved on time":               "Resolved on time 1",
		"Resolved late":                  "Resolved late 0",
		"In progress, on time":           "In progress, on time 1",
		"Overdue now":                    "Overdue now (past the legal deadline) 0",
		"Awaiting intake":                "Awaiting intake (filed online, not yet accepted) 1",
		"On-time rate":                   "On-time rate (national index) 100.00% (2 / 2)",
		"Average":                        "Average 0.44 working days",
		"90th percentile":                "90th percentile 0.50 working days",
		"Dossiers with a component":      "Dossiers with a component scanned or reused 50.00% (1 / 2)",
		"Paper components":               "Paper components scanned at the counter 50.00% (1 / 2)",
		"Results issued electronically":  "Results issued electronically 100.00% (1 / 1)",
		"Paid online":                    "Paid online - (0 / 0)",
		"Procedures offered online":      "Procedures offered online 75.00% (3 / 4)",
		"Offered online and used online": "Offered online and used online 33.33% (1 / 3)",
		"Progress":                       "Progress (on-time rate × 20) 20.00 / 20",
		"Online service, genuine":        "Online service, genuine filings only 5.93 / 12",
		"Online service, assisted":       "Online service, assisted counted as online 8.93 / 12 (what a padded report would claim)",
		"Measured total":                 "Measured total",
		"Applicant identity checked":     "Applicant identity checked 0",
		"Entered once":                   "Entered once (pre-filled from the database) - (0 / 0)",
		"Business hand-offs":             "Business hand-offs without re-keying - (0 / 0)",
	} {
		if got := line(t, r.out, label); !strings.HasPrefix(got, want) {
			t.Errorf("line %q, want %q", got, want)
		}
	}

	// The same with --from/--to (daily rows instead of monthly ones).
	days := c.ok(auditor, "report", "indicators", "--agency", seed.Province, "--sub-agencies", "--from", "2026-03-02", "--to", "2026-03-02")
	if got := line(t, days.out, "On-time rate"); got != "On-time rate (national index) 100.00% (2 / 2)" {
		t.Errorf("one day: %q", got)
	}
	// Without the sub-agencies, the province itself received nothing.
	own := c.ok(auditor, "report", "indicators", "--agency", seed.Province, "--period", "2026-03")
	if got := line(t, own.out, "Received"); got != "Received (accepted at intake) 0" {
		t.Errorf("province alone: %q", got)
	}

	// CSV: section,indicator,value,numerator,denominator.
	r = c.ok(auditor, append(scope, "--format", "csv")...)
	recs, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, r.out)
	}
	if strings.Join(recs[0], ",") != "section,indicator,value,numerator,denominator" {
		t.Errorf("csv header %q", recs[0])
	}
	got := map[string]string{}
	for _, rec := range recs[1:] {
		if len(rec) != 5 {
			t.Fatalf("csv record %q", rec)
		}
		got[rec[0]+"/"+rec[1]] = strings.Join(rec[2:], ",")
	}
	for k, want := range map[string]string{
		"scope/agency": seed.Province + ",,", "scope/from_date": "2026-03-01,,", "scope/to_date": "2026-03-31,,",
		"intake/received": "2,,", "intake/online_assisted": "1,,", "intake/online_genuine": "0,,",
		"intake/reported_online_share": "0.5,1,2", "intake/genuine_online_share": "0,0,2",
		"timeliness/on_time": "1,2,2", "timeliness/awaiting_intake": "1,,",
		"processing_time/average_processing_days": "0.4375,,", "digitisation/electronic_results": "1,1,1",
		"score_766/progress": "20,20,20", "score_766/measured_max": "",
		"identity/identity_checked": "0,,", "identity/entered_once": "0,0,0", "identity/prefilled_fields": "0,0,0",
		"identity/handoffs_without_rekeying": "0,0,0", "identity/identity_mismatches": "0,,",
	} {
		if got[k] != want {
			t.Errorf("csv %s = %q, want %q", k, got[k], want)
		}
	}

	// JSON: --format json and the global --output json print the same
	// protojson response; --format wins over --output.
	r = c.ok(auditor, append(scope, "--format", "json")...)
	var resp pb.GetIndicatorsResponse
	unmarshal(t, r.out, &resp)
	in := resp.GetIndicators()
	if in.GetReceived() != 2 || in.GetOnlineAssisted() != 1 || in.GetOnTime().GetValue() != 1 || resp.GetFromDate() != "2026-03-01" {
		t.Errorf("json: %v", &resp)
	}
	if o := c.ok(auditor, append(scope, "--output", "json")...); o.out != r.out {
		t.Errorf("--output json differs from --format json:\n%s\n%s", o.out, r.out)
	}
	if o := c.ok(auditor, append(scope, "-o", "json", "--format", "table")...); !strings.Contains(o.out, "On-time rate") {
		t.Errorf("--format table over --output json:\n%s", o.out)
	}

	// Series: one line per bucket, with the received count, a bar, the
	// on-time rate and the genuine and assisted online counts.
	r = c.ok(auditor, "report", "series", "--agency", seed.Province, "--sub-agencies", "--from", "2026-02-28", "--to", "2026-03-06", "--granularity", "day")
	lines := strings.Split(strings.TrimRight(r.out, "\n"), "\n")
	bucket := regexp.MustCompile(`^2026-\d\d-\d\d `)
	var buckets []string
	for _, l := range lines {
		if bucket.MatchString(l) {
			buckets = append(buckets, l)
		}
	}
	if len(buckets) != 7 || len(lines) != 2+7 {
		t.Fatalf("series by day over 7 days: %d bucket lines of %d:\n%s", len(buckets), len(lines), r.out)
	}
	contains(t, "series", r.out, "Received per day · 000.00.00.H55", "BUCKET", "RECEIVED", "ON TIME", "ONLINE GENUINE", "ASSISTED")
	if f := strings.Join(strings.Fields(buckets[2]), " "); f != "2026-03-02 2 "+strings.Repeat("█", barWidth)+" 100.00% (2 / 2) 0 1" {
		t.Errorf("bucket of 2 March: %q", f)
	}
	if f := strings.Join(strings.Fields(buckets[0]), " "); f != "2026-02-28 0 - (0 / 0) 0 0" {
		t.Errorf("empty bucket: %q", f)
	}
	r = c.ok(auditor, "report", "series", "--agency", seed.Province, "--sub-agencies", "--period", "2026", "--granularity", "quarter", "--format", "csv")
	recs, err = csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil || len(recs) != 1+4 || recs[1][0] != "2026-Q1" || recs[1][2] != "2" || recs[4][0] != "2026-Q4" {
		t.Errorf("series csv by quarter (%v):\n%s", err, r.out)
	}
	r = c.ok(auditor, "report", "series", "--agency", seed.Province, "--sub-agencies", "--period", "2026-Q1", "-o", "json")
	var series pb.GetIndicatorSeriesResponse
	unmarshal(t, r.out, &series)
	if len(series.GetPoints()) != 3 || series.GetPoints()[2].GetBucket() != "2026-03" {
		t.Errorf("series json by month: %v", &series)
	}

	// Only auditors, leaders and admins read indicators.
	c.fail(1, c.token(testenv.Clerk), scope, "error: PERMISSION_DENIED")
	// An agency outside the auditor's jurisdiction is refused.
	c.fail(1, c.token(auth.TokenSpec{Subject: "auditor-2", Role: domain.RoleAuditor, Agency: seed.JusticeDept}), scope, "error: PERMISSION_DENIED")
}

func TestReportOverdueUnits(t *testing.T) {
	c := newReportCLI(t, testenv.Local(2026, time.March, 2, 9, 0))
	dr := c.env.NewDriver(t)
	// Two dossiers taken in on Monday 09:00; their first step (4 working
	// hours, the one-stop centre's) is due at 14:30. One is forwarded on
	// Tuesday at 16:00, 9h30 of working time late; the other is still there.
	late := dr.Intake(testenv.CounterDraft(testenv.CitizenID(201)))
	dr.Intake(testenv.CounterDraft(testenv.CitizenID(202)))
	c.clock.Set(testenv.Local(2026, time.March, 3, 16, 0))
	dr.Must(domain.ActionForward, late)

	auditor := c.token(provinceAuditor)
	r := c.ok(auditor, "report", "overdue-units", "--agency", seed.Province, "--period", "2026-03")
	contains(t, "overdue-units", r.out, "Late workflow steps by unit · 000.00.00.H55",
		"RANK", "UNIT", "STEPS FINISHED", "LATE", "LATE SHARE", "LATE WORKING HOURS", "OVERDUE NOW")
	if got := line(t, r.out, "1 "); got != "1 000.00.01.H55 Trung tâm Phục vụ hành chính công tỉnh 1 1 100.00% 9h30 1" {
		t.Errorf("ranking: %q\n%s", got, r.out)
	}
	if strings.Contains(r.out, "000.00.12.H55") {
		t.Errorf("a unit without late steps is listed:\n%s", r.out)
	}
	r = c.ok(auditor, "report", "overdue-units", "--agency", seed.Province, "--period", "2026-03", "--format", "csv")
	if want := "1,000.00.01.H55,Trung tâm Phục vụ hành chính công tỉnh,1,1,1,9.5,1"; !strings.Contains(r.out, want) {
		t.Errorf("csv lacks %q:\n%s", want, r.out)
	}
	r = c.ok(auditor, "report", "overdue-units", "--agency", seed.Province, "--period", "2026-03", "-o", "json")
	var resp pb.ListOverdueByUnitResponse
	unmarshal(t, r.out, &resp)
	if len(resp.GetUnits()) != 1 || resp.GetUnits()[0].GetLateWorkingHours() != 9.5 {
		t.Errorf("json: %v", &resp)
	}
	// A period without late steps, and nothing overdue as of its end, is
	// said in words.
	c.clock.Set(testenv.Local(2026, time.March, 2, 10, 0))
	r = c.ok(auditor, "report", "overdue-units", "--agency", seed.Province, "--period", "2026-02")
	contains(t, "empty ranking", r.out, "no unit finished a step late in the period")
}

func TestReportVerify(t *testing.T) {
	c := newReportCLI(t, testenv.Local(2026, time.March, 2, 8, 0))
	c.knownSet()
	verify := []string{"report", "verify", "--database-url", c.url}

	r := execute(verify...)
	if r.code != 0 || strings.TrimSpace(r.out) != "aggregates match the events: 3 dossiers checked" {
		t.Fatalf("verify on a sound store:\n%s", r)
	}
	contains(t, "verify progress", r.err, "checked 3 dossiers")

	// Alter an aggregate behind the application's back.
	if err := c.env.Store.DB().Exec("UPDATE dossier_stats SET received = received + 1 WHERE period = 'D' AND channel = ?",
		int(domain.ChannelCounter)).Error; err != nil {
		t.Fatal(err)
	}
	r = execute(verify...)
	if r.code != 1 {
		t.Fatalf("verify on an altered store:\n%s", r)
	}
	contains(t, "verify differences", r.out, "aggregates DIFFER from the events: 1 difference (3 dossiers checked)",
		"TABLE/PERIOD", "RECOMPUTED")
	if got := line(t, r.out, "dossier_stats/D"); got != "dossier_stats/D 000.00.01.H55/2026-03-02/1.001193/COUNTER/STAFF received 2 1" {
		t.Errorf("difference line %q", got)
	}
	contains(t, "verify stderr", r.err, "motcua: 1 aggregate value does not match the events")

	// JSON lists every difference; a table shows the first 50 and counts
	// the rest.
	if err := c.env.Store.DB().Exec("UPDATE dossier_stats SET " + strings.Join(strings.Fields(
		"filed=filed+1 awaiting_intake=awaiting_intake+1 not_accepted=not_accepted+1 running=running+1 paused=paused+1 "+
			"resolved_on_time=resolved_on_time+1 resolved_late=resolved_late+1 withdrawn=withdrawn+1 stopped=stopped+1"), ", ")).Error; err != nil {
		t.Fatal(err)
	}
	r = execute(append(verify, "-o", "json")...)
	var doc struct {
		DossiersChecked int
		Match           bool
		Differences     []struct {
			Table, Key, Metric string
			Stored, Recomputed int64
		}
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil || r.code != 1 {
		t.Fatalf("verify json (%v):\n%s", err, r)
	}
	n := len(doc.Differences)
	if doc.Match || doc.DossiersChecked != 3 || n <= maxDiffsShown {
		t.Fatalf("verify json: match=%v checked=%d differences=%d", doc.Match, doc.DossiersChecked, n)
	}
	r = execute(verify...)
	rows := 0
	for _, l := range strings.Split(r.out, "\n") {
		if strings.HasPrefix(l, "dossier_stats/") {
			rows++
		}
	}
	if rows != maxDiffsShown || !strings.Contains(r.out, "… and "+fmtCount(int64(n-maxDiffsShown))+" more differences") {
		t.Errorf("verify table shows %d rows of %d:\n%s", rows, n, r.out)
	}
}

func TestReportUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "indicators", "--period", "2026"}, "needs --agency"},
		{[]string{"report", "indicators", "--agency", seed.Province}, "needs --period (2026, 2026-Q1, 2026-03, 2026-03-05) or --from and --to"},
		{[]string{"report", "indicators", "--agency", seed.Province, "--period", "2026", "--from", "2026-01-01"}, "not both"},
		{[]string{"report", "indicators", "--agency", seed.Province, "--from", "2026-01-01"}, "--from and --to go together"},
		{[]string{"report", "indicators", "--agency", seed.Province, "--period", "2026-13"}, "--period:"},
		{[]string{"report", "indicators", "--agency", seed.Province, "--from", "2026-03-05", "--to", "2026-03-01"}, "is before --from"},
		{[]string{"report", "indicators", "--agency", seed.Province, "--period", "2026", "--format", "yaml"}, "--format must be table, csv or json"},
		{[]string{"report", "indicators", "--agency", seed.Province, "--period", "2026", "--channel", "fax"}, `--channel: "fax" is not one of counter, online, postal`},
		{[]string{"report", "series", "--agency", seed.Province, "--period", "2026", "--granularity", "week"}, `--granularity: "week" is not one of day, month, quarter, year`},
		{[]string{"report", "overdue-units", "--agency", seed.Province, "--period", "2026", "--procedure", "1.001193"}, "unknown flag: --procedure"},
		{[]string{"report", "frobnicate"}, `unknown command "frobnicate"`},
	} {
		r := execute(append(tc.args, "--token", "x", "--addr", "127.0.0.1:1")...)
		if r.code != 2 || !strings.Contains(r.err, tc.want) {
			t.Errorf("motcua %s: want exit 2 and %q\n%s", strings.Join(tc.args, " "), tc.want, r)
		}
	}
	r := execute("report", "indicators", "--agency", seed.Province, "--period", "2026", "--token", "")
	if r.code != 2 || !strings.Contains(r.err, "no token") {
		t.Errorf("without a token:\n%s", r)
	}
}
