package calendar

import (
	"testing"
	"time"
)

// hcm is the zone of every hand-computed expectation in these tests.
var hcm = mustLoad("Asia/Ho_Chi_Minh")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a wall-clock instant in Ho Chi Minh City.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, hcm)
}

func date(y int, m time.Month, d int) Date { return Date{Year: y, Month: m, Day: d} }

func clock(t *testing.T, s string) Clock {
	t.Helper()
	c, err := ParseClock(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// gov2026 is the 2026 list for civil servants as an admin would enter it
// from the government's decisions (Lai Châu CV 6620/UBND-VX quoting them):
// Tết off Monday 16 to Friday 20 February; National Day off Tuesday 1 and
// Wednesday 2 September, with Monday 31 August off in exchange for working
// Saturday 22 August. The other days follow the law (Hùng Kings' day on
// Sunday 26 April is compensated on Monday 27 April).
func gov2026() YearDays {
	return YearDays{
		{date(2026, 1, 1), DayOff, "Tết Dương lịch"},
		{date(2026, 2, 16), DayOff, "Tết Nguyên đán"},
		{date(2026, 2, 17), DayOff, "Tết Nguyên đán"},
		{date(2026, 2, 18), DayOff, "Tết Nguyên đán"},
		{date(2026, 2, 19), DayOff, "Tết Nguyên đán"},
		{date(2026, 2, 20), DayOff, "Tết Nguyên đán"},
		{date(2026, 4, 26), DayOff, "Giỗ Tổ Hùng Vương"},
		{date(2026, 4, 27), DayOff, "Nghỉ bù Giỗ Tổ Hùng Vương"},
		{date(2026, 4, 30), DayOff, "Ngày Chiến thắng"},
		{date(2026, 5, 1), DayOff, "Ngày Quốc tế Lao động"},
		{date(2026, 8, 22), WorkingDay, "Làm bù cho thứ Hai 31/8"},
		{date(2026, 8, 31), DayOff, "Nghỉ hoán đổi Quốc khánh"},
		{date(2026, 9, 1), DayOff, "Quốc khánh"},
		{date(2026, 9, 2), DayOff, "Quốc khánh"},
	}
}

func newCal(t testing.TB, cfg Config) *Calendar {
	t.Helper()
	cal, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// govCal is the default calendar with the 2026 government list.
func govCal(t testing.TB) *Calendar {
	cfg := DefaultConfig()
	cfg.Years = map[int]YearDays{2026: gov2026()}
	return newCal(t, cfg)
}

// defaultsCal is the default calendar with statutory days for every year.
func defaultsCal(t testing.TB) *Calendar { return newCal(t, DefaultConfig()) }
