// Package calendar provides working calendars and working-time arithmetic for
// legal deadlines: the Vietnamese lunar calendar (UTC+7), national holidays,
// yearly government overrides, agency working hours.
//
// Statutory processing times for administrative procedures are given in
// working days, and a working day is the agency's working hours (8 h by
// default). A [Calendar] answers three questions for a dossier:
//
//   - when the legal clock starts ([Calendar.ClockStart]): at receipt inside
//     working hours and before the procedure's cut-off, otherwise at the
//     start of the next working period;
//   - when a given amount of working time has elapsed ([Calendar.Add]), and
//     how that answer was reached, day by day ([Calendar.Explain]);
//   - how much working time lies between two instants ([Calendar.Between]),
//     which is what a caller uses to move a due time by the working time a
//     dossier spent paused.
//
// Which days are working days is data: weekly rest days, one complete list of
// special days per year (national holidays, compensation days and make-up
// working days, as decided by the government for that year, or
// [VietnamDefaults] when no list was set), and agency-specific overrides.
//
// Lunar holidays are placed with the Vietnamese lunar calendar, which is
// computed astronomically for the meridian of UTC+7 ([SolarToLunar],
// [LunarToSolar], [LunarNewYear]). Chinese-calendar libraries compute for
// UTC+8 and give different dates in some years (Tết 1985, 2007, 2030), so
// they must not be used here.
//
// Everything in this package is pure computation: no I/O, no global mutable
// state; a *Calendar is safe for concurrent use.
package calendar
