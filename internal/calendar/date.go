package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Date is a civil date in the proleptic Gregorian calendar, without a time
// zone. Legal deadlines are decided per calendar day, so days are compared as
// dates, never as instants.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a date written strictly as YYYY-MM-DD (ISO 8601, four-digit
// year, two-digit month and day) and rejects dates that do not exist.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("calendar: date %q: want YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("calendar: date %q: want YYYY-MM-DD", s)
	}
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if !date.Valid() {
		return Date{}, fmt.Errorf("calendar: date %q does not exist", s)
	}
	return date, nil
}

// digits parses a string made only of ASCII digits.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Valid reports whether d names a day that exists.
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// AddDays returns the date n days after d (before it if n is negative).
// An invalid d is normalised first, as time.Date does (2026-02-30 is
// 2026-03-02).
func (d Date) AddDays(n int) Date {
	return fromDays(d.days() + n)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return weekdayOf(d.days())
}

// Compare returns -1 if d is before e, 0 if they are the same day and +1 if
// d is after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	default:
		return sign(d.Day - e.Day)
	}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// At returns the instant at clock time c on day d in loc. Clock 24:00 is
// midnight at the end of d.
func (d Date) At(c Clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, int(c), 0, 0, loc)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isLeapYear(y int) bool {
	return y%4 == 0 && (y%100 != 0 || y%400 == 0)
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeapYear(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func daysInYear(y int) int {
	if isLeapYear(y) {
		return 366
	}
	return 365
}

// floorDiv divides rounding towards negative infinity, so that day counts
// work for dates before the epoch.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// days returns the number of days from 1970-01-01 to d (Howard Hinnant's
// days_from_civil). Out-of-range months and days are normalised.
func (d Date) days() int {
	y, m := d.Year, int(d.Month)
	// Normalise the month so that 0 and 13 behave like time.Date.
	y += floorDiv(m-1, 12)
	m = m - 1 - 12*floorDiv(m-1, 12) + 1
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fromDays is the inverse of days (Howard Hinnant's civil_from_days).
func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{Year: y, Month: time.Month(m), Day: d}
}

// weekdayOf returns the weekday of a day count from days; 1970-01-01 was a
// Thursday.
func weekdayOf(days int) time.Weekday {
	return time.Weekday(days + 4 - 7*floorDiv(days+4, 7))
}

// julianDayOffset converts a day count from days into a Julian Day Number.
const julianDayOffset = 2440588

// Clock is a time of day in minutes after midnight, from 0 (00:00) to
// 1440 (24:00, the end of the day). Working periods and cut-off hours are
// wall-clock times in the calendar's location.
type Clock int

// ParseClock parses a clock time written strictly as HH:MM, from 00:00 to
// 24:00.
func ParseClock(s string) (Clock, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("calendar: clock %q: want HH:MM", s)
	}
	h, ok1 := digits(s[0:2])
	m, ok2 := digits(s[3:5])
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("calendar: clock %q: want HH:MM", s)
	}
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("calendar: clock %q is outside 00:00-24:00", s)
	}
	return Clock(h*60 + m), nil
}

// Valid reports whether c is between 00:00 and 24:00 inclusive.
func (c Clock) Valid() bool { return c >= 0 && c <= 24*60 }

// String formats c as HH:MM.
func (c Clock) String() string {
	if !c.Valid() {
		return fmt.Sprintf("Clock(%d)", int(c))
	}
	return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60)
}

// duration returns the time from midnight to c.
func (c Clock) duration() time.Duration { return time.Duration(c) * time.Minute }

// Period is a working period within a day, from Start (inclusive) to End
// (exclusive); Start is before End.
type Period struct {
	Start, End Clock
}

// ParsePeriod parses a period written as HH:MM-HH:MM, e.g. "07:30-11:30".
func ParsePeriod(s string) (Period, error) {
	if len(s) != 11 || s[5] != '-' {
		return Period{}, fmt.Errorf("calendar: period %q: want HH:MM-HH:MM", s)
	}
	start, err1 := ParseClock(s[:5])
	end, err2 := ParseClock(s[6:])
	if err := errors.Join(err1, err2); err != nil {
		return Period{}, fmt.Errorf("calendar: period %q: %w", s, err)
	}
	p := Period{Start: start, End: end}
	if start >= end {
		return Period{}, fmt.Errorf("calendar: period %q: start is not before end", s)
	}
	return p, nil
}

// String formats p as HH:MM-HH:MM.
func (p Period) String() string { return p.Start.String() + "-" + p.End.String() }

// Duration returns the nominal length of p.
func (p Period) Duration() time.Duration { return (p.End - p.Start).duration() }
