package domain

import "time"

// SlipOutcome says how a step of the process-control slip ended.
type SlipOutcome int

const (
	SlipOpen     SlipOutcome = 0 // the dossier is at this step
	SlipFinished SlipOutcome = 1 // handed on to the next step, or resolved
	SlipEnded    SlipOutcome = 2 // the dossier ended here without a result (withdrawn, stopped)
)

// SlipRow is one row of a dossier's process-control slip (phiếu kiểm soát
// quá trình giải quyết hồ sơ): a workflow step, the unit responsible for it,
// and when it started, was due and finished. Lateness is attributed to the
// unit.
type SlipRow struct {
	DossierID  string
	StepIndex  int
	StepName   string
	UnitCode   string
	Role       Role
	Assignee   string
	StartedAt  time.Time
	DueAt      time.Time
	FinishedAt time.Time
	Outcome    SlipOutcome
}

// Timeliness judges a dossier or a step against its deadline.
type Timeliness int

const (
	InProgress Timeliness = 1
	Overdue    Timeliness = 2
	OnTime     Timeliness = 3
	Late       Timeliness = 4
	Paused     Timeliness = 5
	Ended      Timeliness = 6
)

// Timeliness judges the row at now.
func (r *SlipRow) Timeliness(now time.Time) Timeliness {
	switch {
	case r.Outcome == SlipEnded:
		return Ended
	case r.Outcome == SlipFinished && r.FinishedAt.After(r.DueAt):
		return Late
	case r.Outcome == SlipFinished:
		return OnTime
	case now.After(r.DueAt):
		return Overdue
	}
	return InProgress
}

// Timeliness judges the dossier against its legal deadline (not the
// appointment: an extension does not make a late dossier on time).
func (d *Dossier) Timeliness(now time.Time) Timeliness {
	switch d.Status {
	case StatusNotAccepted, StatusWithdrawn, StatusStopped:
		return Ended
	case StatusResolved, StatusReturned:
		if d.FinishedAt.After(d.OriginalDueAt) {
			return Late
		}
		return OnTime
	case StatusAwaitingSupplement, StatusAwaitingPayment:
		if !d.PausedAt.IsZero() {
			return Paused
		}
	}
	if !d.OriginalDueAt.IsZero() && now.After(d.OriginalDueAt) {
		return Overdue
	}
	return InProgress
}

// SpecialDay is a day that differs from the weekly pattern, as stored.
type SpecialDay struct {
	Date    string `json:"date"` // YYYY-MM-DD
	WorkDay bool   `json:"work_day,omitempty"`
	Name    string `json:"name"`
}

// CalendarYear is the list of special days of one year for a scope:
// NationalScope or an agency code (local days).
type CalendarYear struct {
	Scope     string
	Year      int
	Days      []SpecialDay
	UpdatedAt time.Time
	UpdatedBy string
}

// NationalScope is the scope of the national calendar.
const NationalScope = "national"
