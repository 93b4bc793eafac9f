package indicators

import (
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

func TestContributionAndChange(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	d := &domain.Dossier{Status: domain.StatusSubmitted, Channel: domain.ChannelOnline, FiledBy: domain.ActorStaffOnBehalf,
		Components: []domain.Component{{Source: domain.SourceUploaded}, {Source: domain.SourceReused}}}
	v, b := Contribution(d)
	if v[Filed] != 1 || v[AwaitingIntake] != 1 || v[Received] != 0 || v[ComponentsTotal] != 0 || b != -1 {
		t.Fatalf("submitted: %v %d", v, b)
	}
	after := *d
	after.Status, after.ReceivedAt, after.OriginalDueAt = domain.StatusReceived, t0, t0.Add(24*time.Hour)
	delta, changed := Change(d, &after, Key{})
	if !changed || delta.Vector[AwaitingIntake] != -1 || delta.Vector[Received] != 1 || delta.Vector[Running] != 1 ||
		delta.Vector[ComponentsReused] != 1 || delta.Vector[DigitisedDossiers] != 1 || delta.Vector[Filed] != 0 {
		t.Fatalf("accept delta: %v", delta.Vector)
	}
	res := after
	mins := int64(600)
	res.Status, res.FinishedAt, res.Result, res.ProcessingMinutes = domain.StatusResolved, t0.Add(48*time.Hour), &domain.Result{Electronic: true}, &mins
	delta, _ = Change(&after, &res, Key{})
	if delta.Vector[Running] != -1 || delta.Vector[ResolvedLate] != 1 || delta.Vector[ElectronicResults] != 1 ||
		delta.Vector[ProcessingMinutes] != 600 || delta.Buckets[8] != 1 {
		t.Fatalf("resolve delta: %v %v", delta.Vector, delta.Buckets)
	}
	if _, changed := Change(&res, &res, Key{}); changed {
		t.Fatal("no change reported as a change")
	}
}

// The padded figure: assisted filings counted as online cross the 50%
// threshold that genuine filings do not reach.
func TestAssistedFilingsInflateTheOnlineScore(t *testing.T) {
	rows := []Row{
		{Channel: domain.ChannelOnline, FiledBy: domain.ActorCitizen, Vector: Vector{Filed: 3, Received: 3}},
		{Channel: domain.ChannelOnline, FiledBy: domain.ActorStaffOnBehalf, Vector: Vector{Filed: 4, Received: 4}},
		{Channel: domain.ChannelCounter, FiledBy: domain.ActorStaff, Vector: Vector{Filed: 3, Received: 3}},
	}
	in := Compute(rows, Facts{Offered: 10, OfferedOnline: 9, UsedOnline: 9, UsedOnlineReported: 9})
	if in.GenuineOnlineShare != (Ratio{3, 10}) || in.ReportedOnlineShare != (Ratio{7, 10}) {
		t.Fatalf("shares: %v %v", in.GenuineOnlineShare, in.ReportedOnlineShare)
	}
	if in.Score.OnlineService != 2+4+3 || in.Score.ReportedOnlineService != 2+4+6 {
		t.Fatalf("online service: genuine %v, reported %v", in.Score.OnlineService, in.Score.ReportedOnlineService)
	}
}

func TestPercentileAndPeriods(t *testing.T) {
	// 5 dossiers in the 2nd hour, 4 at [3, 4) days, 1 at [30, 31) days.
	if got := percentileDays(map[int]int64{1: 5, DurationBucket(3*480 + 10): 4, DurationBucket(30 * 480): 1}, 0.9); got != 4 {
		t.Fatalf("p90 = %v", got)
	}
	if got := percentileDays(nil, 0.9); got != 0 {
		t.Fatalf("empty p90 = %v", got)
	}
	for minutes, want := range map[int64][2]float64{0: {0, 0.125}, 59: {0, 0.125}, 60: {1, 0.25}, 479: {7, 1}, 480: {8, 2}, 959: {8, 2}, 960: {9, 3}} {
		b := DurationBucket(minutes)
		if float64(b) != want[0] || BucketUpperDays(b) != want[1] {
			t.Errorf("%d min: bucket %d (≤ %v days), want %v (≤ %v)", minutes, b, BucketUpperDays(b), want[0], want[1])
		}
	}
	for s, want := range map[string][2]string{"2026": {"2026-01-01", "2026-12-31"}, "2026-Q2": {"2026-04-01", "2026-06-30"},
		"2026-02": {"2026-02-01", "2026-02-28"}, "2024-02": {"2024-02-01", "2024-02-29"}, "2026-03-05": {"2026-03-05", "2026-03-05"}} {
		p, err := ParsePeriod(s)
		from, to := p.Dates()
		if err != nil || from != want[0] || to != want[1] {
			t.Errorf("%s: %s..%s %v", s, from, to, err)
		}
	}
	for _, bad := range []string{"26", "2026-13", "2026-Q5", "2026-02-30", "x"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if Bucket("2026-05-17", Quarter) != "2026-Q2" || Bucket("2026-05-17", Month) != "2026-05" || Bucket("2026-05-17", Year) != "2026" {
		t.Fatal("buckets")
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026", "2026-Q1", "2026-02", "2026-02-28", "2026-13", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if p.To.Before(p.From) {
			t.Fatalf("%q: period ends before it starts", s)
		}
		from, _ := p.Dates()
		if Bucket(from, Quarter) == "" {
			t.Fatalf("%q: no bucket", s)
		}
	})
}

func TestSyncTimeliness(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	h := time.Hour
	changes := []SyncChange{
		{ChangedAt: t0, AckedAt: t0.Add(time.Minute)},               // prompt
		{ChangedAt: t0, AckedAt: t0.Add(2 * h)},                     // within 24 h
		{ChangedAt: t0, AckedAt: t0.Add(30 * h)},                    // late
		{ChangedAt: t0},                                             // never, bound elapsed: judged late
		{ChangedAt: t0.Add(47 * h)},                                 // not yet, still within its bound: not judged
		{ChangedAt: t0.Add(time.Hour), AckedAt: t0.Add(-time.Hour)}, // clock skew: lag 0
	}
	got := Timeliness(changes, 24*h, t0.Add(48*h))
	if got.AckedWithinBound != (Ratio{Num: 3, Den: 5}) || got.Unacknowledged != 2 {
		t.Fatalf("%+v", got)
	}
	// Lags sorted: 0, 1 min, 2 h, 30 h → p50 is the 2nd, p95 the 4th.
	if got.LagP50 != time.Minute || got.LagP95 != 30*h {
		t.Fatalf("lags %v %v", got.LagP50, got.LagP95)
	}
	if z := Timeliness(nil, h, t0); z.LagP50 != 0 || z.AckedWithinBound.Den != 0 {
		t.Fatalf("%+v", z)
	}
}

// The identity and hand-off metrics follow the sealed verification and
// hand-off on the dossier: a pending check answered later moves pending to
// verified (or to a mismatch), and the figures divide by checked dossiers.
func TestIdentityAndHandoffContribution(t *testing.T) {
	pending := &domain.Dossier{Identity: &domain.IdentityVerification{Outcome: domain.OutcomePending}}
	v, _ := Contribution(pending)
	if v[IdentityChecked] != 1 || v[IdentityPending] != 1 || v[IdentityVerified] != 0 || v[ProcessedWhilePending] != 0 {
		t.Fatalf("pending: %v", v)
	}
	answered := *pending
	answered.Identity = &domain.IdentityVerification{Outcome: domain.OutcomeNoMatch, Flag: domain.FlagIdentityMismatch, PendingWhileProcessed: true}
	delta, _ := Change(pending, &answered, Key{})
	if delta.Vector[IdentityPending] != -1 || delta.Vector[IdentityMismatches] != 1 || delta.Vector[ProcessedWhilePending] != 1 ||
		delta.Vector[IdentityChecked] != 0 || delta.Vector[IdentityVerified] != 0 {
		t.Fatalf("answered later with a mismatch: %v", delta.Vector)
	}
	prefilled := &domain.Dossier{Identity: &domain.IdentityVerification{Outcome: domain.OutcomeMatch, Prefilled: []string{"name", "birth_date"}},
		Handoff: &domain.Handoff{Status: domain.HandoffPending}}
	unchecked := &domain.Dossier{Identity: &domain.IdentityVerification{}, Handoff: &domain.Handoff{Status: domain.HandoffSent}}
	var rows []Row
	for _, d := range []*domain.Dossier{pending, prefilled, unchecked} {
		v, _ := Contribution(d)
		rows = append(rows, Row{Vector: v})
	}
	in := Compute(rows, Facts{})
	if in.IdentityChecked != 2 || in.IdentityVerified != (Ratio{1, 3}) || in.EnteredOnce != (Ratio{1, 2}) ||
		in.PrefilledFields != (Ratio{2, 6}) || in.HandoffsWithoutRekeying != (Ratio{1, 2}) || in.IdentityPending != 1 {
		t.Fatalf("computed: %+v", in)
	}
}

func TestWholeYears(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		p    Period
		want bool
	}{
		{YearOf(2026), true},
		{Period{From: d(2025, 1, 1), To: d(2026, 12, 31)}, true},
		{YearOf(2024), true}, // a leap year
		{Period{From: d(2026, 1, 1), To: d(2026, 12, 30)}, false},
		{Period{From: d(2026, 1, 2), To: d(2026, 12, 31)}, false},
		{Period{From: d(2026, 1, 1), To: d(2026, 6, 30)}, false},
	} {
		if got := c.p.WholeYears(); got != c.want {
			t.Errorf("%v–%v: WholeYears %v, want %v", c.p.From, c.p.To, got, c.want)
		}
	}
}
