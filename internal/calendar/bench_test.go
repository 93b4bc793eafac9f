package calendar

import (
	"testing"
	"time"
)

func BenchmarkAddOneYear(b *testing.B) {
	cal := govCal(b)
	start := at(2026, 1, 5, 9, 0)
	work := cal.Days(250) // about a calendar year of working days
	cal.Add(start, work)  // fill the year tables
	b.ResetTimer()
	for b.Loop() {
		cal.Add(start, work)
	}
}

func BenchmarkAddThreeDays(b *testing.B) {
	cal := govCal(b)
	start := at(2026, 2, 13, 9, 0)
	cal.Add(start, 24*time.Hour)
	b.ResetTimer()
	for b.Loop() {
		cal.Add(start, 24*time.Hour)
	}
}

func BenchmarkBetweenOneYear(b *testing.B) {
	cal := govCal(b)
	from, to := at(2026, 1, 5, 9, 0), at(2027, 1, 5, 9, 0)
	cal.Between(from, to)
	b.ResetTimer()
	for b.Loop() {
		cal.Between(from, to)
	}
}

func BenchmarkNewAndFirstUse(b *testing.B) {
	for b.Loop() {
		cal := govCal(b)
		cal.Add(at(2026, 2, 13, 9, 0), 24*time.Hour)
	}
}

func BenchmarkLunarNewYear(b *testing.B) {
	for b.Loop() {
		LunarNewYear(2026)
	}
}
