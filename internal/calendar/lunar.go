package calendar

import (
	"fmt"
	"math"
)

// The Vietnamese lunar calendar is a lunisolar calendar: a month begins on
// the civil day of the new moon, month 11 is the month containing the
// winter solstice, and in a year with 13 months between two months 11 the
// first month without a principal solar term (a multiple of 30° of the sun's
// longitude) is the leap month, numbered like the month before it.
//
// The computation follows Hồ Ngọc Đức's published algorithm (astronomical
// formulas from Jean Meeus, "Astronomical Algorithms"). "Civil day" depends
// on the time zone: Vietnam has computed its calendar for UTC+7 since 1967,
// while China uses UTC+8; a new moon or solar term between 16:00 and 17:00
// UTC falls on different days in the two countries. So every function below
// takes the zone as a parameter, and the exported API passes vietnamZone.
//
// Accuracy: the formulas are approximations good to minutes over 1900-2100
// (tested day by day); outside that range results may drift. Before 1967
// Vietnam followed the UTC+8 calendar, so this package's dates for earlier
// years are those of the UTC+7 rule, not always the ones observed then (e.g.
// Tết 1965).

// vietnamZone is the offset from UTC, in hours, of the meridian the
// Vietnamese lunar calendar is computed for.
const vietnamZone = 7.0

// LunarDate is a date in the Vietnamese lunar calendar. Year is the
// Gregorian year in which the lunar year begins (lunar 1/1 of Year is Tết of
// that Gregorian year). Leap marks the intercalary copy of Month.
type LunarDate struct {
	Year, Month, Day int
	Leap             bool
}

// String formats l as day/month/year, marking a leap month, e.g. "10/3/2026"
// or "4/2 leap/2023".
func (l LunarDate) String() string {
	if l.Leap {
		return fmt.Sprintf("%d/%d leap/%d", l.Day, l.Month, l.Year)
	}
	return fmt.Sprintf("%d/%d/%d", l.Day, l.Month, l.Year)
}

// SolarToLunar converts a Gregorian date to the Vietnamese lunar calendar
// (UTC+7).
func SolarToLunar(d Date) LunarDate {
	return solarToLunar(d.days()+julianDayOffset, vietnamZone)
}

// LunarToSolar converts a Vietnamese lunar date (UTC+7) to the Gregorian
// calendar. It returns an error if the date does not exist: a month outside
// 1-12, a leap month the year does not have, or a day beyond the month's 29
// or 30 days.
func LunarToSolar(l LunarDate) (Date, error) {
	jd, err := lunarToSolar(l, vietnamZone)
	if err != nil {
		return Date{}, err
	}
	return fromDays(jd - julianDayOffset), nil
}

// LunarNewYear returns the Gregorian date of Tết of the given year: lunar
// 1/1 in the Vietnamese calendar (UTC+7).
func LunarNewYear(year int) Date {
	return lunarNewYear(year, vietnamZone)
}

func lunarNewYear(year int, zone float64) Date {
	// Month 1 is never a leap month and day 1 always exists.
	jd, _ := lunarToSolar(LunarDate{Year: year, Month: 1, Day: 1}, zone)
	return fromDays(jd - julianDayOffset)
}

// floor is Math.floor of the published algorithm, returning an int.
func floor(x float64) int { return int(math.Floor(x)) }

// newMoon returns the Julian day (fractional, UT) of the k-th new moon after
// the one of 1900-01-01 (Meeus, chapter 49, shortened).
func newMoon(k int) float64 {
	kf := float64(k)
	t := kf / 1236.85 // Julian centuries from 1900-01-01 12:00 UT
	t2 := t * t
	t3 := t2 * t
	const dr = math.Pi / 180
	jd1 := 2415020.75933 + 29.53058868*kf + 0.0001178*t2 - 0.000000155*t3
	jd1 += 0.00033 * math.Sin((166.56+132.87*t-0.009173*t2)*dr)      // mean new moon
	m := 359.2242 + 29.10535608*kf - 0.0000333*t2 - 0.00000347*t3    // sun's mean anomaly
	mpr := 306.0253 + 385.81691806*kf + 0.0107306*t2 + 0.00001236*t3 // moon's mean anomaly
	f := 21.2964 + 390.67050646*kf - 0.0016528*t2 - 0.00000239*t3    // moon's argument of latitude
	c1 := (0.1734-0.000393*t)*math.Sin(m*dr) + 0.0021*math.Sin(2*dr*m)
	c1 = c1 - 0.4068*math.Sin(mpr*dr) + 0.0161*math.Sin(dr*2*mpr)
	c1 -= 0.0004 * math.Sin(dr*3*mpr)
	c1 = c1 + 0.0104*math.Sin(dr*2*f) - 0.0051*math.Sin(dr*(m+mpr))
	c1 = c1 - 0.0074*math.Sin(dr*(m-mpr)) + 0.0004*math.Sin(dr*(2*f+m))
	c1 = c1 - 0.0004*math.Sin(dr*(2*f-m)) - 0.0006*math.Sin(dr*(2*f+mpr))
	c1 = c1 + 0.0010*math.Sin(dr*(2*f-mpr)) + 0.0005*math.Sin(dr*(2*mpr+m))
	var deltaT float64 // dynamical time minus universal time, in days
	if t < -11 {
		deltaT = 0.001 + 0.000839*t + 0.0002261*t2 - 0.00000845*t3 - 0.000000081*t*t3
	} else {
		deltaT = -0.000278 + 0.000265*t + 0.000262*t2
	}
	return jd1 + c1 - deltaT
}

// sunLongitude returns the sun's apparent longitude, in radians in
// [0, 2π), at Julian day jd (UT) (Meeus, chapter 25, low precision).
func sunLongitude(jd float64) float64 {
	t := (jd - 2451545.0) / 36525 // Julian centuries from 2000-01-01 12:00 UT
	t2 := t * t
	const dr = math.Pi / 180
	m := 357.52910 + 35999.05030*t - 0.0001559*t2 - 0.00000048*t*t2 // mean anomaly
	l0 := 280.46645 + 36000.76983*t + 0.0003032*t2                  // mean longitude
	dl := (1.914600 - 0.004817*t - 0.000014*t2) * math.Sin(dr*m)
	dl += (0.019993-0.000101*t)*math.Sin(dr*2*m) + 0.000290*math.Sin(dr*3*m)
	l := (l0 + dl) * dr
	return l - 2*math.Pi*math.Floor(l/(2*math.Pi))
}

// sunSector returns which 30° sector (0-11) the sun is in at local midnight
// starting civil day dayNumber; a principal term lies in a month exactly
// when the sector at its first day differs from the sector at the next
// month's first day.
func sunSector(dayNumber int, zone float64) int {
	return floor(sunLongitude(float64(dayNumber)-0.5-zone/24) / math.Pi * 6)
}

// newMoonDay returns the civil day number (Julian Day Number) on which the
// k-th new moon falls in the given zone.
func newMoonDay(k int, zone float64) int {
	return floor(newMoon(k) + 0.5 + zone/24)
}

const (
	// jdNewMoon1900 is the Julian day of the new moon of 1900-01-01
	// (k = 0 in newMoon), and synodicMonth the mean lunar month in days.
	jdNewMoon1900 = 2415021.076998695
	synodicMonth  = 29.530588853
)

// lunarMonth11 returns the day number on which month 11 (the month holding
// the winter solstice) begins in Gregorian year y.
func lunarMonth11(y int, zone float64) int {
	off := Date{Year: y, Month: 12, Day: 31}.days() + julianDayOffset - 2415021
	k := floor(float64(off) / synodicMonth)
	nm := newMoonDay(k, zone)
	if sunSector(nm, zone) >= 9 { // sun already past 270°: this month begins after the solstice
		nm = newMoonDay(k-1, zone)
	}
	return nm
}

// leapMonthOffset returns, for a 13-month year starting at month 11 on day
// a11, the position (1-12) of the leap month counted from that month 11: the
// first month with no principal term.
func leapMonthOffset(a11 int, zone float64) int {
	k := floor((float64(a11)-jdNewMoon1900)/synodicMonth + 0.5)
	i := 1
	arc := sunSector(newMoonDay(k+i, zone), zone)
	for {
		last := arc
		i++
		arc = sunSector(newMoonDay(k+i, zone), zone)
		if arc == last || i >= 14 {
			break
		}
	}
	return i - 1
}

// solarToLunar converts a Julian Day Number to a lunar date in the zone.
func solarToLunar(dayNumber int, zone float64) LunarDate {
	// k estimates the last new moon with the mean month; a true new moon can
	// be half a day off the mean, so step back until the month has begun
	// (the published algorithm steps back once only and yields day 0 on
	// 2054-05-07).
	k := floor((float64(dayNumber)-jdNewMoon1900)/synodicMonth) + 1
	monthStart := newMoonDay(k, zone)
	for monthStart > dayNumber {
		k--
		monthStart = newMoonDay(k, zone)
	}
	y := fromDays(dayNumber - julianDayOffset).Year
	a11 := lunarMonth11(y, zone)
	b11 := a11
	var year int
	if a11 >= monthStart {
		year = y
		a11 = lunarMonth11(y-1, zone)
	} else {
		year = y + 1
		b11 = lunarMonth11(y+1, zone)
	}
	day := dayNumber - monthStart + 1
	diff := floor(float64(monthStart-a11) / 29)
	leap := false
	month := diff + 11
	if b11-a11 > 365 {
		leapDiff := leapMonthOffset(a11, zone)
		if diff >= leapDiff {
			month = diff + 10
			leap = diff == leapDiff
		}
	}
	if month > 12 {
		month -= 12
	}
	if month >= 11 && diff < 4 {
		year--
	}
	return LunarDate{Year: year, Month: month, Day: day, Leap: leap}
}

// lunarToSolar converts a lunar date in the zone to a Julian Day Number.
func lunarToSolar(l LunarDate, zone float64) (int, error) {
	if l.Month < 1 || l.Month > 12 {
		return 0, fmt.Errorf("calendar: lunar date %s: month must be 1-12", l)
	}
	if l.Day < 1 || l.Day > 30 {
		return 0, fmt.Errorf("calendar: lunar date %s: day must be 1-30", l)
	}
	var a11, b11 int
	if l.Month < 11 {
		a11 = lunarMonth11(l.Year-1, zone)
		b11 = lunarMonth11(l.Year, zone)
	} else {
		a11 = lunarMonth11(l.Year, zone)
		b11 = lunarMonth11(l.Year+1, zone)
	}
	off := l.Month - 11 // months after month 11 of a11
	if off < 0 {
		off += 12
	}
	hasLeap := false
	if b11-a11 > 365 {
		leapOff := leapMonthOffset(a11, zone)
		leapMonth := leapOff - 2
		if leapMonth < 0 {
			leapMonth += 12
		}
		hasLeap = l.Month == leapMonth
		if l.Leap || off >= leapOff {
			off++
		}
	}
	if l.Leap && !hasLeap {
		return 0, fmt.Errorf("calendar: lunar date %s: lunar year %d has no leap month %d", l, l.Year, l.Month)
	}
	k := floor(0.5 + (float64(a11)-jdNewMoon1900)/synodicMonth)
	start := newMoonDay(k+off, zone)
	if length := newMoonDay(k+off+1, zone) - start; l.Day > length {
		return 0, fmt.Errorf("calendar: lunar date %s: that month has %d days", l, length)
	}
	return start + l.Day - 1, nil
}
