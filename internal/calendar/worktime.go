package calendar

import (
	"fmt"
	"strings"
	"time"
)

// Add returns the instant at which work of working time has elapsed,
// counting from start. Counting begins at the first working instant at or
// after start, so start may be outside working hours (a weekend, the lunch
// break, the evening). When the work ends exactly at the end of a period the
// answer is that end (17:00, or 11:30), not the start of the next period.
//
// work <= 0 returns the first working instant at or after start: the
// instant at which counting would begin (start itself if it is working
// time).
//
// Add walks day by day, so a span of a year costs a few hundred steps; New
// bounds runs of non-working days, so it always terminates.
func (c *Calendar) Add(start time.Time, work time.Duration) time.Time {
	return c.walk(start, work, nil)
}

// Between returns the working time inside [from, to), or 0 if to is not
// after from. For every start s and work w >= 0,
// Between(s, Add(s, w)) == w. Callers measure a pause with it: on resume,
// the due time moves forward by Add(due, Between(pausedAt, resumedAt)).
func (c *Calendar) Between(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	from, to = from.In(c.loc), to.In(c.loc)
	var total time.Duration
	last := DateOf(to).days()
	for dn := DateOf(from).days(); dn <= last; dn++ {
		if !c.info(dn).working {
			continue
		}
		d := fromDays(dn)
		for _, p := range c.hours {
			lo, hi := d.At(p.Start, c.loc), d.At(p.End, c.loc)
			if from.After(lo) {
				lo = from
			}
			if to.Before(hi) {
				hi = to
			}
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		}
	}
	return total
}

// SegmentKind tells the two kinds of Segment apart.
type SegmentKind int

const (
	// Counted is one working day on which working time was counted.
	Counted SegmentKind = iota + 1
	// Skipped is a run of consecutive non-working days passed over.
	Skipped
)

// Segment is one line of the explanation of a deadline (see
// Calendar.Explain).
type Segment struct {
	Kind SegmentKind
	// First and Last are the day counted (First == Last), or the first and
	// last day of a skipped run.
	First, Last Date
	// From and To bound the working time counted on a Counted day (breaks
	// inside are not counted); To of the last segment is the due time.
	From, To time.Time
	// Worked is the working time counted on a Counted day; Total is the
	// running total at the end of the segment.
	Worked, Total time.Duration
	// Reasons are why the days of a Skipped run were off (weekday names and
	// holiday names, each once, in order of first appearance); on a Counted
	// day, the note of a make-up working day.
	Reasons []string
}

// String renders the segment as one line for a counter screen or receipt,
// e.g.
//
//	2026-02-13 Fri  09:00-17:00  counted 6h30m  total 6h30m
//	2026-02-14 Sat - 2026-02-22 Sun  not counted (9 days): Saturday, Sunday, Tết Nguyên đán
func (s Segment) String() string {
	day := func(d Date) string { return d.String() + " " + d.Weekday().String()[:3] }
	switch s.Kind {
	case Counted:
		line := fmt.Sprintf("%s  %s-%s  counted %s  total %s", day(s.First), clockText(s.From, false), clockText(s.To, true),
			durationText(s.Worked), durationText(s.Total))
		if len(s.Reasons) > 0 {
			line += "  (" + strings.Join(s.Reasons, "; ") + ")"
		}
		return line
	case Skipped:
		span := day(s.First)
		n := s.Last.days() - s.First.days() + 1
		if n > 1 {
			span += " - " + day(s.Last)
		}
		return fmt.Sprintf("%s  not counted (%d %s): %s", span, n, plural(n, "day", "days"), strings.Join(s.Reasons, ", "))
	}
	return fmt.Sprintf("Segment(%d)", int(s.Kind))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// clockText formats the wall-clock time of t, with seconds only if any. An
// end at midnight (a period running to 24:00) is written 24:00.
func clockText(t time.Time, end bool) string {
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("15:04:05")
	}
	if end && t.Hour() == 0 && t.Minute() == 0 {
		return "24:00"
	}
	return t.Format("15:04")
}

// durationText formats a working time as hours and minutes, e.g. "6h30m",
// "24h00m", with seconds only if any.
func durationText(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	h := int64(d / time.Hour)
	m := int64(d % time.Hour / time.Minute)
	s := d % time.Minute
	out := fmt.Sprintf("%dh%02dm", h, m)
	if s != 0 {
		out += fmt.Sprintf("%02ds", int64(s/time.Second))
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Explain returns how Add(start, work) reached its answer: one Counted
// segment per working day used, and one Skipped segment per run of
// consecutive non-working days passed over, in order. Working days on which
// nothing was counted (start after hours) are left out. With work <= 0 only
// the skipped runs before the first working instant appear.
func (c *Calendar) Explain(start time.Time, work time.Duration) []Segment {
	var e explanation
	c.walk(start, work, &e)
	e.flush()
	return e.segments
}

// explanation collects segments during walk.
type explanation struct {
	segments []Segment
	skipped  *Segment // the run of non-working days being extended
	total    time.Duration
}

func (e *explanation) skip(dn int, info dayInfo) {
	if e == nil {
		return
	}
	d := fromDays(dn)
	if e.skipped == nil || e.skipped.Last.days() != dn-1 {
		e.flush()
		e.skipped = &Segment{Kind: Skipped, First: d, Total: e.total}
	}
	e.skipped.Last = d
	for _, r := range e.skipped.Reasons {
		if r == info.reason {
			return
		}
	}
	e.skipped.Reasons = append(e.skipped.Reasons, info.reason)
}

func (e *explanation) count(d Date, from, to time.Time, worked time.Duration, info dayInfo) {
	if e == nil {
		return
	}
	e.flush()
	e.total += worked
	seg := Segment{Kind: Counted, First: d, Last: d, From: from, To: to, Worked: worked, Total: e.total}
	if info.special {
		seg.Reasons = []string{info.reason}
	}
	e.segments = append(e.segments, seg)
}

func (e *explanation) flush() {
	if e.skipped != nil {
		e.segments = append(e.segments, *e.skipped)
		e.skipped = nil
	}
}

// walk is Add, optionally recording an explanation (e may be nil).
func (c *Calendar) walk(start time.Time, work time.Duration, e *explanation) time.Time {
	t := start.In(c.loc)
	remaining := max(work, 0)
	for dn := DateOf(t).days(); ; dn++ {
		info := c.info(dn)
		if !info.working {
			e.skip(dn, info)
			continue
		}
		d := fromDays(dn)
		var (
			used     time.Duration
			from, to time.Time
		)
		for _, p := range c.hours {
			ps, pe := d.At(p.Start, c.loc), d.At(p.End, c.loc)
			if !pe.After(t) {
				continue // period already over at start
			}
			if t.After(ps) {
				ps = t
			}
			if remaining == 0 {
				return ps
			}
			if used == 0 {
				from = ps
			}
			avail := pe.Sub(ps)
			if avail <= 0 {
				continue // only in a zone whose clocks jump over the period
			}
			if remaining > avail {
				remaining -= avail
				used += avail
				to = pe
				continue
			}
			end := ps.Add(remaining)
			e.count(d, from, end, used+remaining, info)
			return end
		}
		if used > 0 {
			e.count(d, from, to, used, info)
		}
	}
}
