package calendar

import (
	"fmt"
	"slices"
	"time"
)

// DayKind says how a special day changes the ordinary week.
type DayKind int

const (
	// DayOff is a day without working time: a public holiday, a
	// compensation day, or a day the government or the agency closes.
	DayOff DayKind = iota + 1
	// WorkingDay is a day with normal working hours although it would
	// otherwise be off; typically a Saturday worked to make up for a bridge
	// day given elsewhere ("ngày làm bù", make-up working day).
	WorkingDay
)

// The zero DayKind is deliberately invalid, so that a special day whose kind
// was never set is rejected rather than silently treated as a day off.

// String returns "day off" or "working day".
func (k DayKind) String() string {
	switch k {
	case DayOff:
		return "day off"
	case WorkingDay:
		return "working day"
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}

// SpecialDay is one date on which the ordinary week does not apply.
// Name is shown to staff and citizens as the reason a day is off or worked.
type SpecialDay struct {
	Date Date
	Kind DayKind
	Name string
}

// YearDays is the complete list of special days of one Gregorian year, in
// any order. A list set for a year replaces the defaults for that year
// entirely: it must hold every holiday, compensation day and make-up working
// day of the year, not only the differences.
type YearDays []SpecialDay

// Validate reports the first problem in a list meant for the given year:
// an invalid date, a date in another year, a kind that is neither DayOff
// nor WorkingDay, or a date listed twice.
func (ys YearDays) Validate(year int) error {
	return validateDays("YearDays", ys, &year)
}

// validateDays checks special days; field names the list in errors, and year,
// if not nil, is the year every date must belong to.
func validateDays(field string, days []SpecialDay, year *int) error {
	seen := make(map[Date]int, len(days))
	for i, sd := range days {
		switch {
		case !sd.Date.Valid():
			return fmt.Errorf("calendar: %s[%d]: date %s does not exist", field, i, sd.Date)
		case year != nil && sd.Date.Year != *year:
			return fmt.Errorf("calendar: %s[%d]: date %s is not in year %d", field, i, sd.Date, *year)
		case sd.Kind != DayOff && sd.Kind != WorkingDay:
			return fmt.Errorf("calendar: %s[%d]: %s: Kind must be DayOff or WorkingDay, got %v", field, i, sd.Date, sd.Kind)
		}
		if j, dup := seen[sd.Date]; dup {
			return fmt.Errorf("calendar: %s[%d]: date %s is already listed at [%d]", field, i, sd.Date, j)
		}
		seen[sd.Date] = i
	}
	return nil
}

// Names of the statutory holidays, as the law and official notices write
// them.
const (
	nameNewYear      = "Tết Dương lịch"        // New Year's Day, 1 January
	nameLunarNewYear = "Tết Nguyên đán"        // Lunar New Year (Tết)
	nameHungKings    = "Giỗ Tổ Hùng Vương"     // Hùng Kings' Commemoration, 10/3 lunar
	nameVictory      = "Ngày Chiến thắng"      // Victory Day (Reunification), 30 April
	nameLabour       = "Ngày Quốc tế Lao động" // International Labour Day, 1 May
	nameNational     = "Quốc khánh"            // National Day, 2 September
	// compensationPrefix begins the name of a compensation day ("nghỉ bù",
	// day off in lieu), followed by the holiday it compensates.
	compensationPrefix = "Nghỉ bù "
)

// VietnamDefaults returns the special days of a year as the law sets them
// when no government decision is applied: Labour Code 2019, Article 112
// (which also governs civil servants' days off):
//
//   - 1 January;
//   - Tết, 5 days: the last day of the lunar year (29 or 30 of month 12)
//     and lunar 1-4 of month 1 (the Tết falling in year);
//   - Hùng Kings' day, lunar 10/3;
//   - 30 April and 1 May;
//   - 2 September and one adjacent day: 1 September, or 3 September when
//     2 September is a Monday (so that the two days join a weekend).
//
// Article 111(3): a holiday falling on a weekly rest day (Saturday or Sunday)
// is compensated by a day off on the next working day that is not already
// off. Compensation days are named "Nghỉ bù <holiday>".
//
// The government changes these every year (bridge days, make-up Saturdays,
// a different choice of Tết days); such a decision is entered as a complete
// YearDays in Config.Years. The result is sorted by date.
func VietnamDefaults(year int) YearDays {
	var days YearDays
	add := func(d Date, name string) {
		if d.Year != year {
			return // cannot happen for Tết (20 Jan-20 Feb) but keeps the list honest
		}
		for i := range days {
			if days[i].Date == d { // two holidays on one day give one day off
				days[i].Name += "; " + name
				return
			}
		}
		days = append(days, SpecialDay{Date: d, Kind: DayOff, Name: name})
	}

	add(Date{year, time.January, 1}, nameNewYear)
	tet := LunarNewYear(year)
	for i := -1; i <= 3; i++ {
		add(tet.AddDays(i), nameLunarNewYear)
	}
	if hung, err := LunarToSolar(LunarDate{Year: year, Month: 3, Day: 10}); err == nil {
		add(hung, nameHungKings) // month 3 is never missing, so err is always nil
	}
	add(Date{year, time.April, 30}, nameVictory)
	add(Date{year, time.May, 1}, nameLabour)
	national := Date{year, time.September, 2}
	add(national, nameNational)
	if national.Weekday() == time.Monday {
		add(national.AddDays(1), nameNational)
	} else {
		add(national.AddDays(-1), nameNational)
	}

	slices.SortFunc(days, func(a, b SpecialDay) int { return a.Date.Compare(b.Date) })

	off := make(map[Date]bool, len(days))
	for _, sd := range days {
		off[sd.Date] = true
	}
	isRest := func(d Date) bool { wd := d.Weekday(); return wd == time.Saturday || wd == time.Sunday }
	holidays := len(days)
	for i := 0; i < holidays; i++ {
		h := days[i]
		if !isRest(h.Date) {
			continue
		}
		d := h.Date.AddDays(1)
		for isRest(d) || off[d] {
			d = d.AddDays(1)
		}
		off[d] = true
		days = append(days, SpecialDay{Date: d, Kind: DayOff, Name: compensationPrefix + h.Name})
	}
	slices.SortFunc(days, func(a, b SpecialDay) int { return a.Date.Compare(b.Date) })
	return days
}
