package calendar

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewDefaults(t *testing.T) {
	cal := newCal(t, Config{})
	if cal.Location().String() != "Asia/Ho_Chi_Minh" {
		t.Errorf("default location %v", cal.Location())
	}
	if got := cal.Hours(); len(got) != 2 || got[0].String() != "07:30-11:30" || got[1].String() != "13:00-17:00" {
		t.Errorf("default hours %v", got)
	}
	if cal.DayLength() != 8*time.Hour || cal.Days(0.5) != 4*time.Hour || cal.Days(3) != 24*time.Hour {
		t.Errorf("DayLength %v, Days(0.5) %v", cal.DayLength(), cal.Days(0.5))
	}
	if cal.Days(-1) != 0 || cal.Days(1.0/3) != 2*time.Hour+40*time.Minute {
		t.Errorf("Days(-1) = %v, Days(1/3) = %v", cal.Days(-1), cal.Days(1.0/3))
	}
	if !cal.IsWorkingDay(date(2026, 3, 11)) || cal.IsWorkingDay(date(2026, 3, 14)) || cal.IsWorkingDay(date(2026, 3, 15)) {
		t.Error("default weekend is Saturday and Sunday")
	}
	// The fallback zone, used only if no zone database is reachable.
	if z := time.FixedZone("ICT", 7*3600); time.Date(2026, 1, 1, 0, 0, 0, 0, z).Sub(at(2026, 1, 1, 0, 0)) != 0 {
		t.Error("ICT must equal Asia/Ho_Chi_Minh today")
	}
}

func TestNewValidation(t *testing.T) {
	base := func(edit func(*Config)) Config { c := DefaultConfig(); edit(&c); return c }
	long := make([]SpecialDay, 0, 400)
	for i := 0; i < 400; i++ {
		long = append(long, SpecialDay{date(2027, 1, 1).AddDays(i), DayOff, "Đóng cửa"})
	}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"reversed period", base(func(c *Config) { c.Hours = []Period{{690, 450}} }), "Config.Hours[0]: start 11:30 is not before end 07:30"},
		{"empty period", base(func(c *Config) { c.Hours = []Period{{450, 450}} }), "Config.Hours[0]"},
		{"clock out of day", base(func(c *Config) { c.Hours = []Period{{450, 1500}} }), "Config.Hours[0]: 07:30-Clock(1500) is outside 00:00-24:00"},
		{"overlap", base(func(c *Config) { c.Hours = []Period{{450, 720}, {690, 1020}} }), "Config.Hours[1]: 11:30-17:00 starts before Hours[0] 07:30-12:00 ends"},
		{"unsorted", base(func(c *Config) { c.Hours = []Period{{780, 1020}, {450, 690}} }), "Config.Hours[1]"},
		{"bad weekday", base(func(c *Config) { c.Weekend = []time.Weekday{9} }), "Config.Weekend[0]: 9 is not a weekday"},
		{"weekend twice", base(func(c *Config) { c.Weekend = []time.Weekday{time.Sunday, time.Sunday} }), "Config.Weekend[1]: Sunday is listed twice"},
		{"no working weekday", base(func(c *Config) {
			c.Weekend = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
		}), "Config.Weekend: every day of the week is a rest day"},
		{"year mismatch", base(func(c *Config) {
			c.Years = map[int]YearDays{2026: {{date(2027, 1, 1), DayOff, "x"}}}
		}), "Config.Years[2026][0]: date 2027-01-01 is not in year 2026"},
		{"year duplicate", base(func(c *Config) {
			c.Years = map[int]YearDays{2026: append(gov2026(), SpecialDay{date(2026, 9, 2), DayOff, "again"})}
		}), "Config.Years[2026][14]: date 2026-09-02 is already listed at [13]"},
		{"first bad year reported", base(func(c *Config) {
			c.Years = map[int]YearDays{2030: {{date(2026, 1, 1), DayOff, "x"}}, 2029: {{date(2026, 1, 1), DayOff, "x"}}}
		}), "Config.Years[2029][0]"},
		{"kind unset", base(func(c *Config) {
			c.Years = map[int]YearDays{2026: {{Date: date(2026, 1, 1), Name: "x"}}}
		}), "Config.Years[2026][0]: 2026-01-01: Kind must be DayOff or WorkingDay"},
		{"local invalid date", base(func(c *Config) { c.Local = []SpecialDay{{Date{}, DayOff, "x"}} }), "Config.Local[0]: date 0000-00-00 does not exist"},
		{"local duplicate", base(func(c *Config) {
			c.Local = []SpecialDay{{date(2026, 5, 5), DayOff, "a"}, {date(2026, 5, 5), WorkingDay, "b"}}
		}), "Config.Local[1]: date 2026-05-05 is already listed at [0]"},
		{"over a year without work", base(func(c *Config) { c.Local = long }), "no working day from 2027-01-01 to 2028-01-02 (more than 366 days)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v, want error containing %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "calendar: ") {
				t.Errorf("error lacks the package prefix: %v", err)
			}
		})
	}
	// A long closure that stays under the bound is accepted and skipped.
	cfg := DefaultConfig()
	cfg.Local = long[:300]
	cal := newCal(t, cfg)
	if got, want := cal.Add(at(2026, 12, 31, 16, 0), 2*time.Hour), at(2027, 10, 28, 8, 30); !got.Equal(want) {
		t.Errorf("Add across the closure = %v, want %v", got, want)
	}
}

func TestNewCopiesConfig(t *testing.T) {
	cfg := DefaultConfig()
	list := gov2026()
	cfg.Years = map[int]YearDays{2026: list}
	cal := newCal(t, cfg)
	list[1].Kind = WorkingDay // the admin edits the slice afterwards
	cfg.Hours[0].Start = 0
	if cal.IsWorkingDay(date(2026, 2, 16)) || cal.Hours()[0].Start != 450 {
		t.Error("Calendar must not alias the caller's Config")
	}
}

func TestDayInfo(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Years = map[int]YearDays{2026: gov2026(), 2027: {}}
	cfg.Local = []SpecialDay{
		{date(2026, 3, 11), DayOff, "Kỷ niệm ngày thành lập tỉnh"}, // agency day off
		{date(2026, 2, 17), WorkingDay, "Trực Tết"},                // open on a national holiday
		{date(2026, 8, 22), DayOff, ""},                            // agency keeps the Saturday off
	}
	cal := newCal(t, cfg)
	cases := []struct {
		d       Date
		working bool
		reason  string
	}{
		{date(2026, 3, 10), true, "working day"},
		{date(2026, 3, 14), false, "Saturday"},
		{date(2026, 3, 15), false, "Sunday"},
		{date(2026, 2, 16), false, "Tết Nguyên đán"},
		{date(2026, 2, 21), false, "Saturday"},
		{date(2026, 4, 27), false, "Nghỉ bù Giỗ Tổ Hùng Vương"},
		{date(2026, 8, 31), false, "Nghỉ hoán đổi Quốc khánh"},
		{date(2026, 9, 3), true, "working day"},
		{date(2026, 3, 11), false, "Kỷ niệm ngày thành lập tỉnh"}, // local wins
		{date(2026, 2, 17), true, "make-up working day: Trực Tết"},
		{date(2026, 8, 22), false, "day off"},
		{date(2027, 1, 1), true, "working day"}, // 2027 set to an empty list: no holidays at all
		{date(2025, 1, 1), false, "Tết Dương lịch"},
		{date(2025, 2, 3), false, "Nghỉ bù Tết Nguyên đán"}, // 2025 not set: defaults
	}
	for _, c := range cases {
		working, reason := cal.DayInfo(c.d)
		if working != c.working || reason != c.reason || cal.IsWorkingDay(c.d) != c.working {
			t.Errorf("DayInfo(%v) = %v, %q; want %v, %q", c.d, working, reason, c.working, c.reason)
		}
	}
	// A make-up Saturday from the year list, when no local override applies.
	if working, reason := govCal(t).DayInfo(date(2026, 8, 22)); !working || reason != "make-up working day: Làm bù cho thứ Hai 31/8" {
		t.Errorf("22 Aug 2026: %v %q", working, reason)
	}
}

func TestWeekendConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Weekend = []time.Weekday{} // open every day of the week
	cal := newCal(t, cfg)
	if !cal.IsWorkingDay(date(2026, 3, 14)) || cal.IsWorkingDay(date(2026, 2, 17)) {
		t.Error("empty weekend: Saturdays work, holidays still off")
	}
	cfg.Weekend = []time.Weekday{time.Sunday}
	cal = newCal(t, cfg)
	if !cal.IsWorkingDay(date(2026, 3, 14)) || cal.IsWorkingDay(date(2026, 3, 15)) {
		t.Error("Sunday-only weekend")
	}
}

func TestClockStart(t *testing.T) {
	cal := govCal(t)
	c15, c11 := clock(t, "15:00"), clock(t, "11:00")
	cases := []struct {
		name     string
		received time.Time
		cutoff   *Clock
		want     time.Time
		why      string
	}{
		{"inside working hours", at(2026, 3, 11, 9, 0), nil, at(2026, 3, 11, 9, 0), "received during working hours; clock starts at receipt"},
		{"opening instant", at(2026, 3, 11, 7, 30), nil, at(2026, 3, 11, 7, 30), "during working hours"},
		{"before opening", at(2026, 3, 11, 6, 0), nil, at(2026, 3, 11, 7, 30), "received before working hours; clock starts at 07:30"},
		{"before opening, with cut-off", at(2026, 3, 11, 6, 0), &c15, at(2026, 3, 11, 7, 30), "before working hours"},
		{"lunch", at(2026, 3, 11, 12, 15), nil, at(2026, 3, 11, 13, 0), "received during a break; clock starts at 13:00"},
		{"end of morning", at(2026, 3, 11, 11, 30), nil, at(2026, 3, 11, 13, 0), "during a break"},
		{"exactly 17:00", at(2026, 3, 11, 17, 0), nil, at(2026, 3, 12, 7, 30), "received after working hours (17:00); clock starts next working day"},
		{"evening", at(2026, 3, 11, 20, 0), nil, at(2026, 3, 12, 7, 30), "after working hours"},
		{"before cut-off", time.Date(2026, 3, 11, 14, 59, 59, 0, hcm), &c15, time.Date(2026, 3, 11, 14, 59, 59, 0, hcm), "during working hours"},
		{"at cut-off", at(2026, 3, 11, 15, 0), &c15, at(2026, 3, 12, 7, 30), "received after the 15:00 cut-off; clock starts next working day"},
		{"after cut-off", at(2026, 3, 11, 15, 30), &c15, at(2026, 3, 12, 7, 30), "cut-off"},
		{"after cut-off before Tết", at(2026, 2, 13, 16, 0), &c15, at(2026, 2, 23, 7, 30), "cut-off"},
		{"cut-off inside lunch", at(2026, 3, 11, 12, 0), &c11, at(2026, 3, 12, 7, 30), "after the 11:00 cut-off"},
		{"Sunday", at(2026, 3, 15, 10, 0), nil, at(2026, 3, 16, 7, 30), "received on a non-working day (Sunday); clock starts next working day"},
		{"Saturday before a Monday holiday", at(2026, 4, 25, 10, 0), nil, at(2026, 4, 28, 7, 30), "(Saturday)"},
		{"Tết", at(2026, 2, 17, 9, 0), nil, at(2026, 2, 23, 7, 30), "(Tết Nguyên đán)"},
		{"make-up Saturday", at(2026, 8, 22, 10, 0), nil, at(2026, 8, 22, 10, 0), "during working hours"},
		{"evening before Tết", at(2026, 2, 13, 18, 0), nil, at(2026, 2, 23, 7, 30), "after working hours"},
		{"received in UTC", time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC), nil, at(2026, 3, 11, 9, 0), "during working hours"},
		{"UTC evening is next morning", time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC), nil, at(2026, 3, 11, 7, 30), "before working hours"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, why := cal.ClockStart(c.received, c.cutoff)
			if !got.Equal(c.want) || got.Location() != cal.Location() {
				t.Errorf("ClockStart = %v, want %v", got, c.want)
			}
			if !strings.Contains(why, c.why) {
				t.Errorf("why = %q, want it to contain %q", why, c.why)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	cal := defaultsCal(t) // fresh: year tables are filled concurrently
	start := at(2026, 2, 13, 9, 0)
	want := cal.Add(start, 40*24*time.Hour)
	cal = defaultsCal(t)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if got := cal.Add(start, 40*24*time.Hour); !got.Equal(want) {
					t.Errorf("concurrent Add = %v, want %v", got, want)
					return
				}
				cal.Between(start, want)
				cal.IsWorkingDay(date(2030+g, 1, 1))
			}
		}()
	}
	wg.Wait()
}
