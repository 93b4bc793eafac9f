package calendar_test

import (
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/calendar"
)

// A dossier received on Friday 13 February 2026 at 09:00, with a statutory
// time of 3 working days, under the government's 2026 Tết decision.
func Example() {
	cfg := calendar.DefaultConfig()
	d := func(s string) calendar.Date { x, _ := calendar.ParseDate(s); return x }
	tet := calendar.YearDays{}
	for _, s := range []string{"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"} {
		tet = append(tet, calendar.SpecialDay{Date: d(s), Kind: calendar.DayOff, Name: "Tết Nguyên đán"})
	}
	cfg.Years = map[int]calendar.YearDays{2026: tet} // abridged: a real list holds the whole year
	cal, err := calendar.New(cfg)
	if err != nil {
		panic(err)
	}

	received := time.Date(2026, 2, 13, 9, 0, 0, 0, cal.Location())
	cutoff := calendar.Clock(15 * 60)
	start, why := cal.ClockStart(received, &cutoff)
	due := cal.Add(start, cal.Days(3))
	fmt.Println(why)
	fmt.Println("due", due.Format("Mon 2006-01-02 15:04"))
	for _, seg := range cal.Explain(start, cal.Days(3)) {
		fmt.Println(seg)
	}
	// Output:
	// received during working hours; clock starts at receipt
	// due Wed 2026-02-25 09:00
	// 2026-02-13 Fri  09:00-17:00  counted 6h30m  total 6h30m
	// 2026-02-14 Sat - 2026-02-22 Sun  not counted (9 days): Saturday, Sunday, Tết Nguyên đán
	// 2026-02-23 Mon  07:30-17:00  counted 8h00m  total 14h30m
	// 2026-02-24 Tue  07:30-17:00  counted 8h00m  total 22h30m
	// 2026-02-25 Wed  07:30-09:00  counted 1h30m  total 24h00m
}

func ExampleLunarNewYear() {
	fmt.Println(calendar.LunarNewYear(2026), calendar.LunarNewYear(2007), calendar.LunarNewYear(2030))
	// Output: 2026-02-17 2007-02-17 2030-02-02
}

func ExampleVietnamDefaults() {
	for _, sd := range calendar.VietnamDefaults(2026) {
		fmt.Println(sd.Date, sd.Date.Weekday().String()[:3], sd.Name)
	}
	// Output:
	// 2026-01-01 Thu Tết Dương lịch
	// 2026-02-16 Mon Tết Nguyên đán
	// 2026-02-17 Tue Tết Nguyên đán
	// 2026-02-18 Wed Tết Nguyên đán
	// 2026-02-19 Thu Tết Nguyên đán
	// 2026-02-20 Fri Tết Nguyên đán
	// 2026-04-26 Sun Giỗ Tổ Hùng Vương
	// 2026-04-27 Mon Nghỉ bù Giỗ Tổ Hùng Vương
	// 2026-04-30 Thu Ngày Chiến thắng
	// 2026-05-01 Fri Ngày Quốc tế Lao động
	// 2026-09-01 Tue Quốc khánh
	// 2026-09-02 Wed Quốc khánh
}
