package app

import (
	"context"
	"fmt"
	"sort"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// agencyChain returns the agency and its ancestors, nearest first.
func (s *shared) agencyChain(ctx context.Context, a *domain.Agency) ([]*domain.Agency, error) {
	chain := []*domain.Agency{a}
	for cur := a; cur.ParentCode != "" && len(chain) < 16; {
		parent, err := s.reads.GetAgency(ctx, cur.ParentCode)
		if err != nil {
			return nil, err
		}
		chain = append(chain, parent)
		cur = parent
	}
	return chain, nil
}

// calendarFor returns an agency's working calendar (see WorkingCalendar),
// reading its parents and the calendar years from the store.
func (s *shared) calendarFor(ctx context.Context, a *domain.Agency) (*calendar.Calendar, error) {
	chain, err := s.agencyChain(ctx, a)
	if err != nil {
		return nil, err
	}
	scopes := []string{domain.NationalScope}
	for _, ag := range chain {
		scopes = append(scopes, ag.Code)
	}
	years, err := s.reads.ListCalendarYears(ctx, scopes)
	if err != nil {
		return nil, err
	}
	return WorkingCalendar(chain, years)
}

// WorkingCalendar builds the working calendar of chain[0] from its hours and
// time zone, the national special days (as decided in years, or the legal
// defaults for years without a decision), and the local days of the agency
// and its parents (chain, nearest first; the nearest agency wins on a date).
// years may hold other scopes: they are ignored.
func WorkingCalendar(chain []*domain.Agency, years []domain.CalendarYear) (*calendar.Calendar, error) {
	a := chain[0]
	cfg := calendar.DefaultConfig()
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	cfg.Location = loc
	if len(a.WorkingHours) > 0 {
		cfg.Hours = periods(a.WorkingHours)
	}
	rank := map[string]int{}
	for i, ag := range chain {
		rank[ag.Code] = i
	}
	cfg.Years = map[int]calendar.YearDays{}
	local := map[calendar.Date]calendar.SpecialDay{}
	localRank := map[calendar.Date]int{}
	for _, y := range years {
		r, mine := rank[y.Scope]
		if y.Scope != domain.NationalScope && !mine {
			continue
		}
		days, err := toCalendarDays(y.Days)
		if err != nil {
			return nil, fmt.Errorf("stored calendar %s/%d: %w", y.Scope, y.Year, err)
		}
		if y.Scope == domain.NationalScope {
			cfg.Years[y.Year] = days
			continue
		}
		for _, d := range days {
			if seen, ok := localRank[d.Date]; !ok || r < seen {
				local[d.Date], localRank[d.Date] = d, r
			}
		}
	}
	for _, d := range local {
		cfg.Local = append(cfg.Local, d)
	}
	sort.Slice(cfg.Local, func(i, j int) bool { return cfg.Local[i].Date.Before(cfg.Local[j].Date) })
	return calendar.New(cfg)
}

func periods(wh []domain.WorkingPeriod) []calendar.Period {
	out := make([]calendar.Period, len(wh))
	for i, p := range wh {
		out[i] = calendar.Period{Start: calendar.Clock(p.Start), End: calendar.Clock(p.End)}
	}
	return out
}

func toCalendarDays(days []domain.SpecialDay) (calendar.YearDays, error) {
	out := make(calendar.YearDays, 0, len(days))
	for _, d := range days {
		date, err := calendar.ParseDate(d.Date)
		if err != nil {
			return nil, err
		}
		kind := calendar.DayOff
		if d.WorkDay {
			kind = calendar.WorkingDay
		}
		out = append(out, calendar.SpecialDay{Date: date, Kind: kind, Name: d.Name})
	}
	return out, nil
}

func fromCalendarDays(days calendar.YearDays) []domain.SpecialDay {
	out := make([]domain.SpecialDay, len(days))
	for i, d := range days {
		out[i] = domain.SpecialDay{Date: d.Date.String(), WorkDay: d.Kind == calendar.WorkingDay, Name: d.Name}
	}
	return out
}

// CalendarView is the special days in force for a year and agency.
type CalendarView struct {
	Year            int
	Agency          *domain.Agency // nil for the national view
	NationalDecided bool
	National        []domain.SpecialDay
	Local           []domain.SpecialDay
	Updated         domain.CalendarYear
}

// SetCalendarYear replaces the special days of a year, nationally (agency
// "") or for one agency. Deadlines computed from now on use it; deadlines
// already set stay as they were.
func (s *Calendars) SetCalendarYear(ctx context.Context, p domain.Principal, year int, agencyCode string, days []domain.SpecialDay) (*CalendarView, error) {
	if err := policy.RequireRole(p, policy.Admins()...); err != nil {
		return nil, err
	}
	var v domain.Violations
	cdays := make(calendar.YearDays, 0, len(days))
	for i, d := range days {
		date, err := calendar.ParseDate(d.Date)
		if err != nil || date.Year != year {
			v.Add(fmt.Sprintf("days[%d].date", i), "%q is not a date of %d", d.Date, year)
			continue
		}
		kind := calendar.DayOff
		if d.WorkDay {
			kind = calendar.WorkingDay
		}
		cdays = append(cdays, calendar.SpecialDay{Date: date, Kind: kind, Name: d.Name})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := cdays.Validate(year); err != nil {
		return nil, domain.Invalid("days", "%v", err)
	}
	scope := domain.NationalScope
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		if agencyCode != "" {
			if _, err := s.st.GetAgency(ctx, agencyCode); err != nil {
				return err
			}
			scope = agencyCode
		}
		return s.st.PutCalendarYear(ctx, &domain.CalendarYear{Scope: scope, Year: year, Days: fromCalendarDays(cdays),
			UpdatedAt: s.Now(), UpdatedBy: p.Subject})
	})
	if err != nil {
		return nil, err
	}
	s.cache.calendars.clear()
	return s.GetCalendarYear(ctx, year, agencyCode)
}

// GetCalendarYear returns the special days in force for a year and agency.
func (s *Calendars) GetCalendarYear(ctx context.Context, year int, agencyCode string) (*CalendarView, error) {
	view := &CalendarView{Year: year}
	scopes := []string{domain.NationalScope}
	if agencyCode != "" {
		a, err := s.st.GetAgency(ctx, agencyCode)
		if err != nil {
			return nil, err
		}
		view.Agency = a
		chain, err := s.agencyChain(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, ag := range chain {
			scopes = append(scopes, ag.Code)
		}
	}
	years, err := s.st.ListCalendarYears(ctx, scopes)
	if err != nil {
		return nil, err
	}
	for _, y := range years {
		if y.Year != year {
			continue
		}
		if y.Scope == domain.NationalScope {
			view.NationalDecided, view.National, view.Updated = true, y.Days, y
		} else {
			view.Local = append(view.Local, y.Days...)
		}
	}
	if !view.NationalDecided {
		view.National = fromCalendarDays(calendar.VietnamDefaults(year))
	}
	return view, nil
}
