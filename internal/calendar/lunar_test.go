package calendar

import (
	"fmt"
	"strings"
	"testing"
)

// tetVietnam holds the published Vietnamese Tết (lunar 1/1) dates.
// They equal the Chinese New Year dates except 2007 (China: 18 February)
// and 2030 (China: 3 February): the new moons of 17 February 2007 16:14 UT
// and 2 February 2030 16:07 UT fall before midnight in UTC+7 but after it
// in UTC+8.
var tetVietnam = map[int]string{
	2000: "2000-02-05", 2001: "2001-01-24", 2002: "2002-02-12", 2003: "2003-02-01",
	2004: "2004-01-22", 2005: "2005-02-09", 2006: "2006-01-29", 2007: "2007-02-17",
	2008: "2008-02-07", 2009: "2009-01-26", 2010: "2010-02-14", 2011: "2011-02-03",
	2012: "2012-01-23", 2013: "2013-02-10", 2014: "2014-01-31", 2015: "2015-02-19",
	2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
	2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22",
	2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06",
	2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-02", 2031: "2031-01-23",
	2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19", 2035: "2035-02-08",
}

func TestLunarNewYearPublished(t *testing.T) {
	for y := 2000; y <= 2035; y++ {
		want, ok := tetVietnam[y]
		if !ok {
			t.Fatalf("table misses %d", y)
		}
		if got := LunarNewYear(y).String(); got != want {
			t.Errorf("LunarNewYear(%d) = %s, want %s", y, got, want)
		}
		if got := SolarToLunar(LunarNewYear(y)); got != (LunarDate{Year: y, Month: 1, Day: 1}) {
			t.Errorf("SolarToLunar(Tết %d) = %v", y, got)
		}
	}
}

// ephemerisTet and ephemerisMonth3 are the first days (MMDD) of lunar months
// 1 and 3 of every year 1900-2100, computed for UTC+7 independently of this
// package: with the Swiss Ephemeris (Moshier theory, accurate to arcseconds),
// locating every new moon and principal solar term by bisection and applying
// the calendar rules directly. Hồ Ngọc Đức's shorter formulas agree on every
// one of these 402 months.
const ephemerisTet = `
0131 0219 0208 0128 0216 0204 0125 0213 0202 0122 0210 0130 0218 0206 0126 0214 0203 0123 0211 0201
0220 0208 0128 0216 0205 0124 0213 0202 0123 0210 0130 0217 0206 0126 0214 0203 0124 0211 0131 0219
0208 0127 0215 0205 0125 0213 0202 0122 0210 0129 0217 0206 0127 0214 0203 0124 0212 0131 0218 0208
0128 0215 0205 0125 0213 0201 0121 0209 0129 0216 0206 0127 0215 0203 0123 0211 0131 0218 0207 0128
0216 0205 0125 0213 0202 0121 0209 0129 0217 0206 0127 0215 0204 0123 0210 0131 0219 0207 0128 0216
0205 0124 0212 0201 0122 0209 0129 0217 0207 0126 0214 0203 0123 0210 0131 0219 0208 0128 0216 0205
0125 0212 0201 0122 0210 0129 0217 0206 0126 0213 0202 0123 0211 0131 0219 0208 0128 0215 0204 0124
0212 0201 0122 0210 0130 0217 0206 0126 0214 0202 0123 0211 0201 0218 0208 0128 0215 0204 0124 0212
0202 0121 0209 0129 0217 0205 0126 0214 0203 0123 0211 0131 0219 0207 0127 0215 0205 0124 0212 0202
0122 0209 0129 0217 0206 0126 0214 0203 0124 0210 0130 0218 0207 0127 0215 0205 0125 0212 0201 0121
0209`

const ephemerisMonth3 = `
0331 0419 0408 0329 0416 0405 0325 0413 0401 0420 0410 0330 0417 0407 0327 0414 0402 0323 0411 0401
0419 0408 0328 0416 0404 0324 0412 0402 0420 0410 0330 0418 0406 0326 0414 0403 0323 0411 0401 0419
0408 0328 0415 0405 0324 0412 0402 0421 0409 0329 0417 0406 0326 0414 0403 0324 0411 0331 0419 0408
0327 0415 0405 0325 0412 0402 0322 0410 0329 0417 0406 0327 0414 0403 0324 0411 0331 0418 0407 0328
0415 0405 0325 0413 0401 0420 0409 0329 0416 0406 0327 0415 0403 0323 0411 0331 0418 0407 0328 0416
0405 0325 0413 0402 0419 0409 0329 0417 0406 0326 0414 0403 0322 0410 0331 0419 0407 0328 0416 0405
0324 0412 0401 0420 0409 0329 0417 0407 0326 0414 0403 0323 0410 0331 0419 0408 0328 0415 0404 0325
0411 0401 0420 0410 0329 0417 0406 0326 0413 0402 0323 0411 0331 0419 0408 0328 0415 0404 0324 0412
0401 0322 0410 0330 0417 0406 0326 0414 0402 0323 0411 0331 0418 0407 0327 0415 0404 0324 0412 0402
0321 0409 0329 0417 0405 0325 0413 0403 0323 0411 0331 0419 0407 0327 0415 0404 0324 0412 0402 0420
0409`

func TestLunarAgainstEphemeris1900To2100(t *testing.T) {
	tets, month3s := strings.Fields(ephemerisTet), strings.Fields(ephemerisMonth3)
	if len(tets) != 201 || len(month3s) != 201 {
		t.Fatalf("tables hold %d and %d years, want 201", len(tets), len(month3s))
	}
	for i := range tets {
		y := 1900 + i
		tet, err := ParseDate(fmt.Sprintf("%04d-%s-%s", y, tets[i][:2], tets[i][2:]))
		if err != nil {
			t.Fatal(err)
		}
		if got := LunarNewYear(y); got != tet {
			t.Errorf("LunarNewYear(%d) = %v, ephemeris says %v", y, got, tet)
		}
		m3, err := ParseDate(fmt.Sprintf("%04d-%s-%s", y, month3s[i][:2], month3s[i][2:]))
		if err != nil {
			t.Fatal(err)
		}
		hung, err := LunarToSolar(LunarDate{Year: y, Month: 3, Day: 10})
		if err != nil || hung != m3.AddDays(9) {
			t.Errorf("10/3/%d = %v, %v; ephemeris says %v", y, hung, err, m3.AddDays(9))
		}
	}
}

func TestTimeZoneMatters(t *testing.T) {
	// The winter solstice of 1984 (21 Dec 16:22 UT) falls on 21 December in
	// UTC+7 but on 22 December in UTC+8, the day a new moon (22 Dec 11:46 UT)
	// begins a month. So month 11, the month holding the solstice, began on
	// 23 November in Vietnam and on 22 December in China, and Tết Ất Sửu was
	// a month apart: 21 January 1985 in Vietnam, 20 February in China.
	cases := []struct {
		year   int
		vn, cn string
	}{
		{1985, "1985-01-21", "1985-02-20"}, // month 11 placed a month apart
		{2007, "2007-02-17", "2007-02-18"}, // new moon at 16:14 UT
		{2030, "2030-02-02", "2030-02-03"}, // new moon at 16:07 UT
		{2026, "2026-02-17", "2026-02-17"}, // most years agree
	}
	for _, c := range cases {
		vn, cn := lunarNewYear(c.year, 7).String(), lunarNewYear(c.year, 8).String()
		if vn != c.vn || cn != c.cn {
			t.Errorf("Tết %d: UTC+7 %s, UTC+8 %s; want %s, %s", c.year, vn, cn, c.vn, c.cn)
		}
		if LunarNewYear(c.year).String() != c.vn {
			t.Errorf("LunarNewYear(%d) must use UTC+7", c.year)
		}
	}
	// The same solar day is a different lunar date in the two zones.
	d := date(1985, 2, 1)
	if vn, cn := solarToLunar(d.days()+julianDayOffset, 7), solarToLunar(d.days()+julianDayOffset, 8); vn == cn {
		t.Errorf("1985-02-01 is %v in both zones", vn)
	} else if vn != (LunarDate{Year: 1985, Month: 1, Day: 12}) || cn != (LunarDate{Year: 1984, Month: 12, Day: 12}) {
		t.Errorf("1985-02-01: UTC+7 %v, UTC+8 %v", vn, cn)
	}
}

func TestLunarKnownDates(t *testing.T) {
	cases := []struct {
		solar Date
		lunar LunarDate
	}{
		{date(2024, 4, 18), LunarDate{2024, 3, 10, false}}, // Giỗ Tổ Hùng Vương 2024
		{date(2025, 4, 7), LunarDate{2025, 3, 10, false}},
		{date(2026, 4, 26), LunarDate{2026, 3, 10, false}},
		{date(2026, 2, 16), LunarDate{2025, 12, 29, false}}, // last day of Ất Tỵ: month 12 has 29 days
		{date(2024, 2, 9), LunarDate{2023, 12, 30, false}},  // last day of Quý Mão: 30 Tết
		{date(2020, 5, 23), LunarDate{2020, 4, 1, true}},    // leap month 4 of Canh Tý
		{date(2023, 3, 22), LunarDate{2023, 2, 1, true}},    // leap month 2 of Quý Mão
		{date(2023, 3, 25), LunarDate{2023, 2, 4, true}},
		{date(2025, 7, 25), LunarDate{2025, 6, 1, true}},   // leap month 6 of Ất Tỵ
		{date(2025, 10, 6), LunarDate{2025, 8, 15, false}}, // Mid-Autumn 2025
		{date(2033, 12, 22), LunarDate{2033, 11, 1, true}}, // leap month 11: the "2033 problem"
		{date(2034, 1, 20), LunarDate{2033, 12, 1, false}},
		{date(1968, 1, 29), LunarDate{1968, 1, 1, false}}, // Tết Mậu Thân, first UTC+7 Tết
		{date(1900, 1, 31), LunarDate{1900, 1, 1, false}},
		{date(2100, 12, 31), LunarDate{2100, 12, 1, false}}, // range end
	}
	for _, c := range cases {
		if got := SolarToLunar(c.solar); got != c.lunar {
			t.Errorf("SolarToLunar(%v) = %v, want %v", c.solar, got, c.lunar)
		}
		if got, err := LunarToSolar(c.lunar); err != nil || got != c.solar {
			t.Errorf("LunarToSolar(%v) = %v, %v; want %v", c.lunar, got, err, c.solar)
		}
	}
}

func TestLunarToSolarRejectsMissingDates(t *testing.T) {
	for _, l := range []LunarDate{
		{2025, 12, 30, false}, // month 12 of Ất Tỵ has 29 days
		{2026, 3, 10, true},   // Bính Ngọ has no leap month
		{2025, 5, 1, true},    // Ất Tỵ's leap month is 6, not 5
		{2023, 2, 30, true},   // leap month 2 of Quý Mão has 29 days
		{2026, 0, 1, false},
		{2026, 13, 1, false},
		{2026, 1, 0, false},
		{2026, 1, 31, false},
	} {
		if d, err := LunarToSolar(l); err == nil {
			t.Errorf("LunarToSolar(%v) = %v, want error", l, d)
		}
	}
}

func TestLunarRoundTripEveryDay1900To2100(t *testing.T) {
	first, last := date(1900, 1, 31), date(2100, 12, 31)
	prev := SolarToLunar(first.AddDays(-1))
	for dn := first.days(); dn <= last.days(); dn++ {
		d := fromDays(dn)
		l := SolarToLunar(d)
		back, err := LunarToSolar(l)
		if err != nil || back != d {
			t.Fatalf("%v -> %v -> %v, %v", d, l, back, err)
		}
		// Lunar days run on by one, or a new month starts after day 29 or 30.
		switch {
		case l.Day == prev.Day+1 && l.Month == prev.Month && l.Leap == prev.Leap && l.Year == prev.Year:
		case l.Day == 1 && (prev.Day == 29 || prev.Day == 30):
			newYear := l.Month == 1 && !l.Leap
			if newYear != (l.Year == prev.Year+1) || (!newYear && l.Year != prev.Year) {
				t.Fatalf("%v: year step %v -> %v", d, prev, l)
			}
			if !l.Leap && l.Month != prev.Month%12+1 || l.Leap && l.Month != prev.Month {
				t.Fatalf("%v: month step %v -> %v", d, prev, l)
			}
		default:
			t.Fatalf("%v: %v follows %v", d, l, prev)
		}
		prev = l
	}
}

func TestLunarDateString(t *testing.T) {
	if s := (LunarDate{2026, 3, 10, false}).String(); s != "10/3/2026" {
		t.Error(s)
	}
	if s := (LunarDate{2023, 2, 4, true}).String(); s != "4/2 leap/2023" {
		t.Error(s)
	}
}
