package seed

import (
	"fmt"
	"sort"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
)

// workCalendar builds an agency's working calendar from the snapshot the
// way the server does (its hours and time zone, the national special days
// as decided or the legal defaults, and the local days of the agency and
// its parents, the nearest agency winning on a date). The generator uses it
// only to decide when people act; deadlines are computed by the use cases
// themselves, on the server's own calendar.
func workCalendar(snap *snapshot, a *domain.Agency) (*calendar.Calendar, error) {
	cfg := calendar.DefaultConfig()
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	cfg.Location = loc
	if len(a.WorkingHours) > 0 {
		cfg.Hours = nil
		for _, p := range a.WorkingHours {
			cfg.Hours = append(cfg.Hours, calendar.Period{Start: calendar.Clock(p.Start), End: calendar.Clock(p.End)})
		}
	}
	rank := map[string]int{}
	for cur, i := a, 0; cur != nil && i < 16; i++ {
		rank[cur.Code] = i
		cur = snap.agencies[cur.ParentCode]
	}
	cfg.Years = map[int]calendar.YearDays{}
	local := map[calendar.Date]calendar.SpecialDay{}
	localRank := map[calendar.Date]int{}
	for _, y := range snap.years {
		r, mine := rank[y.Scope]
		if y.Scope != domain.NationalScope && !mine {
			continue
		}
		var days calendar.YearDays
		for _, d := range y.Days {
			date, err := calendar.ParseDate(d.Date)
			if err != nil {
				return nil, fmt.Errorf("stored calendar %s/%d: %w", y.Scope, y.Year, err)
			}
			kind := calendar.DayOff
			if d.WorkDay {
				kind = calendar.WorkingDay
			}
			days = append(days, calendar.SpecialDay{Date: date, Kind: kind, Name: d.Name})
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

// timeline is the working time of a span, as intervals, so that a uniform
// draw over working time is a binary search (calendar.Add over months of
// working time walks day by day).
type timeline struct {
	starts []time.Time
	ends   []time.Time
	cum    []time.Duration // working time before interval i
	total  time.Duration
}

func newTimeline(cal *calendar.Calendar, from, to time.Time) timeline {
	var tl timeline
	loc := cal.Location()
	for d := calendar.DateOf(from.In(loc)); !d.At(0, loc).After(to); d = d.AddDays(1) {
		if !cal.IsWorkingDay(d) {
			continue
		}
		for _, p := range cal.Hours() {
			s, e := d.At(p.Start, loc), d.At(p.End, loc)
			if s.Before(from) {
				s = from
			}
			if e.After(to) {
				e = to
			}
			if !e.After(s) {
				continue
			}
			tl.starts, tl.ends, tl.cum = append(tl.starts, s), append(tl.ends, e), append(tl.cum, tl.total)
			tl.total += e.Sub(s)
		}
	}
	return tl
}

// at returns the instant after working time w from the timeline's start.
func (tl *timeline) at(w time.Duration) time.Time {
	i := sort.Search(len(tl.cum), func(i int) bool { return tl.cum[i] > w }) - 1
	if i < 0 {
		i = 0
	}
	return tl.starts[i].Add(w - tl.cum[i])
}
