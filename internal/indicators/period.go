package indicators

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Granularity of a series.
type Granularity int

const (
	Day Granularity = iota + 1
	Month
	Quarter
	Year
)

// Period is a span of whole local days, From and To inclusive.
type Period struct {
	From, To time.Time // dates at 00:00 UTC, standing for local days
}

var periodPattern = regexp.MustCompile(`^(\d{4})(?:-(Q[1-4]|\d{2})(?:-(\d{2}))?)?$`)

// ParsePeriod reads "2026", "2026-Q1", "2026-03" or "2026-03-05".
func ParsePeriod(s string) (Period, error) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("%q is not a period: use 2026, 2026-Q1, 2026-03 or 2026-03-05", s)
	}
	y, _ := strconv.Atoi(m[1])
	switch {
	case m[2] == "":
		return YearOf(y), nil
	case m[2][0] == 'Q':
		q := int(m[2][1] - '0')
		from := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		return Period{From: from, To: from.AddDate(0, 3, -1)}, nil
	}
	mon, _ := strconv.Atoi(m[2])
	if mon < 1 || mon > 12 {
		return Period{}, fmt.Errorf("%q: no month %d", s, mon)
	}
	from := time.Date(y, time.Month(mon), 1, 0, 0, 0, 0, time.UTC)
	if m[3] == "" {
		return Period{From: from, To: from.AddDate(0, 1, -1)}, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Period{}, fmt.Errorf("%q: %w", s, err)
	}
	return Period{From: d, To: d}, nil
}

// YearOf is a whole year.
func YearOf(y int) Period {
	return Period{From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}
}

// Dates returns the period as "YYYY-MM-DD" strings.
func (p Period) Dates() (string, string) {
	return p.From.Format("2006-01-02"), p.To.Format("2006-01-02")
}

// WholeMonths reports whether the period starts on a 1st and ends on a last
// day: monthly rows then answer it.
func (p Period) WholeMonths() bool {
	return p.From.Day() == 1 && p.To.AddDate(0, 0, 1).Day() == 1
}

// WholeYears reports whether the period starts on 1 January and ends on
// 31 December: yearly rows then answer it.
func (p Period) WholeYears() bool {
	return p.From.YearDay() == 1 && p.To.AddDate(0, 0, 1).YearDay() == 1
}

// In returns the instants bounding the period in a time zone: [from 00:00,
// day after to 00:00).
func (p Period) In(loc *time.Location) (time.Time, time.Time) {
	from := time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, loc)
	to := time.Date(p.To.Year(), p.To.Month(), p.To.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	return from, to
}

// Bucket names the series bucket of a day ("YYYY-MM-DD") at a granularity.
func Bucket(day string, g Granularity) string {
	switch g {
	case Month:
		return day[:7]
	case Quarter:
		m, _ := strconv.Atoi(day[5:7])
		return fmt.Sprintf("%s-Q%d", day[:4], (m+2)/3)
	case Year:
		return day[:4]
	}
	return day
}
