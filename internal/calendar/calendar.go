package calendar

import (
	"fmt"
	"slices"
	"sync"
	"time"

	_ "time/tzdata" // Asia/Ho_Chi_Minh must resolve on hosts without a zoneinfo database
)

// Config describes one agency's working calendar. The zero value of each
// field means its default, so Config{} is the national default calendar.
type Config struct {
	// Location is the time zone of working hours and of calendar days.
	// Default: Asia/Ho_Chi_Minh.
	Location *time.Location
	// Hours are the working periods of every working day, sorted and not
	// overlapping. Default: 07:30-11:30 and 13:00-17:00 (8 h).
	Hours []Period
	// Weekend lists the weekly rest days. Nil means Saturday and Sunday; an
	// empty non-nil slice means no weekly rest day.
	Weekend []time.Weekday
	// Years holds the national special days of a year as set by an admin
	// from the government's decision for that year; a year absent here uses
	// VietnamDefaults(year). A list replaces the defaults of its year
	// entirely.
	Years map[int]YearDays
	// Local holds this agency's own special days (any years); they win over
	// the year lists, e.g. a provincial anniversary off, or a one-stop unit
	// open on a national holiday.
	Local []SpecialDay
}

// DefaultConfig returns the national default calendar with every default
// spelled out: Asia/Ho_Chi_Minh, 07:30-11:30 and 13:00-17:00, Saturday and
// Sunday off, statutory holidays for every year.
func DefaultConfig() Config {
	return Config{
		Location: defaultLocation(),
		Hours:    defaultHours(),
		Weekend:  []time.Weekday{time.Saturday, time.Sunday},
	}
}

func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*60*60) // Indochina Time, UTC+7, no daylight saving
}

func defaultHours() []Period {
	return []Period{{Start: 7*60 + 30, End: 11*60 + 30}, {Start: 13 * 60, End: 17 * 60}}
}

// maxNonWorkingRun is the longest run of consecutive non-working days New
// accepts. It bounds every search for the next working day, so Add, Explain
// and ClockStart always terminate; a longer run is certainly a data error.
const maxNonWorkingRun = 366

// Calendar is a validated working calendar. It is immutable after New and
// safe for concurrent use; every time it returns is in its Location.
type Calendar struct {
	loc     *time.Location
	hours   []Period
	weekend [7]bool
	years   map[int]YearDays
	local   map[int][]SpecialDay // by year

	// tables caches the resolved days of each year (int -> *yearTable). It is
	// derived data, filled on first use; concurrent fills compute the same
	// table.
	tables sync.Map
}

// dayInfo is the resolved status of one day.
type dayInfo struct {
	working bool
	special bool   // a SpecialDay decided this day
	reason  string // why the day is off, or the note on a make-up working day
}

type yearTable struct {
	first int // day count (see Date.days) of 1 January
	days  []dayInfo
}

// New validates cfg and returns its calendar. Errors name the offending
// field, e.g. "calendar: Config.Hours[1]: ...".
func New(cfg Config) (*Calendar, error) {
	c := &Calendar{loc: cfg.Location, years: map[int]YearDays{}, local: map[int][]SpecialDay{}}
	if c.loc == nil {
		c.loc = defaultLocation()
	}

	c.hours = slices.Clone(cfg.Hours)
	if len(c.hours) == 0 {
		c.hours = defaultHours()
	}
	for i, p := range c.hours {
		switch {
		case !p.Start.Valid() || !p.End.Valid():
			return nil, fmt.Errorf("calendar: Config.Hours[%d]: %s is outside 00:00-24:00", i, p)
		case p.Start >= p.End:
			return nil, fmt.Errorf("calendar: Config.Hours[%d]: start %s is not before end %s", i, p.Start, p.End)
		case i > 0 && p.Start < c.hours[i-1].End:
			return nil, fmt.Errorf("calendar: Config.Hours[%d]: %s starts before Hours[%d] %s ends (periods must be sorted and must not overlap)", i, p, i-1, c.hours[i-1])
		}
	}

	weekend := cfg.Weekend
	if weekend == nil {
		weekend = []time.Weekday{time.Saturday, time.Sunday}
	}
	for i, wd := range weekend {
		switch {
		case wd < time.Sunday || wd > time.Saturday:
			return nil, fmt.Errorf("calendar: Config.Weekend[%d]: %d is not a weekday", i, int(wd))
		case c.weekend[wd]:
			return nil, fmt.Errorf("calendar: Config.Weekend[%d]: %s is listed twice", i, wd)
		}
		c.weekend[wd] = true
	}
	if len(weekend) == 7 {
		return nil, fmt.Errorf("calendar: Config.Weekend: every day of the week is a rest day")
	}

	years := make([]int, 0, len(cfg.Years))
	for y := range cfg.Years {
		years = append(years, y)
	}
	slices.Sort(years) // report the first bad year deterministically
	for _, y := range years {
		list := cfg.Years[y]
		if err := validateDays(fmt.Sprintf("Config.Years[%d]", y), list, &y); err != nil {
			return nil, err
		}
		c.years[y] = slices.Clone(list)
		if c.years[y] == nil {
			c.years[y] = YearDays{} // present but empty: no special days that year
		}
	}
	if err := validateDays("Config.Local", cfg.Local, nil); err != nil {
		return nil, err
	}
	for _, sd := range cfg.Local {
		c.local[sd.Date.Year] = append(c.local[sd.Date.Year], sd)
		years = append(years, sd.Date.Year)
	}

	if err := c.checkRuns(years); err != nil {
		return nil, err
	}
	return c, nil
}

// checkRuns rejects a calendar with more than maxNonWorkingRun consecutive
// non-working days. Only years with explicit data (and their neighbours, for
// runs crossing a new year) need scanning: in a year left to the defaults at
// least one weekday a week is not a rest day and holidays are short, so runs
// there are a few weeks at most.
func (c *Calendar) checkRuns(years []int) error {
	if len(years) == 0 {
		return nil
	}
	slices.Sort(years)
	years = slices.Compact(years)
	for i := 0; i < len(years); {
		j := i
		for j+1 < len(years) && years[j+1] == years[j]+1 {
			j++
		}
		from := Date{years[i] - 1, time.January, 1}.days()
		to := Date{years[j] + 1, time.December, 31}.days()
		run := 0
		for dn := from; dn <= to; dn++ {
			if c.info(dn).working {
				run = 0
				continue
			}
			run++
			if run > maxNonWorkingRun {
				return fmt.Errorf("calendar: Config.Years/Config.Local: no working day from %s to %s (more than %d days)",
					fromDays(dn-run+1), fromDays(dn), maxNonWorkingRun)
			}
		}
		i = j + 1
	}
	return nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns a copy of the working periods of a working day.
func (c *Calendar) Hours() []Period { return slices.Clone(c.hours) }

// DayLength returns the nominal working time of one working day (the sum of
// Hours; 8 h by default).
func (c *Calendar) DayLength() time.Duration {
	var total time.Duration
	for _, p := range c.hours {
		total += p.Duration()
	}
	return total
}

// Days converts a statutory time in working days, fractions allowed, to
// working time: n × DayLength, rounded to the second (0.5 day = 4 h by
// default). A negative or NaN n gives 0; a huge n saturates.
func (c *Calendar) Days(n float64) time.Duration {
	if !(n > 0) {
		return 0
	}
	secs := n * c.DayLength().Seconds()
	if secs >= float64(1<<63-1)/1e9 {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(int64(secs+0.5)) * time.Second
}

// IsWorkingDay reports whether d has working hours.
func (c *Calendar) IsWorkingDay(d Date) bool { return c.info(d.days()).working }

// DayInfo reports whether d is a working day and why. The reason is the
// special day's Name when one applies (e.g. "Tết Nguyên đán"), "Saturday" or
// another weekday name for a weekly rest day, "make-up working day: <Name>"
// for a make-up working day and "working day" otherwise. Generated texts are
// in English; names come from the data.
func (c *Calendar) DayInfo(d Date) (working bool, reason string) {
	info := c.info(d.days())
	if info.working && info.reason == "" {
		return true, "working day"
	}
	return info.working, info.reason
}

// info returns the resolved status of the day with day count dn.
func (c *Calendar) info(dn int) dayInfo {
	t := c.table(fromDays(dn).Year)
	return t.days[dn-t.first]
}

func (c *Calendar) table(year int) *yearTable {
	if t, ok := c.tables.Load(year); ok {
		return t.(*yearTable)
	}
	t, _ := c.tables.LoadOrStore(year, c.buildTable(year))
	return t.(*yearTable)
}

// buildTable resolves every day of a year: weekly rest days first, then the
// year's national list (or the defaults), then the agency's own days.
func (c *Calendar) buildTable(year int) *yearTable {
	t := &yearTable{first: Date{year, time.January, 1}.days(), days: make([]dayInfo, daysInYear(year))}
	for i := range t.days {
		if wd := weekdayOf(t.first + i); c.weekend[wd] {
			t.days[i] = dayInfo{reason: wd.String()}
		} else {
			t.days[i] = dayInfo{working: true}
		}
	}
	list, ok := c.years[year]
	if !ok {
		list = VietnamDefaults(year)
	}
	apply := func(sd SpecialDay) {
		i := sd.Date.days() - t.first
		if i < 0 || i >= len(t.days) {
			return
		}
		switch sd.Kind {
		case DayOff:
			reason := sd.Name
			if reason == "" {
				reason = "day off"
			}
			t.days[i] = dayInfo{special: true, reason: reason}
		case WorkingDay:
			reason := "make-up working day"
			if sd.Name != "" {
				reason += ": " + sd.Name
			}
			t.days[i] = dayInfo{working: true, special: true, reason: reason}
		}
	}
	for _, sd := range list {
		apply(sd)
	}
	for _, sd := range c.local[year] {
		apply(sd)
	}
	return t
}

// ClockStart returns when the legal clock starts for a dossier received at
// received, and a short sentence saying why. cutoff, if not nil, is the
// procedure's cut-off hour: a receipt at or after it counts from the next
// working day.
//
//   - inside a working period of a working day, before the cut-off: received;
//   - before the first period of a working day: the start of that period;
//   - in a break between periods (lunch): the start of the next period;
//   - after the last period, at or after the cut-off, or on a non-working
//     day: the start of the first period of the next working day.
func (c *Calendar) ClockStart(received time.Time, cutoff *Clock) (start time.Time, why string) {
	t := received.In(c.loc)
	d := DateOf(t)
	info := c.info(d.days())
	next := func() time.Time { return c.nextWorkingDay(d).At(c.hours[0].Start, c.loc) }
	if !info.working {
		return next(), fmt.Sprintf("received on a non-working day (%s); clock starts next working day", info.reason)
	}
	if cutoff != nil && !t.Before(d.At(*cutoff, c.loc)) {
		return next(), fmt.Sprintf("received after the %s cut-off; clock starts next working day", cutoff)
	}
	for i, p := range c.hours {
		ps, pe := d.At(p.Start, c.loc), d.At(p.End, c.loc)
		switch {
		case t.Before(ps) && i == 0:
			return ps, fmt.Sprintf("received before working hours; clock starts at %s", p.Start)
		case t.Before(ps):
			return ps, fmt.Sprintf("received during a break; clock starts at %s", p.Start)
		case t.Before(pe):
			return t, "received during working hours; clock starts at receipt"
		}
	}
	return next(), fmt.Sprintf("received after working hours (%s); clock starts next working day", c.hours[len(c.hours)-1].End)
}

// nextWorkingDay returns the first working day after d. New guarantees one
// within maxNonWorkingRun days.
func (c *Calendar) nextWorkingDay(d Date) Date {
	dn := d.days() + 1
	for !c.info(dn).working {
		dn++
	}
	return fromDays(dn)
}
