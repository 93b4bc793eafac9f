package lifecycle

import (
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
)

// Statutory returns the statutory processing time of a procedure version as
// working time.
func Statutory(pv *domain.ProcedureVersion) time.Duration {
	return time.Duration(pv.StatutoryMinutes) * time.Minute
}

// Cutoff returns the version's cut-off as a calendar clock time, or nil.
func Cutoff(pv *domain.ProcedureVersion) *calendar.Clock {
	if pv.CutoffMinute == nil {
		return nil
	}
	c := calendar.Clock(*pv.CutoffMinute)
	return &c
}

// StartClock starts the legal clock of a dossier received at t: the clock
// starts at receipt, or at the next working period when t is outside working
// hours or at/after the cut-off; the appointment and the legal deadline are
// the statutory working time later. It returns the human reason for the
// start.
func StartClock(d *domain.Dossier, cal *calendar.Calendar, pv *domain.ProcedureVersion, t time.Time) string {
	start, why := cal.ClockStart(t, Cutoff(pv))
	due := cal.Add(start, Statutory(pv))
	d.ReceivedAt = t
	d.ClockStartedAt = start.UTC()
	d.DueAt = due.UTC()
	d.OriginalDueAt = d.DueAt
	return why
}
