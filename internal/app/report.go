package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/policy"
)

// ReportQuery scopes an indicator query.
type ReportQuery struct {
	Agency      string
	SubAgencies bool
	Procedure   string
	Field       string
	Channel     domain.Channel
	Period      indicators.Period
}

// reportScope checks the principal and resolves the agencies and time zone.
// Auditors read their jurisdiction; leaders their agency and below; admins
// everything.
func (s *IndicatorQueries) reportScope(ctx context.Context, p domain.Principal, q ReportQuery) ([]string, *domain.Agency, error) {
	return reportScope(ctx, s.st, p, q)
}

func reportScope(ctx context.Context, st CatalogReader, p domain.Principal, q ReportQuery) ([]string, *domain.Agency, error) {
	if err := policy.RequireRole(p, policy.Reporters()...); err != nil {
		return nil, nil, err
	}
	a, err := st.GetAgency(ctx, q.Agency)
	if err != nil {
		return nil, nil, err
	}
	if p.Role != domain.RoleAdmin {
		sub, err := st.AgencySubtree(ctx, p.AgencyCode)
		if err != nil {
			return nil, nil, err
		}
		if !slices.Contains(sub, a.Code) {
			return nil, nil, fmt.Errorf("%w: agency %s is outside the jurisdiction of %s", domain.ErrPermissionDenied, a.Code, p.AgencyCode)
		}
	}
	agencies := []string{a.Code}
	if q.SubAgencies {
		if agencies, err = st.AgencySubtree(ctx, a.Code); err != nil {
			return nil, nil, err
		}
	}
	if q.Period.To.Before(q.Period.From) {
		return nil, nil, domain.Invalid("period", "ends before it starts")
	}
	return agencies, a, nil
}

func statsQuery(q ReportQuery, agencies []string, loc *time.Location, monthly bool) StatsQuery {
	from, to := q.Period.Dates()
	sq := StatsQuery{Period: indicators.Day, From: from, To: to, Agencies: agencies, Procedure: q.Procedure, Field: q.Field, Channel: q.Channel}
	if monthly {
		sq.Period, sq.From, sq.To = indicators.Month, from[:7], to[:7]
	}
	sq.CreatedFrom, sq.CreatedTo = q.Period.In(loc)
	return sq
}

// totalsQuery is the query of a period's totals (no series): on the
// coarsest rows that answer the period exactly — yearly rows for whole
// years (a twelfth of the monthly ones to read), monthly for whole months,
// daily otherwise.
func totalsQuery(q ReportQuery, agencies []string, loc *time.Location) StatsQuery {
	sq := statsQuery(q, agencies, loc, q.Period.WholeMonths())
	if q.Period.WholeYears() {
		sq.Period, sq.From, sq.To = indicators.Year, sq.From[:4], sq.To[:4]
	}
	return sq
}

// Indicators computes the figures of a scope and period from the aggregates.
func (s *IndicatorQueries) Indicators(ctx context.Context, p domain.Principal, q ReportQuery) (*indicators.Indicators, error) {
	agencies, a, err := s.reportScope(ctx, p, q)
	if err != nil {
		return nil, err
	}
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	sq := totalsQuery(q, agencies, loc)
	rows, err := s.st.SumStats(ctx, sq)
	if err != nil {
		return nil, err
	}
	f := indicators.Facts{}
	if f.Durations, err = s.st.SumDurations(ctx, sq); err != nil {
		return nil, err
	}
	if f.OverdueNow, err = s.st.CountOverdue(ctx, sq, s.Now()); err != nil {
		return nil, err
	}
	if err := s.onlineOffer(ctx, a, agencies, q, sq, &f); err != nil {
		return nil, err
	}
	in := indicators.Compute(rows, f)
	return &in, nil
}

// onlineOffer counts the procedures offered in scope (published by the
// agency, its parents or, with sub-agencies, the agencies below), those
// offered online, and those that received an online filing.
func (s *IndicatorQueries) onlineOffer(ctx context.Context, a *domain.Agency, agencies []string, q ReportQuery, sq StatsQuery, f *indicators.Facts) error {
	chain, err := s.agencyChain(ctx, a)
	if err != nil {
		return err
	}
	publishers := slices.Clone(agencies)
	for _, c := range chain {
		publishers = append(publishers, c.Code)
	}
	procs, err := s.st.ProceduresOf(ctx, publishers)
	if err != nil {
		return err
	}
	usedAny, used, err := s.st.ProceduresWithOnlineFilings(ctx, sq)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, pr := range procs {
		if (q.Procedure != "" && pr.Code != q.Procedure) || (q.Field != "" && pr.FieldCode != q.Field) {
			continue
		}
		v := pr.VersionAt(now)
		if v == nil {
			continue
		}
		f.Offered++
		if v.ServiceLevel.Online() {
			f.OfferedOnline++
			if slices.Contains(used, pr.Code) {
				f.UsedOnline++
			}
			if slices.Contains(usedAny, pr.Code) {
				f.UsedOnlineReported++
			}
		}
	}
	return nil
}

// SeriesPoint is the indicators of one bucket of a series.
type SeriesPoint struct {
	Bucket     string
	Indicators indicators.Indicators
}

// IndicatorSeries computes the indicators per day, month, quarter or year.
// Processing-time percentiles and the procedure figures are left out of
// the points (they are in Indicators for the whole period).
func (s *IndicatorQueries) IndicatorSeries(ctx context.Context, p domain.Principal, q ReportQuery, g indicators.Granularity) ([]SeriesPoint, error) {
	agencies, a, err := s.reportScope(ctx, p, q)
	if err != nil {
		return nil, err
	}
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	monthly := g != indicators.Day && q.Period.WholeMonths()
	sq := statsQuery(q, agencies, loc, monthly)
	sq.GroupByDay = true
	rows, err := s.st.SumStats(ctx, sq)
	if err != nil {
		return nil, err
	}
	overdue, err := s.st.ListOverdueCreated(ctx, sq, s.Now())
	if err != nil {
		return nil, err
	}
	byBucket := map[string][]indicators.Row{}
	overdueBy := map[string]int64{}
	for _, r := range rows {
		day := r.Day
		if monthly {
			day += "-01"
		}
		b := indicators.Bucket(day, g)
		byBucket[b] = append(byBucket[b], r)
	}
	for _, t := range overdue {
		overdueBy[indicators.Bucket(t.In(loc).Format("2006-01-02"), g)]++
	}
	// Every bucket of the period appears, empty ones included.
	var out []SeriesPoint
	seen := map[string]bool{}
	for d := q.Period.From; !d.After(q.Period.To); d = d.AddDate(0, 0, 1) {
		b := indicators.Bucket(d.Format("2006-01-02"), g)
		if seen[b] {
			continue
		}
		seen[b] = true
		out = append(out, SeriesPoint{Bucket: b, Indicators: indicators.Compute(byBucket[b], indicators.Facts{OverdueNow: overdueBy[b]})})
	}
	return out, nil
}

// UnitLateness ranks a unit by its late workflow steps.
type UnitLateness struct {
	Unit        string
	Finished    int64
	Late        int64
	LateMinutes int64
	OverdueNow  int64
}

// OverdueByUnit ranks the units of an agency (and those below) by late
// workflow steps finished in the period, then by steps overdue now.
func (s *IndicatorQueries) OverdueByUnit(ctx context.Context, p domain.Principal, q ReportQuery) ([]UnitLateness, error) {
	q.SubAgencies = true
	units, _, err := s.reportScope(ctx, p, q)
	if err != nil {
		return nil, err
	}
	from, to := q.Period.Dates()
	g := indicators.Day
	if q.Period.WholeMonths() {
		g, from, to = indicators.Month, from[:7], to[:7]
	}
	rows, err := s.st.SumUnitStats(ctx, g, from, to, units)
	if err != nil {
		return nil, err
	}
	open, err := s.st.CountOpenOverdueSteps(ctx, units, s.Now())
	if err != nil {
		return nil, err
	}
	byUnit := map[string]*UnitLateness{}
	for _, r := range rows {
		byUnit[r.Unit] = &UnitLateness{Unit: r.Unit, Finished: r.Finished, Late: r.Late, LateMinutes: r.LateMinutes}
	}
	for u, n := range open {
		if byUnit[u] == nil {
			byUnit[u] = &UnitLateness{Unit: u}
		}
		byUnit[u].OverdueNow = n
	}
	var out []UnitLateness
	for _, u := range byUnit {
		if u.Late+u.OverdueNow > 0 {
			out = append(out, *u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Late != out[j].Late {
			return out[i].Late > out[j].Late
		}
		if out[i].OverdueNow != out[j].OverdueNow {
			return out[i].OverdueNow > out[j].OverdueNow
		}
		return out[i].Unit < out[j].Unit
	})
	return out, nil
}

// StatsDiff is an aggregate that does not match its recomputation, or (Table
// "dossiers", Key the dossier code, Metric the field) a dossier row field
// that does not match its events, with the values as text.
type StatsDiff struct {
	Table, Key, Metric string
	Stored, Recomputed int64
	// StoredValue and RecomputedValue are set for row fields.
	StoredValue, RecomputedValue string
}

func (d StatsDiff) String() string {
	return fmt.Sprintf("%s %s %s: stored %s, recomputed %s", d.Table, d.Key, d.Metric, d.StoredText(), d.RecomputedText())
}

// StoredText is the stored value as text.
func (d StatsDiff) StoredText() string {
	if d.Table == "dossiers" {
		return d.StoredValue
	}
	return fmt.Sprint(d.Stored)
}

// RecomputedText is the recomputed value as text.
func (d StatsDiff) RecomputedText() string {
	if d.Table == "dossiers" {
		return d.RecomputedValue
	}
	return fmt.Sprint(d.Recomputed)
}

// VerifyStats recomputes every aggregate from the dossiers' events and
// compares it with the stored rows. progress is called after each page.
func (s *IndicatorQueries) VerifyStats(ctx context.Context, progress func(dossiers int)) ([]StatsDiff, error) {
	want := map[indicators.Granularity]*indicators.Totals{indicators.Day: indicators.NewTotals(), indicators.Month: indicators.NewTotals(), indicators.Year: indicators.NewTotals()}
	procs := map[string]*domain.Procedure{}
	cals := map[string]*calendarAndLoc{}
	var diffs []StatsDiff
	n := 0
	for after := ""; ; {
		page, err := s.st.ListDossierPage(ctx, after, 500)
		if err != nil || len(page) == 0 {
			if err != nil {
				return nil, err
			}
			break
		}
		ids := make([]string, len(page))
		for i := range page {
			ids[i] = page[i].ID
		}
		events, err := s.st.ListEventsOf(ctx, ids)
		if err != nil {
			return nil, err
		}
		byDossier := map[string][]domain.Event{}
		for _, e := range events {
			byDossier[e.DossierID] = append(byDossier[e.DossierID], e)
		}
		slips, err := s.st.ListFinishedSlipRows(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i := range page {
			// Keyed and counted from the events, not from the row: a row
			// edited together with its aggregates shows on both.
			d, rowDiffs := replayDossier(page[i], byDossier[page[i].ID])
			for _, f := range rowDiffs {
				diffs = append(diffs, StatsDiff{Table: "dossiers", Key: page[i].Code, Metric: f.Field,
					StoredValue: audit.Show(f.Field, f.Stored), RecomputedValue: audit.Show(f.Field, f.Recomputed)})
			}
			pr, ok := procs[d.ProcedureCode]
			if !ok {
				if pr, err = s.st.GetProcedure(ctx, d.ProcedureCode); err != nil {
					return nil, err
				}
				procs[d.ProcedureCode] = pr
			}
			cl, err := s.calendarAndLoc(ctx, cals, d.AgencyCode)
			if err != nil {
				return nil, err
			}
			key := indicators.KeyOf(&d, pr.FieldCode, cl.loc)
			v, bucket := indicators.Contribution(&d)
			delta := indicators.Delta{Key: key, Vector: v}
			if bucket >= 0 {
				delta.Buckets = map[int]int64{bucket: 1}
			}
			want[indicators.Day].AddDelta(delta)
			delta.Key = monthKey(key)
			want[indicators.Month].AddDelta(delta)
			delta.Key.Day = key.Day[:4]
			want[indicators.Year].AddDelta(delta)
		}
		agencyOf := make(map[string]string, len(page))
		for i := range page {
			agencyOf[page[i].ID] = page[i].AgencyCode
		}
		for i := range slips {
			r := &slips[i]
			cl, err := s.calendarAndLoc(ctx, cals, agencyOf[r.DossierID])
			if err != nil {
				return nil, err
			}
			u := indicators.StepFinished(r, cl.cal.Between(r.DueAt, r.FinishedAt), cl.loc)
			want[indicators.Day].AddUnit(u)
			u.Day = u.Day[:7]
			want[indicators.Month].AddUnit(u)
		}
		n += len(page)
		if progress != nil {
			progress(n)
		}
		after = page[len(page)-1].ID
	}
	// Unit step rows are kept by day and month only: want[Year] has none.
	for _, period := range []indicators.Granularity{indicators.Day, indicators.Month, indicators.Year} {
		stored, storedDur, err := s.st.ListStatRows(ctx, period)
		if err != nil {
			return nil, err
		}
		wantVec, wantDur := map[indicators.Key]indicators.Vector{}, map[indicators.Key]map[int]int64{}
		for k, d := range want[period].Rows {
			wantVec[k] = d.Vector
			if d.Buckets != nil {
				wantDur[k] = d.Buckets
			}
		}
		wantUnits := map[[2]string]UnitRow{}
		for k, u := range want[period].Units {
			wantUnits[k] = UnitRow{Unit: u.Unit, Day: u.Day, Finished: u.Finished, Late: u.Late, LateMinutes: u.LateMinutes}
		}
		diffs = append(diffs, compareVectors(period, stored, wantVec)...)
		diffs = append(diffs, compareDurations(period, storedDur, wantDur)...)
		storedUnits, err := s.st.ListUnitStatRows(ctx, period)
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, compareUnits(period, storedUnits, wantUnits)...)
	}
	return diffs, nil
}

// tableSuffix names the aggregate rows of a granularity in a StatsDiff, as
// the period column does: D (days), M (months) or Y (years).
func tableSuffix(g indicators.Granularity) string {
	switch g {
	case indicators.Month:
		return "M"
	case indicators.Year:
		return "Y"
	}
	return "D"
}

func monthKey(k indicators.Key) indicators.Key { k.Day = k.Month(); return k }

type calendarAndLoc struct {
	cal *calendar.Calendar
	loc *time.Location
}

func (s *IndicatorQueries) calendarAndLoc(ctx context.Context, cache map[string]*calendarAndLoc, agency string) (*calendarAndLoc, error) {
	if c, ok := cache[agency]; ok {
		return c, nil
	}
	a, err := s.st.GetAgency(ctx, agency)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendarFor(ctx, a)
	if err != nil {
		return nil, err
	}
	c := &calendarAndLoc{cal: cal, loc: cal.Location()}
	cache[agency] = c
	return c, nil
}

func keyString(k indicators.Key) string {
	return fmt.Sprintf("%s/%s/%s/%s/%s", k.Agency, k.Day, k.Procedure, k.Channel, k.FiledBy)
}

// unionKeys returns the keys of both maps.
func unionKeys[K comparable, V any](a, b map[K]V) map[K]bool {
	keys := make(map[K]bool, len(a))
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

func compareVectors(period indicators.Granularity, stored, want map[indicators.Key]indicators.Vector) []StatsDiff {
	var out []StatsDiff
	for k := range unionKeys(stored, want) {
		s, w := stored[k], want[k]
		for i, name := range indicators.MetricNames {
			if s[i] != w[i] {
				out = append(out, StatsDiff{Table: "dossier_stats/" + tableSuffix(period), Key: keyString(k), Metric: name, Stored: s[i], Recomputed: w[i]})
			}
		}
	}
	return out
}

func compareDurations(period indicators.Granularity, stored, want map[indicators.Key]map[int]int64) []StatsDiff {
	var out []StatsDiff
	for k := range unionKeys(stored, want) {
		for h := range unionKeys(stored[k], want[k]) {
			if stored[k][h] != want[k][h] {
				out = append(out, StatsDiff{Table: "dossier_stats_durations/" + tableSuffix(period), Key: keyString(k),
					Metric: fmt.Sprintf("bucket=%d", h), Stored: stored[k][h], Recomputed: want[k][h]})
			}
		}
	}
	return out
}

func compareUnits(period indicators.Granularity, stored, want map[[2]string]UnitRow) []StatsDiff {
	var out []StatsDiff
	for k := range unionKeys(stored, want) {
		s, w := stored[k], want[k]
		for _, m := range []struct {
			name string
			s, w int64
		}{{"finished", s.Finished, w.Finished}, {"late", s.Late, w.Late}, {"late_minutes", s.LateMinutes, w.LateMinutes}} {
			if m.s != m.w {
				out = append(out, StatsDiff{Table: "unit_step_stats/" + tableSuffix(period), Key: k[0] + "/" + k[1], Metric: m.name, Stored: m.s, Recomputed: m.w})
			}
		}
	}
	return out
}
