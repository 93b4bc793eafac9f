package calendar

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	good := map[string]Date{
		"2026-02-13": date(2026, 2, 13),
		"2024-02-29": date(2024, 2, 29),
		"2000-02-29": date(2000, 2, 29),
		"0001-01-01": date(1, 1, 1),
		"9999-12-31": date(9999, 12, 31),
	}
	for s, want := range good {
		got, err := ParseDate(s)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, got.String())
		}
	}
	for _, s := range []string{
		"", "2026-2-13", "2026-02-1", "26-02-13", "2026/02/13", "2026-02-13 ",
		"2026-13-01", "2026-00-10", "2026-02-00", "2025-02-29", "1900-02-29",
		"2026-04-31", "+026-02-13", "2026-0a-13", "２026-02-13",
	} {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want error", s, d)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	// Day counts, weekdays and AddDays agree with package time over a wide
	// range, including century leap rules and dates before 1970.
	ref := time.Date(1599, 1, 1, 12, 0, 0, 0, time.UTC)
	start := DateOf(ref)
	for i := 0; i < 600*366; i += 7 {
		tt := ref.AddDate(0, 0, i)
		want := DateOf(tt)
		got := start.AddDays(i)
		if got != want {
			t.Fatalf("%v.AddDays(%d) = %v, want %v", start, i, got, want)
		}
		if got.Weekday() != tt.Weekday() {
			t.Fatalf("%v.Weekday() = %v, want %v", got, got.Weekday(), tt.Weekday())
		}
		if back := got.AddDays(-i); back != start {
			t.Fatalf("%v.AddDays(%d) = %v, want %v", got, -i, back, start)
		}
	}
	if got := date(2026, 2, 30).AddDays(0); got != date(2026, 3, 2) {
		t.Errorf("normalising 2026-02-30 gave %v", got)
	}
	if got := date(2026, 13, 1).AddDays(0); got != date(2027, 1, 1) {
		t.Errorf("normalising 2026-13-01 gave %v", got)
	}
	if got := date(2026, 12, 31).AddDays(1); got != date(2027, 1, 1) {
		t.Errorf("AddDays over the new year gave %v", got)
	}
}

func TestDateCompare(t *testing.T) {
	a, b := date(2026, 2, 13), date(2026, 2, 17)
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Compare/Before/After disagree")
	}
	if !date(2025, 12, 31).Before(date(2026, 1, 1)) || !date(2026, 1, 31).Before(date(2026, 2, 1)) {
		t.Error("year and month must dominate the day")
	}
}

func TestDateAtAndDateOf(t *testing.T) {
	d := date(2026, 2, 13)
	if got, want := d.At(7*60+30, hcm), at(2026, 2, 13, 7, 30); !got.Equal(want) {
		t.Errorf("At(07:30) = %v, want %v", got, want)
	}
	if got, want := d.At(24*60, hcm), at(2026, 2, 14, 0, 0); !got.Equal(want) {
		t.Errorf("At(24:00) = %v, want %v", got, want)
	}
	// DateOf uses the instant's own location: 20:00 UTC is the next morning
	// in Vietnam.
	u := time.Date(2026, 2, 12, 20, 0, 0, 0, time.UTC)
	if DateOf(u) != date(2026, 2, 12) || DateOf(u.In(hcm)) != date(2026, 2, 13) {
		t.Errorf("DateOf ignores the location: %v / %v", DateOf(u), DateOf(u.In(hcm)))
	}
}

func TestParseClock(t *testing.T) {
	good := map[string]Clock{"00:00": 0, "07:30": 450, "11:30": 690, "17:00": 1020, "23:59": 1439, "24:00": 1440}
	for s, want := range good {
		got, err := ParseClock(s)
		if err != nil || got != want {
			t.Errorf("ParseClock(%q) = %v, %v; want %d", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("ParseClock(%q).String() = %q", s, got.String())
		}
	}
	for _, s := range []string{"", "7:30", "07:3", "0730", "07.30", "24:01", "25:00", "07:60", "-1:00", "07:30 ", " 7:30", "ab:cd", "07:+5"} {
		if c, err := ParseClock(s); err == nil {
			t.Errorf("ParseClock(%q) = %v, want error", s, c)
		}
	}
	if Clock(-1).String() != "Clock(-1)" || Clock(1441).Valid() {
		t.Error("out-of-range clocks must be visible as such")
	}
}

func TestParsePeriod(t *testing.T) {
	p, err := ParsePeriod("07:30-11:30")
	if err != nil || p != (Period{450, 690}) || p.Duration() != 4*time.Hour || p.String() != "07:30-11:30" {
		t.Errorf("ParsePeriod = %v, %v", p, err)
	}
	for _, s := range []string{"11:30-07:30", "07:30-07:30", "07:30 11:30", "07:30-25:00", "7:30-11:30"} {
		if _, err := ParsePeriod(s); err == nil {
			t.Errorf("ParsePeriod(%q) succeeded", s)
		}
	}
}
