package seed

import (
	"sort"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
)

// workCalendar is the agency's working calendar as the server builds it,
// from the snapshot. The generator uses it only to decide when people act;
// deadlines are computed by the use cases themselves.
func workCalendar(snap *snapshot, a *domain.Agency) (*calendar.Calendar, error) {
	chain := []*domain.Agency{a}
	for cur := snap.agencies[a.ParentCode]; cur != nil && len(chain) < 16; cur = snap.agencies[cur.ParentCode] {
		chain = append(chain, cur)
	}
	return app.WorkingCalendar(chain, snap.years)
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
