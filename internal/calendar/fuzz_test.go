package calendar

import (
	"testing"
	"time"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-02-13", "2024-02-29", "2025-02-29", "0000-01-01", "9999-12-31", "2026-13-01", "", "2026-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if !d.Valid() || d.String() != s {
			t.Fatalf("ParseDate(%q) = %v (valid %v)", s, d, d.Valid())
		}
		if d.AddDays(1).AddDays(-1) != d {
			t.Fatalf("%v: AddDays does not invert", d)
		}
		if ref := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC); ref.Weekday() != d.Weekday() || DateOf(ref) != d {
			t.Fatalf("%v disagrees with package time", d)
		}
	})
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"07:30", "24:00", "24:01", "00:00", "7:30", "12:60", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClock(s)
		if err != nil {
			return
		}
		if !c.Valid() || c.String() != s {
			t.Fatalf("ParseClock(%q) = %d, String %q", s, int(c), c.String())
		}
	})
}

// FuzzAddBetween checks the contract of Add, Between and Explain on a
// calendar with a government list, a make-up Saturday and local days.
func FuzzAddBetween(f *testing.F) {
	cfg := DefaultConfig()
	cfg.Years = map[int]YearDays{2026: gov2026()}
	cfg.Local = []SpecialDay{{date(2026, 3, 7), WorkingDay, "Làm bù"}, {date(2026, 3, 9), DayOff, "Nghỉ"}}
	cal := newCal(f, cfg)
	base := at(2025, 12, 1, 0, 0)
	f.Add(int64(0), int64(0))
	f.Add(int64(time.Duration(74*24+9)*time.Hour), int64(24*time.Hour)) // 13 Feb 2026 09:00, 3 days
	f.Add(int64(time.Duration(263*24+17)*time.Hour), int64(time.Hour))
	f.Fuzz(func(t *testing.T, offset, work int64) {
		const span = int64(3 * 366 * 24 * time.Hour)
		offset %= span
		if offset < 0 {
			offset += span
		}
		work %= int64(300 * 8 * time.Hour) // up to 300 working days
		if work < 0 {
			work = -work
		}
		s := base.Add(time.Duration(offset))
		w := time.Duration(work)
		if w == 0 {
			due := cal.Add(s, 0)
			if cal.Between(s, due) != 0 || due.Before(s) {
				t.Fatalf("Add(%v, 0) = %v", s, due)
			}
			return
		}
		checkAdd(t, cal, s, w)
	})
}
