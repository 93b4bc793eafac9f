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

// Pause stops the legal clock at t if it runs (the dossier was received and
// not finished); the dossier remembers when.
func Pause(d *domain.Dossier, t time.Time) bool {
	if d.ClockStartedAt.IsZero() || !d.PausedAt.IsZero() {
		return false
	}
	d.PausedAt = t
	return true
}

// Resume restarts the clock at t and moves the appointment, the legal
// deadline and the open step's deadline by the working time spent paused,
// which it returns. It returns 0 if the clock was not paused.
func Resume(d *domain.Dossier, cal *calendar.Calendar, t time.Time) time.Duration {
	if d.PausedAt.IsZero() {
		return 0
	}
	paused := cal.Between(d.PausedAt, t)
	d.PausedWorking += paused
	d.PausedAt = time.Time{}
	shift := func(due time.Time) time.Time {
		if due.IsZero() || paused == 0 {
			return due
		}
		return cal.Add(due, paused).UTC()
	}
	d.DueAt = shift(d.DueAt)
	d.OriginalDueAt = shift(d.OriginalDueAt)
	d.Step.DueAt = shift(d.Step.DueAt)
	return paused
}

// EnterStep puts the dossier at workflow step i, starting at t, with the
// step's allotted working time, and returns the step's slip row.
func EnterStep(d *domain.Dossier, cal *calendar.Calendar, wf []domain.WorkflowStep, i int, assignee string, t time.Time) domain.SlipRow {
	st := wf[i]
	start, _ := cal.ClockStart(t, nil)
	due := cal.Add(start, time.Duration(st.AllottedMinutes)*time.Minute).UTC()
	d.Step = domain.Step{Index: i, Name: st.Name, UnitCode: st.UnitCode, Assignee: assignee, StartedAt: t, DueAt: due}
	return domain.SlipRow{DossierID: d.ID, StepIndex: i, StepName: st.Name, UnitCode: st.UnitCode, Role: st.Role,
		Assignee: assignee, StartedAt: t, DueAt: due}
}

// LeaveStep closes the current step's slip row at t with an outcome.
func LeaveStep(d *domain.Dossier, wf []domain.WorkflowStep, outcome domain.SlipOutcome, t time.Time) (domain.SlipRow, bool) {
	s := d.Step
	if s.Index < 0 || s.Index >= len(wf) {
		return domain.SlipRow{}, false
	}
	return domain.SlipRow{DossierID: d.ID, StepIndex: s.Index, StepName: s.Name, UnitCode: s.UnitCode, Role: wf[s.Index].Role,
		Assignee: s.Assignee, StartedAt: s.StartedAt, DueAt: s.DueAt, FinishedAt: t, Outcome: outcome}, true
}

// Finish stops the clock for good at t (result, refusal, withdrawal, stop).
func Finish(d *domain.Dossier, t time.Time) {
	d.FinishedAt = t
	d.PausedAt = time.Time{}
}
