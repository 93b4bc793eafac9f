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
	"github.com/motcua/motcua/internal/policy"
	"github.com/motcua/motcua/internal/report"
	"github.com/motcua/motcua/internal/store"
)

// ReportQuery scopes an indicator query.
type ReportQuery struct {
	Agency      string
	SubAgencies bool
	Procedure   string
	Field       string
	Channel     domain.Channel
	Period      report.Period
}

// reportScope checks the principal and resolves the agencies and time zone.
// Auditors read their jurisdiction; leaders their agency and below; admins
// everything.
func (s *Service) reportScope(ctx context.Context, p domain.Principal, q ReportQuery) ([]string, *domain.Agency, error) {
	if err := policy.RequireRole(p, domain.RoleAuditor, domain.RoleLeader, domain.RoleAdmin); err != nil {
		return nil, nil, err
	}
	a, err := s.store.GetAgency(ctx, q.Agency)
	if err != nil {
		return nil, nil, err
	}
	if p.Role != domain.RoleAdmin {
		sub, err := s.store.AgencySubtree(ctx, p.AgencyCode)
		if err != nil {
			return nil, nil, err
		}
		if !slices.Contains(sub, a.Code) {
			return nil, nil, fmt.Errorf("%w: agency %s is outside the jurisdiction of %s", domain.ErrPermissionDenied, a.Code, p.AgencyCode)
		}
	}
	agencies := []string{a.Code}
	if q.SubAgencies {
		if agencies, err = s.store.AgencySubtree(ctx, a.Code); err != nil {
			return nil, nil, err
		}
	}
	if q.Period.To.Before(q.Period.From) {
		return nil, nil, domain.Invalid("period", "ends before it starts")
	}
	return agencies, a, nil
}

func statsQuery(q ReportQuery, agencies []string, loc *time.Location, monthly bool) store.StatsQuery {
	from, to := q.Period.Dates()
	sq := store.StatsQuery{Period: "D", From: from, To: to, Agencies: agencies, Procedure: q.Procedure, Field: q.Field, Channel: q.Channel}
	if monthly {
		sq.Period, sq.From, sq.To = "M", from[:7], to[:7]
	}
	sq.CreatedFrom, sq.CreatedTo = q.Period.In(loc)
	return sq
}

// Indicators computes the figures of a scope and period from the aggregates.
func (s *Service) Indicators(ctx context.Context, p domain.Principal, q ReportQuery) (*report.Indicators, error) {
	agencies, a, err := s.reportScope(ctx, p, q)
	if err != nil {
		return nil, err
	}
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	sq := statsQuery(q, agencies, loc, q.Period.WholeMonths())
	rows, err := s.store.SumStats(ctx, sq)
	if err != nil {
		return nil, err
	}
	f := report.Facts{}
	if f.Durations, err = s.store.SumDurations(ctx, sq); err != nil {
		return nil, err
	}
	if f.OverdueNow, err = s.store.CountOverdue(ctx, sq, s.Now()); err != nil {
		return nil, err
	}
	if err := s.onlineOffer(ctx, a, agencies, q, sq, &f); err != nil {
		return nil, err
	}
	in := report.Compute(rows, f)
	return &in, nil
}

// onlineOffer counts the procedures offered in scope (published by the
// agency, its parents or, with sub-agencies, the agencies below), those
// offered online, and those that received an online filing.
func (s *Service) onlineOffer(ctx context.Context, a *domain.Agency, agencies []string, q ReportQuery, sq store.StatsQuery, f *report.Facts) error {
	chain, err := s.agencyChain(ctx, a)
	if err != nil {
		return err
	}
	publishers := slices.Clone(agencies)
	for _, c := range chain {
		publishers = append(publishers, c.Code)
	}
	procs, err := s.store.ProceduresOf(ctx, publishers)
	if err != nil {
		return err
	}
	used, err := s.store.ProceduresWithOnlineFilings(ctx, sq, true)
	if err != nil {
		return err
	}
	usedAny, err := s.store.ProceduresWithOnlineFilings(ctx, sq, false)
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
	Indicators report.Indicators
}

// IndicatorSeries computes the indicators per day, month, quarter or year.
// Processing-time percentiles and the procedure figures are left out of
// the points (they are in Indicators for the whole period).
func (s *Service) IndicatorSeries(ctx context.Context, p domain.Principal, q ReportQuery, g report.Granularity) ([]SeriesPoint, error) {
	agencies, a, err := s.reportScope(ctx, p, q)
	if err != nil {
		return nil, err
	}
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	monthly := g != report.Day && q.Period.WholeMonths()
	sq := statsQuery(q, agencies, loc, monthly)
	sq.GroupByDay = true
	rows, err := s.store.SumStats(ctx, sq)
	if err != nil {
		return nil, err
	}
	overdue, err := s.store.ListOverdueCreated(ctx, sq, s.Now())
	if err != nil {
		return nil, err
	}
	byBucket := map[string][]report.Row{}
	overdueBy := map[string]int64{}
	for _, r := range rows {
		day := r.Day
		if monthly {
			day += "-01"
		}
		b := report.Bucket(day, g)
		byBucket[b] = append(byBucket[b], r)
	}
	for _, t := range overdue {
		overdueBy[report.Bucket(t.In(loc).Format("2006-01-02"), g)]++
	}
	// Every bucket of the period appears, empty ones included.
	var out []SeriesPoint
	seen := map[string]bool{}
	for d := q.Period.From; !d.After(q.Period.To); d = d.AddDate(0, 0, 1) {
		b := report.Bucket(d.Format("2006-01-02"), g)
		if seen[b] {
			continue
		}
		seen[b] = true
		out = append(out, SeriesPoint{Bucket: b, Indicators: report.Compute(byBucket[b], report.Facts{OverdueNow: overdueBy[b]})})
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
func (s *Service) OverdueByUnit(ctx context.Context, p domain.Principal, q ReportQuery) ([]UnitLateness, error) {
	q.SubAgencies = true
	units, _, err := s.reportScope(ctx, p, q)
	if err != nil {
		return nil, err
	}
	from, to := q.Period.Dates()
	period := "D"
	if q.Period.WholeMonths() {
		period, from, to = "M", from[:7], to[:7]
	}
	rows, err := s.store.SumUnitStats(ctx, period, from, to, units)
	if err != nil {
		return nil, err
	}
	open, err := s.store.CountOpenOverdueSteps(ctx, units, s.Now())
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
func (s *Service) VerifyStats(ctx context.Context, progress func(dossiers int)) ([]StatsDiff, error) {
	want := map[string]map[report.Key]report.Vector{"D": {}, "M": {}}
	wantDur := map[string]map[report.Key]map[int]int64{"D": {}, "M": {}}
	wantUnits := map[string]map[[2]string]store.UnitRow{"D": {}, "M": {}}
	procs := map[string]*domain.Procedure{}
	cals := map[string]*calendarAndLoc{}
	var diffs []StatsDiff
	n := 0
	for after := ""; ; {
		page, err := s.store.ListDossierPage(ctx, after, 500)
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
		events, err := s.store.ListEventsOf(ctx, ids)
		if err != nil {
			return nil, err
		}
		byDossier := map[string][]domain.Event{}
		for _, e := range events {
			byDossier[e.DossierID] = append(byDossier[e.DossierID], e)
		}
		slips, err := s.store.ListFinishedSlipRows(ctx, ids)
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
				if pr, err = s.store.GetProcedure(ctx, d.ProcedureCode); err != nil {
					return nil, err
				}
				procs[d.ProcedureCode] = pr
			}
			cl, err := s.calendarAndLoc(ctx, cals, d.AgencyCode)
			if err != nil {
				return nil, err
			}
			key := report.KeyOf(&d, pr.FieldCode, cl.loc)
			v, bucket := report.Contribution(&d)
			for _, per := range []struct {
				name string
				key  report.Key
			}{{"D", key}, {"M", monthKey(key)}} {
				acc := want[per.name][per.key]
				acc.Add(v)
				want[per.name][per.key] = acc
				if bucket >= 0 {
					if wantDur[per.name][per.key] == nil {
						wantDur[per.name][per.key] = map[int]int64{}
					}
					wantDur[per.name][per.key][bucket]++
				}
			}
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
			u := report.StepFinished(r, cl.cal.Between(r.DueAt, r.FinishedAt), cl.loc)
			for _, per := range []struct{ name, day string }{{"D", u.Day}, {"M", u.Day[:7]}} {
				k := [2]string{u.Unit, per.day}
				row := wantUnits[per.name][k]
				row.Unit, row.Day = u.Unit, per.day
				row.Finished += u.Finished
				row.Late += u.Late
				row.LateMinutes += u.LateMinutes
				wantUnits[per.name][k] = row
			}
		}
		n += len(page)
		if progress != nil {
			progress(n)
		}
		after = page[len(page)-1].ID
	}
	for _, period := range []string{"D", "M"} {
		stored, storedDur, err := s.store.ListStatRows(ctx, period)
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, compareVectors(period, stored, want[period])...)
		diffs = append(diffs, compareDurations(period, storedDur, wantDur[period])...)
		storedUnits, err := s.store.ListUnitStatRows(ctx, period)
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, compareUnits(period, storedUnits, wantUnits[period])...)
	}
	return diffs, nil
}

func monthKey(k report.Key) report.Key { k.Day = k.Month(); return k }

type calendarAndLoc struct {
	cal *calendar.Calendar
	loc *time.Location
}

func (s *Service) calendarAndLoc(ctx context.Context, cache map[string]*calendarAndLoc, agency string) (*calendarAndLoc, error) {
	if c, ok := cache[agency]; ok {
		return c, nil
	}
	a, err := s.store.GetAgency(ctx, agency)
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

func keyString(k report.Key) string {
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

func compareVectors(period string, stored, want map[report.Key]report.Vector) []StatsDiff {
	var out []StatsDiff
	for k := range unionKeys(stored, want) {
		s, w := stored[k], want[k]
		for i, name := range report.MetricNames {
			if s[i] != w[i] {
				out = append(out, StatsDiff{Table: "dossier_stats/" + period, Key: keyString(k), Metric: name, Stored: s[i], Recomputed: w[i]})
			}
		}
	}
	return out
}

func compareDurations(period string, stored, want map[report.Key]map[int]int64) []StatsDiff {
	var out []StatsDiff
	for k := range unionKeys(stored, want) {
		for h := range unionKeys(stored[k], want[k]) {
			if stored[k][h] != want[k][h] {
				out = append(out, StatsDiff{Table: "dossier_stats_durations/" + period, Key: keyString(k),
					Metric: fmt.Sprintf("bucket=%d", h), Stored: stored[k][h], Recomputed: want[k][h]})
			}
		}
	}
	return out
}

func compareUnits(period string, stored, want map[[2]string]store.UnitRow) []StatsDiff {
	var out []StatsDiff
	for k := range unionKeys(stored, want) {
		s, w := stored[k], want[k]
		for _, m := range []struct {
			name string
			s, w int64
		}{{"finished", s.Finished, w.Finished}, {"late", s.Late, w.Late}, {"late_minutes", s.LateMinutes, w.LateMinutes}} {
			if m.s != m.w {
				out = append(out, StatsDiff{Table: "unit_step_stats/" + period, Key: k[0] + "/" + k[1], Metric: m.name, Stored: m.s, Recomputed: m.w})
			}
		}
	}
	return out
}
