package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/domain"
	report "github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/store"
)

// The two aggregate periods as the Stats port takes them. When the port
// takes a typed period, these two lines are the only ones to change.
const (
	periodDay   = report.Day
	periodMonth = report.Month
)

const (
	agencyA = "000.00.01.H55"
	agencyB = "000.01.01.H55"
)

func plus(a, b report.Vector) report.Vector {
	a.Add(b)
	return a
}

func vec(pairs ...any) report.Vector {
	var v report.Vector
	for i := 0; i < len(pairs); i += 2 {
		v[pairs[i].(report.Metric)] += int64(pairs[i+1].(int))
	}
	return v
}

// testStatsAggregates checks ApplyStats, ListStatRows, SumStats,
// SumDurations and ProceduresWithOnlineFilings on one set of deltas.
func testStatsAggregates(t *testing.T, s store.Store) {
	ctx := context.Background()
	k1 := report.Key{Agency: agencyA, Procedure: "1.000001", Field: "HT", Channel: domain.ChannelOnline, FiledBy: domain.ActorCitizen, Day: "2026-02-13"}
	k2 := report.Key{Agency: agencyA, Procedure: "1.000002", Field: "CT", Channel: domain.ChannelCounter, FiledBy: domain.ActorStaff, Day: "2026-02-14"}
	k3 := report.Key{Agency: agencyA, Procedure: "1.000001", Field: "HT", Channel: domain.ChannelOnline, FiledBy: domain.ActorStaffOnBehalf, Day: "2026-03-01"}
	k4 := report.Key{Agency: agencyB, Procedure: "1.000001", Field: "HT", Channel: domain.ChannelOnline, FiledBy: domain.ActorCitizen, Day: "2026-02-13"}
	// An online row with nothing filed: not an online filing.
	k5 := report.Key{Agency: agencyA, Procedure: "1.000002", Field: "CT", Channel: domain.ChannelOnline, FiledBy: domain.ActorCitizen, Day: "2026-02-14"}

	// A rolled-back transaction leaves no aggregate behind.
	boom := errors.New("boom")
	wantErr(t, s.InTx(ctx, func(ctx context.Context) error {
		must(t, s.ApplyStats(ctx, []report.Delta{{Key: k1, Vector: vec(report.Filed, 9), Buckets: map[int]int64{3: 1}}}))
		return boom
	}), boom)

	must(t, s.InTx(ctx, func(ctx context.Context) error {
		return s.ApplyStats(ctx, []report.Delta{
			{Key: k1, Vector: vec(report.Filed, 1, report.Received, 1, report.Running, 1), Buckets: map[int]int64{2: 1}},
			{Key: k2, Vector: vec(report.Filed, 1, report.Received, 1)},
		})
	}))
	must(t, s.ApplyStats(ctx, []report.Delta{
		// Same row again: added to, with a metric going down and a bucket moving.
		{Key: k1, Vector: vec(report.Filed, 1, report.Running, -1, report.ResolvedOnTime, 1), Buckets: map[int]int64{2: 1, 9: 1}},
		{Key: k1, Buckets: map[int]int64{2: -1}},
		// Buckets only, no metric: the durations row still changes.
		{Key: k2, Buckets: map[int]int64{8: 1}},
		{Key: k3, Vector: vec(report.Filed, 1)},
		{Key: k4, Vector: vec(report.Filed, 3)},
		{Key: k5, Vector: vec(report.Returned, 1)},
		// The same row twice in one call (gormstore writes a call's rows
		// in one statement): both added.
		{Key: k4, Vector: vec(report.Filed, 2)},
	}))

	wantVec := map[report.Key]report.Vector{
		k1: vec(report.Filed, 2, report.Received, 1, report.ResolvedOnTime, 1),
		k2: vec(report.Filed, 1, report.Received, 1),
		k3: vec(report.Filed, 1),
		k4: vec(report.Filed, 5),
		k5: vec(report.Returned, 1),
	}
	wantDur := map[report.Key]map[int]int64{k1: {2: 1, 9: 1}, k2: {8: 1}}
	monthKey := func(k report.Key) report.Key { k.Day = k.Month(); return k }
	for _, period := range []report.Granularity{periodDay, periodMonth} {
		vecs, durs, err := s.ListStatRows(ctx, period)
		must(t, err)
		if len(vecs) != len(wantVec) {
			t.Fatalf("ListStatRows(%v): %d rows, want %d: %v", period, len(vecs), len(wantVec), vecs)
		}
		for k, v := range wantVec {
			if period == periodMonth {
				k = monthKey(k)
			}
			if vecs[k] != v {
				t.Errorf("ListStatRows(%v)[%+v] = %v, want %v", period, k, vecs[k], v)
			}
		}
		nDur, wantN := 0, 0
		for k, b := range wantDur {
			if period == periodMonth {
				k = monthKey(k)
			}
			for bucket, n := range b {
				if durs[k][bucket] != n {
					t.Errorf("ListStatRows(%v) durations[%+v][%d] = %d, want %d", period, k, bucket, durs[k][bucket], n)
				}
			}
			nDur += len(durs[k])
			wantN += len(b)
		}
		if nDur != wantN || len(durs) != 2 {
			t.Errorf("ListStatRows(%v) durations: %v", period, durs)
		}
	}

	// SumStats, not grouped by day: one row per channel and filer kind.
	type ck struct {
		ch   domain.Channel
		kind domain.ActorKind
	}
	sum := func(q store.StatsQuery) map[ck]report.Row {
		t.Helper()
		rows, err := s.SumStats(ctx, q)
		must(t, err)
		out := map[ck]report.Row{}
		for _, r := range rows {
			if _, dup := out[ck{r.Channel, r.FiledBy}]; dup && !q.GroupByDay {
				t.Fatalf("SumStats(%+v): two rows for %v/%v", q, r.Channel, r.FiledBy)
			}
			out[ck{r.Channel, r.FiledBy}] = r
		}
		return out
	}
	got := sum(store.StatsQuery{Period: periodDay, From: "2026-02-13", To: "2026-02-14", Agencies: []string{agencyA}})
	if len(got) != 2 ||
		got[ck{domain.ChannelOnline, domain.ActorCitizen}].Vector != plus(wantVec[k1], wantVec[k5]) ||
		got[ck{domain.ChannelCounter, domain.ActorStaff}].Vector != wantVec[k2] {
		t.Fatalf("SumStats(day, agency A, 13–14 Feb): %+v", got)
	}
	got = sum(store.StatsQuery{Period: periodMonth, From: "2026-02", To: "2026-03", Agencies: []string{agencyA, agencyB}, Channel: domain.ChannelOnline})
	if len(got) != 2 || got[ck{domain.ChannelOnline, domain.ActorCitizen}].Vector != vec(report.Filed, 7, report.Received, 1, report.ResolvedOnTime, 1, report.Returned, 1) ||
		got[ck{domain.ChannelOnline, domain.ActorStaffOnBehalf}].Vector != wantVec[k3] {
		t.Fatalf("SumStats(month, online, A+B): %+v", got)
	}
	got = sum(store.StatsQuery{Period: periodMonth, From: "2026-02", To: "2026-03", Agencies: []string{agencyA}, Field: "CT"})
	if len(got) != 2 || got[ck{domain.ChannelCounter, domain.ActorStaff}].Vector != wantVec[k2] {
		t.Fatalf("SumStats(field CT): %+v", got)
	}
	got = sum(store.StatsQuery{Period: periodDay, From: "2026-02-13", To: "2026-02-13", Agencies: []string{agencyA}, Procedure: "1.000002"})
	if len(got) != 0 {
		t.Fatalf("SumStats(procedure 1.000002 on 13 Feb): %+v", got)
	}
	rows, err := s.SumStats(ctx, store.StatsQuery{Period: periodDay, From: "2026-02-01", To: "2026-03-31",
		Agencies: []string{agencyA, agencyB}, Procedure: "1.000001", GroupByDay: true})
	must(t, err)
	byDay := map[string]report.Vector{}
	for _, r := range rows {
		v := byDay[r.Day]
		v.Add(r.Vector)
		byDay[r.Day] = v
	}
	if len(rows) != 2 || byDay["2026-02-13"] != vec(report.Filed, 7, report.Received, 1, report.ResolvedOnTime, 1) ||
		byDay["2026-03-01"] != wantVec[k3] {
		t.Fatalf("SumStats grouped by day: %+v", rows)
	}
	// Grouped by agency: the same sums split by agency.
	rows, err = s.SumStats(ctx, store.StatsQuery{Period: periodDay, From: "2026-02-01", To: "2026-03-31",
		Agencies: []string{agencyA, agencyB}, Procedure: "1.000001", GroupByAgency: true})
	must(t, err)
	byAgency := map[string]report.Vector{}
	for _, r := range rows {
		if r.Day != "" {
			t.Fatalf("SumStats grouped by agency only: a row with a day: %+v", r)
		}
		v := byAgency[r.Agency]
		v.Add(r.Vector)
		byAgency[r.Agency] = v
	}
	if len(byAgency) != 2 || byAgency[agencyA] != plus(wantVec[k1], wantVec[k3]) || byAgency[agencyB] != wantVec[k4] {
		t.Fatalf("SumStats grouped by agency: %+v", rows)
	}

	dur := func(q store.StatsQuery) map[int]int64 {
		t.Helper()
		m, err := s.SumDurations(ctx, q)
		must(t, err)
		return m
	}
	if m := dur(store.StatsQuery{Period: periodDay, From: "2026-02-13", To: "2026-02-14", Agencies: []string{agencyA}}); fmt.Sprint(m) != "map[2:1 8:1 9:1]" {
		t.Fatalf("SumDurations(day, A): %v", m)
	}
	if m := dur(store.StatsQuery{Period: periodMonth, From: "2026-02", To: "2026-02", Agencies: []string{agencyA, agencyB}, Procedure: "1.000002"}); fmt.Sprint(m) != "map[8:1]" {
		t.Fatalf("SumDurations(month, procedure 1.000002): %v", m)
	}
	if m := dur(store.StatsQuery{Period: periodDay, From: "2026-02-13", To: "2026-02-14", Agencies: []string{agencyB}}); len(m) != 0 {
		t.Fatalf("SumDurations(agency B): %v", m)
	}

	online := func(q store.StatsQuery, genuine bool) []string {
		t.Helper()
		codes, genuineCodes, err := s.ProceduresWithOnlineFilings(ctx, q)
		must(t, err)
		if genuine {
			codes = genuineCodes
		}
		slices.Sort(codes)
		return codes
	}
	feb := store.StatsQuery{Period: periodMonth, From: "2026-02", To: "2026-02", Agencies: []string{agencyA}}
	mar := store.StatsQuery{Period: periodMonth, From: "2026-03", To: "2026-03", Agencies: []string{agencyA}}
	if c := online(feb, false); fmt.Sprint(c) != "[1.000001]" {
		t.Fatalf("ProceduresWithOnlineFilings(Feb): %v", c)
	}
	if c := online(mar, false); fmt.Sprint(c) != "[1.000001]" {
		t.Fatalf("ProceduresWithOnlineFilings(Mar): %v", c)
	}
	if c := online(mar, true); len(c) != 0 {
		t.Fatalf("ProceduresWithOnlineFilings(Mar, genuine only) counts an assisted filing: %v", c)
	}
	if c := online(store.StatsQuery{Period: periodDay, From: "2026-02-01", To: "2026-03-31", Agencies: []string{agencyA}}, true); fmt.Sprint(c) != "[1.000001]" {
		t.Fatalf("ProceduresWithOnlineFilings(day, genuine only): %v", c)
	}
}

// testStatsUnits checks ApplyUnitStats, ListUnitStatRows, SumUnitStats and
// CountOpenOverdueSteps.
func testStatsUnits(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	must(t, s.ApplyUnitStats(ctx, []report.UnitDelta{
		{Unit: agencyA, Day: "2026-02-13", Finished: 2, Late: 1, LateMinutes: 30},
		{Unit: agencyA, Day: "2026-02-13", Finished: 1},
		{Unit: agencyA, Day: "2026-02-20", Finished: 1, Late: 1, LateMinutes: 15},
	}))
	must(t, s.InTx(ctx, func(ctx context.Context) error {
		return s.ApplyUnitStats(ctx, []report.UnitDelta{{Unit: agencyB, Day: "2026-03-02", Finished: 4}})
	}))
	day, err := s.ListUnitStatRows(ctx, periodDay)
	must(t, err)
	want := map[[2]string]store.UnitRow{
		{agencyA, "2026-02-13"}: {Unit: agencyA, Day: "2026-02-13", Finished: 3, Late: 1, LateMinutes: 30},
		{agencyA, "2026-02-20"}: {Unit: agencyA, Day: "2026-02-20", Finished: 1, Late: 1, LateMinutes: 15},
		{agencyB, "2026-03-02"}: {Unit: agencyB, Day: "2026-03-02", Finished: 4},
	}
	if fmt.Sprint(day) != fmt.Sprint(want) {
		t.Fatalf("ListUnitStatRows(day) = %v, want %v", day, want)
	}
	month, err := s.ListUnitStatRows(ctx, periodMonth)
	must(t, err)
	want = map[[2]string]store.UnitRow{
		{agencyA, "2026-02"}: {Unit: agencyA, Day: "2026-02", Finished: 4, Late: 2, LateMinutes: 45},
		{agencyB, "2026-03"}: {Unit: agencyB, Day: "2026-03", Finished: 4},
	}
	if fmt.Sprint(month) != fmt.Sprint(want) {
		t.Fatalf("ListUnitStatRows(month) = %v, want %v", month, want)
	}

	sumUnits := func(period report.Granularity, from, to string, units []string) string {
		t.Helper()
		rows, err := s.SumUnitStats(ctx, period, from, to, units)
		must(t, err)
		sort.Slice(rows, func(i, j int) bool { return rows[i].Unit < rows[j].Unit })
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%s:%d/%d/%d", r.Unit, r.Finished, r.Late, r.LateMinutes))
		}
		return fmt.Sprint(out)
	}
	for _, c := range []struct {
		period   report.Granularity
		from, to string
		units    []string
		want     string
	}{
		{periodDay, "2026-02-13", "2026-02-19", nil, "[000.00.01.H55:3/1/30]"},
		{periodDay, "2026-02-13", "2026-02-20", nil, "[000.00.01.H55:4/2/45]"},
		{periodMonth, "2026-02", "2026-03", nil, "[000.00.01.H55:4/2/45 000.01.01.H55:4/0/0]"},
		{periodMonth, "2026-02", "2026-03", []string{agencyB}, "[000.01.01.H55:4/0/0]"},
		{periodMonth, "2026-04", "2026-12", nil, "[]"},
	} {
		if got := sumUnits(c.period, c.from, c.to, c.units); got != c.want {
			t.Errorf("SumUnitStats(%v, %s, %s, %v) = %s, want %s", c.period, c.from, c.to, c.units, got, c.want)
		}
	}

	// Open steps: late only while open, past due, and the clock running.
	seq := 0
	open := func(st domain.Status, unit string, due time.Duration, outcome domain.SlipOutcome) {
		seq++
		d := Dossier(agencyA, "1.000001", seq)
		d.Status = st
		must(t, s.CreateDossier(ctx, d))
		r := &domain.SlipRow{DossierID: d.ID, StepIndex: 0, StepName: "s", UnitCode: unit, Role: domain.RoleSpecialist,
			StartedAt: t0, DueAt: t0.Add(due), Outcome: outcome}
		if outcome != domain.SlipOpen {
			r.FinishedAt = t0.Add(due + time.Hour)
		}
		must(t, s.PutSlipRow(ctx, r))
	}
	open(domain.StatusReceived, agencyA, time.Hour, domain.SlipOpen)
	open(domain.StatusProcessing, agencyB, 3*time.Hour, domain.SlipOpen)
	open(domain.StatusAwaitingSupplement, agencyA, 30*time.Minute, domain.SlipOpen) // paused: not late
	open(domain.StatusProcessing, agencyA, 20*time.Minute, domain.SlipFinished)     // finished late: not open
	open(domain.StatusResolved, agencyB, 10*time.Minute, domain.SlipOpen)           // clock stopped
	for _, c := range []struct {
		units []string
		now   time.Duration
		want  string
	}{
		{nil, 2 * time.Hour, "map[000.00.01.H55:1]"},
		{nil, 4 * time.Hour, "map[000.00.01.H55:1 000.01.01.H55:1]"},
		{[]string{agencyB}, 4 * time.Hour, "map[000.01.01.H55:1]"},
		{nil, 0, "map[]"},
	} {
		m, err := s.CountOpenOverdueSteps(ctx, c.units, t0.Add(c.now))
		must(t, err)
		if fmt.Sprint(m) != c.want {
			t.Errorf("CountOpenOverdueSteps(%v, t0+%v) = %v, want %s", c.units, c.now, m, c.want)
		}
	}
}

// testStatsOverdue checks CountOverdue and ListOverdueCreated.
func testStatsOverdue(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	p3 := Procedure("1.000003", agencyA)
	p3.FieldCode, p3.FieldName = "CT", "Chứng thực"
	must(t, s.CreateProcedure(ctx, p3))
	seq := 0
	add := func(agency, procedure string, st domain.Status, ch domain.Channel, created, due time.Duration) {
		seq++
		d := Dossier(agency, procedure, seq)
		d.Status, d.Channel, d.CreatedAt, d.OriginalDueAt = st, ch, t0.Add(created), t0.Add(due)
		must(t, s.CreateDossier(ctx, d))
	}
	add(agencyA, "1.000001", domain.StatusReceived, domain.ChannelCounter, 0, time.Hour)                 // overdue
	add(agencyA, "1.000001", domain.StatusProcessing, domain.ChannelOnline, time.Minute, time.Hour)      // overdue
	add(agencyA, "1.000001", domain.StatusReceived, domain.ChannelCounter, 0, 5*time.Hour)               // not yet due
	add(agencyA, "1.000001", domain.StatusAwaitingSupplement, domain.ChannelCounter, 0, time.Hour)       // paused
	add(agencyA, "1.000001", domain.StatusResolved, domain.ChannelCounter, 0, time.Hour)                 // ended
	add(agencyB, "1.000001", domain.StatusReceived, domain.ChannelCounter, 0, time.Hour)                 // other agency
	add(agencyA, "1.000003", domain.StatusReceived, domain.ChannelCounter, 2*time.Minute, time.Hour)     // overdue, field CT
	add(agencyA, "1.000001", domain.StatusReceived, domain.ChannelCounter, -48*time.Hour, -47*time.Hour) // filed earlier
	base := store.StatsQuery{Agencies: []string{agencyA}, CreatedFrom: t0.Add(-time.Hour), CreatedTo: t0.Add(time.Hour)}
	now := t0.Add(2 * time.Hour)
	for _, c := range []struct {
		name string
		edit func(q *store.StatsQuery)
		want []time.Duration // filing times, from t0
	}{
		{"all", func(*store.StatsQuery) {}, []time.Duration{0, time.Minute, 2 * time.Minute}},
		{"procedure", func(q *store.StatsQuery) { q.Procedure = "1.000001" }, []time.Duration{0, time.Minute}},
		{"field", func(q *store.StatsQuery) { q.Field = "CT" }, []time.Duration{2 * time.Minute}},
		{"channel", func(q *store.StatsQuery) { q.Channel = domain.ChannelOnline }, []time.Duration{time.Minute}},
		{"two agencies", func(q *store.StatsQuery) { q.Agencies = []string{agencyA, agencyB} }, []time.Duration{0, 0, time.Minute, 2 * time.Minute}},
		{"filed before", func(q *store.StatsQuery) { q.CreatedTo = t0.Add(time.Minute) }, []time.Duration{0}},
		{"earlier period", func(q *store.StatsQuery) { q.CreatedFrom, q.CreatedTo = t0.Add(-72*time.Hour), t0.Add(-time.Hour) },
			[]time.Duration{-48 * time.Hour}},
	} {
		q := base
		c.edit(&q)
		n, err := s.CountOverdue(ctx, q, now)
		must(t, err)
		if n != int64(len(c.want)) {
			t.Errorf("CountOverdue(%s) = %d, want %d", c.name, n, len(c.want))
		}
		byAgency, err := s.CountOverdueCohortByAgency(ctx, q, now)
		must(t, err)
		var total int64
		for _, m := range byAgency {
			total += m
		}
		if total != n || (c.name == "two agencies" && (byAgency[agencyA] != 3 || byAgency[agencyB] != 1)) {
			t.Errorf("CountOverdueCohortByAgency(%s) = %v, CountOverdue %d", c.name, byAgency, n)
		}
		ts, err := s.ListOverdueCreated(ctx, q, now)
		must(t, err)
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		ok := len(ts) == len(c.want)
		for i := 0; ok && i < len(ts); i++ {
			ok = ts[i].Equal(t0.Add(c.want[i])) && ts[i].Location() == time.UTC
		}
		if !ok {
			t.Errorf("ListOverdueCreated(%s) = %v, want t0 + %v", c.name, ts, c.want)
		}
	}
	if n, err := s.CountOverdue(ctx, base, t0); err != nil || n != 0 {
		t.Fatalf("CountOverdue before any deadline = %d, %v", n, err)
	}
}

// testStatsVerificationReads checks the reads the indicators verifier uses:
// ListDossierPage, ListFinishedSlipRows, ListEventsOf and ProceduresOf.
func testStatsVerificationReads(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	must(t, s.CreateProcedure(ctx, Procedure("1.000004", agencyB)))
	var ids []string
	nEvents := map[string]int{}
	for i := 1; i <= 7; i++ {
		d := Dossier(agencyA, "1.000001", i)
		d.Status = domain.StatusProcessing
		must(t, s.CreateDossier(ctx, d))
		ids = append(ids, d.ID)
		nEvents[d.ID] = i%3 + 1
		for seq := int64(1); seq <= int64(i%3+1); seq++ {
			must(t, s.AppendEvent(ctx, &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: seq, Action: domain.ActionReceive,
				To: domain.StatusReceived, StepIndex: -1, At: t0.Add(time.Duration(seq) * time.Minute), DossierVersion: seq,
				Attribution: domain.Attribution{Channel: domain.ChannelCounter, ActorID: "clerk1", ActorKind: domain.ActorStaff},
				PrevHash:    fmt.Sprint(i, "-", seq-1), Hash: fmt.Sprint(i, "-", seq)}))
		}
	}
	slices.Sort(ids)

	// ListDossierPage pages through every dossier by id.
	var paged []string
	after := ""
	for {
		page, err := s.ListDossierPage(ctx, after, 3)
		must(t, err)
		for _, d := range page {
			if d.Status != domain.StatusProcessing || d.AgencyCode != agencyA {
				t.Fatalf("ListDossierPage round trip: %+v", d)
			}
			paged = append(paged, d.ID)
		}
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(paged, ids) {
		t.Fatalf("ListDossierPage: %v, want %v", paged, ids)
	}

	// ListFinishedSlipRows keeps only finished rows of the dossiers asked for.
	row := func(id string, step int, outcome domain.SlipOutcome) {
		r := &domain.SlipRow{DossierID: id, StepIndex: step, StepName: fmt.Sprint("step ", step), UnitCode: agencyA,
			Role: domain.RoleSpecialist, Assignee: "cv1", StartedAt: t0, DueAt: t0.Add(time.Hour), Outcome: outcome}
		if outcome != domain.SlipOpen {
			r.FinishedAt = t0.Add(90 * time.Minute)
		}
		must(t, s.PutSlipRow(ctx, r))
	}
	row(ids[0], 0, domain.SlipFinished)
	row(ids[0], 1, domain.SlipOpen)
	row(ids[1], 0, domain.SlipEnded)
	row(ids[2], 0, domain.SlipFinished)
	row(ids[2], 1, domain.SlipFinished)
	row(ids[3], 0, domain.SlipFinished) // not asked for
	slips, err := s.ListFinishedSlipRows(ctx, ids[:3])
	must(t, err)
	var got []string
	for _, r := range slips {
		got = append(got, fmt.Sprint(r.DossierID, "/", r.StepIndex))
		if r.Outcome != domain.SlipFinished || !r.FinishedAt.Equal(t0.Add(90*time.Minute)) || r.Assignee != "cv1" {
			t.Fatalf("ListFinishedSlipRows row: %+v", r)
		}
	}
	slices.Sort(got)
	if want := []string{ids[0] + "/0", ids[2] + "/0", ids[2] + "/1"}; !slices.Equal(got, want) {
		t.Fatalf("ListFinishedSlipRows = %v, want %v", got, want)
	}

	// ListEventsOf returns the dossiers' events by dossier, then sequence.
	ask := []string{ids[4], ids[1], ids[2]}
	evs, err := s.ListEventsOf(ctx, ask)
	must(t, err)
	got = got[:0]
	for _, e := range evs {
		got = append(got, fmt.Sprint(e.DossierID, "#", e.Seq))
	}
	var want []string
	sortedAsk := slices.Clone(ask)
	slices.Sort(sortedAsk)
	for _, id := range sortedAsk {
		for seq := 1; seq <= nEvents[id]; seq++ {
			want = append(want, fmt.Sprint(id, "#", seq))
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ListEventsOf = %v, want %v", got, want)
	}
	if evs[0].Attribution.ActorID != "clerk1" || evs[0].Hash == "" || !evs[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ListEventsOf round trip: %+v", evs[0])
	}

	// ProceduresOf: the agencies' procedures by code, with their versions.
	procs := func(agencies ...string) string {
		t.Helper()
		ps, err := s.ProceduresOf(ctx, agencies)
		must(t, err)
		var out []string
		for _, p := range ps {
			if len(p.Versions) == 0 || p.Versions[0].StatutoryMinutes != 3*domain.MinutesPerWorkingDay {
				t.Fatalf("ProceduresOf without its versions: %+v", p)
			}
			out = append(out, fmt.Sprint(p.Code, "@", p.AgencyCode, "v", len(p.Versions)))
		}
		return fmt.Sprint(out)
	}
	v2 := Procedure("1.000002", agencyA).Versions[0]
	v2.Version, v2.EffectiveAt = 2, t0.Add(time.Hour)
	must(t, s.AddProcedureVersion(ctx, "1.000002", &v2))
	if got := procs(agencyA); got != "[1.000001@000.00.01.H55v1 1.000002@000.00.01.H55v2]" {
		t.Fatalf("ProceduresOf(A) = %s", got)
	}
	if got := procs(agencyB); got != "[1.000004@000.01.01.H55v1]" {
		t.Fatalf("ProceduresOf(B) = %s", got)
	}
	if got := procs(agencyA, agencyB); got != "[1.000001@000.00.01.H55v1 1.000002@000.00.01.H55v2 1.000004@000.01.01.H55v1]" {
		t.Fatalf("ProceduresOf(A, B) = %s", got)
	}
	if got := procs("000.09.09.H55"); got != "[]" {
		t.Fatalf("ProceduresOf(unknown) = %s", got)
	}
}

// testStatsBulkApply: one ApplyStats with more rows than a statement may
// carry parameters for (a seed's aggregates of one agency) stores them all.
func testStatsBulkApply(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ds []report.Delta
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		k := report.Key{Agency: agencyA, Procedure: fmt.Sprintf("1.%06d", i%50), Field: "HT", Channel: domain.ChannelCounter,
			FiledBy: domain.ActorStaff, Day: day.AddDate(0, 0, i/50).Format("2006-01-02")}
		ds = append(ds, report.Delta{Key: k, Vector: vec(report.Filed, 1, report.Received, 1)})
	}
	must(t, s.InTx(ctx, func(ctx context.Context) error { return s.ApplyStats(ctx, ds) }))
	for _, q := range []store.StatsQuery{
		{Period: periodDay, From: "2026-01-01", To: "2026-12-31", Agencies: []string{agencyA}},
		{Period: periodMonth, From: "2026-01", To: "2026-12", Agencies: []string{agencyA}},
	} {
		rows, err := s.SumStats(ctx, q)
		must(t, err)
		var filed int64
		for _, r := range rows {
			filed += r.Vector[report.Filed]
		}
		if filed != 3000 {
			t.Fatalf("%v rows after one bulk ApplyStats count %d filed, want 3000", q.Period, filed)
		}
	}
}

// testStatsYearly: ApplyStats keeps yearly rows beside the daily and
// monthly ones, and a year read from them equals the year read from its
// months.
func testStatsYearly(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := report.Key{Agency: agencyA, Procedure: "1.000001", Field: "HT", Channel: domain.ChannelOnline, FiledBy: domain.ActorCitizen}
	for i, day := range []string{"2025-12-31", "2026-01-01", "2026-03-15", "2026-12-31"} {
		k.Day = day
		must(t, s.ApplyStats(ctx, []report.Delta{{Key: k, Vector: vec(report.Filed, i+1, report.Received, 1), Buckets: map[int]int64{i: 1}}}))
	}
	k.Day = "2026-03-15"
	must(t, s.ApplyStats(ctx, []report.Delta{{Key: k, Vector: vec(report.Received, -1), Buckets: map[int]int64{2: -1, 5: 1}}}))
	year := store.StatsQuery{Period: report.Year, From: "2026", To: "2026", Agencies: []string{agencyA}}
	months := store.StatsQuery{Period: periodMonth, From: "2026-01", To: "2026-12", Agencies: []string{agencyA}}
	y, err := s.SumStats(ctx, year)
	must(t, err)
	m, err := s.SumStats(ctx, months)
	must(t, err)
	if len(y) != 1 || fmt.Sprint(y) != fmt.Sprint(m) || y[0].Vector[report.Filed] != 2+3+4 || y[0].Vector[report.Received] != 2 {
		t.Fatalf("the year from its yearly rows %v, from its months %v", y, m)
	}
	yd, err := s.SumDurations(ctx, year)
	must(t, err)
	md, err := s.SumDurations(ctx, months)
	must(t, err)
	if fmt.Sprint(yd) != fmt.Sprint(md) || fmt.Sprint(yd) != "map[1:1 2:0 3:1 5:1]" && fmt.Sprint(yd) != "map[1:1 3:1 5:1]" {
		t.Fatalf("the year's durations from its yearly rows %v, from its months %v", yd, md)
	}
	vecs, _, err := s.ListStatRows(ctx, report.Year)
	must(t, err)
	k.Day = "2025"
	if len(vecs) != 2 || vecs[k][report.Filed] != 1 {
		t.Fatalf("yearly rows: %v", vecs)
	}
}
