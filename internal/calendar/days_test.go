package calendar

import (
	"strings"
	"testing"
	"time"
)

// Hand lists of the statutory defaults. Weekdays were checked on a printed
// calendar; compensation days follow Labour Code Art. 111(3).
func TestVietnamDefaults(t *testing.T) {
	const (
		ny, tet, hung, victory, labour, national = "Tết Dương lịch", "Tết Nguyên đán", "Giỗ Tổ Hùng Vương",
			"Ngày Chiến thắng", "Ngày Quốc tế Lao động", "Quốc khánh"
	)
	cases := map[int][]struct {
		date string
		name string
	}{
		2024: {
			{"2024-01-01", ny},               // Mon
			{"2024-02-09", tet},              // Fri, 30 Tết (month 12 of Quý Mão has 30 days)
			{"2024-02-10", tet},              // Sat, Tết
			{"2024-02-11", tet},              // Sun
			{"2024-02-12", tet},              // Mon
			{"2024-02-13", tet},              // Tue
			{"2024-02-14", "Nghỉ bù " + tet}, // Wed, for Sat 10
			{"2024-02-15", "Nghỉ bù " + tet}, // Thu, for Sun 11
			{"2024-04-18", hung},             // Thu
			{"2024-04-30", victory},          // Tue
			{"2024-05-01", labour},           // Wed
			{"2024-09-02", national},         // Mon, so the adjacent day is Tue 3 Sep
			{"2024-09-03", national},
		},
		2025: {
			{"2025-01-01", ny},               // Wed
			{"2025-01-28", tet},              // Tue, 29 Tết (month 12 of Giáp Thìn has 29 days)
			{"2025-01-29", tet},              // Wed, Tết
			{"2025-01-30", tet},              // Thu
			{"2025-01-31", tet},              // Fri
			{"2025-02-01", tet},              // Sat
			{"2025-02-03", "Nghỉ bù " + tet}, // Mon, for Sat 1 Feb
			{"2025-04-07", hung},             // Mon
			{"2025-04-30", victory},          // Wed
			{"2025-05-01", labour},           // Thu
			{"2025-09-01", national},         // Mon
			{"2025-09-02", national},         // Tue
		},
		2026: {
			{"2026-01-01", ny},                // Thu
			{"2026-02-16", tet},               // Mon, 29 Tết
			{"2026-02-17", tet},               // Tue, Tết
			{"2026-02-18", tet},               // Wed
			{"2026-02-19", tet},               // Thu
			{"2026-02-20", tet},               // Fri
			{"2026-04-26", hung},              // Sun
			{"2026-04-27", "Nghỉ bù " + hung}, // Mon
			{"2026-04-30", victory},           // Thu
			{"2026-05-01", labour},            // Fri
			{"2026-09-01", national},          // Tue
			{"2026-09-02", national},          // Wed
		},
	}
	for year, want := range cases {
		got := VietnamDefaults(year)
		if len(got) != len(want) {
			t.Errorf("VietnamDefaults(%d) has %d days, want %d:\n%v", year, len(got), len(want), got)
			continue
		}
		for i, w := range want {
			g := got[i]
			if g.Date.String() != w.date || g.Name != w.name || g.Kind != DayOff {
				t.Errorf("VietnamDefaults(%d)[%d] = %v %q %v, want %s %q", year, i, g.Date, g.Name, g.Kind, w.date, w.name)
			}
		}
	}
}

func TestVietnamDefaultsProperties(t *testing.T) {
	for year := 1900; year <= 2100; year++ {
		days := VietnamDefaults(year)
		if err := days.Validate(year); err != nil {
			t.Fatalf("VietnamDefaults(%d): %v", year, err)
		}
		holidays, comps, onRest := 0, 0, 0
		for i, sd := range days {
			if i > 0 && !days[i-1].Date.Before(sd.Date) {
				t.Fatalf("VietnamDefaults(%d) not sorted at %d", year, i)
			}
			wd := sd.Date.Weekday()
			rest := wd == time.Saturday || wd == time.Sunday
			if strings.HasPrefix(sd.Name, "Nghỉ bù ") {
				comps++
				if rest {
					t.Errorf("%d: compensation day %v falls on %v", year, sd.Date, wd)
				}
				continue
			}
			holidays += 1 + strings.Count(sd.Name, ";") // two holidays may share a day (1947)
			if rest {
				onRest++
			}
		}
		if holidays != 11 || comps != onRest {
			t.Errorf("VietnamDefaults(%d): %d holidays, %d compensation days for %d on weekends", year, holidays, comps, onRest)
		}
		if tet := LunarNewYear(year); !contains(days, tet.AddDays(-1)) || !contains(days, tet.AddDays(3)) {
			t.Errorf("VietnamDefaults(%d) misses the Tết span around %v", year, tet)
		}
	}
}

func contains(days YearDays, d Date) bool {
	for _, sd := range days {
		if sd.Date == d {
			return true
		}
	}
	return false
}

func TestYearDaysValidate(t *testing.T) {
	if err := gov2026().Validate(2026); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		days YearDays
		want string
	}{
		{YearDays{{date(2026, 2, 30), DayOff, "x"}}, "YearDays[0]: date 2026-02-30 does not exist"},
		{YearDays{{date(2025, 12, 31), DayOff, "x"}}, "YearDays[0]: date 2025-12-31 is not in year 2026"},
		{YearDays{{date(2026, 1, 1), 0, "x"}}, "YearDays[0]: 2026-01-01: Kind must be DayOff or WorkingDay"},
		{YearDays{{date(2026, 1, 1), DayOff, "x"}, {date(2026, 1, 1), WorkingDay, "y"}}, "YearDays[1]: date 2026-01-01 is already listed at [0]"},
	}
	for _, c := range cases {
		err := c.days.Validate(2026)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%v) = %v, want %q", c.days, err, c.want)
		}
	}
	if DayOff.String() != "day off" || WorkingDay.String() != "working day" || DayKind(0).String() != "DayKind(0)" {
		t.Error("DayKind.String")
	}
}
