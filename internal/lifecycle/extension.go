package lifecycle

import (
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
)

// MinExtensionDays is the least room, in working days, an extension has past
// the legal deadline, whatever the statutory time: a procedure resolved
// within the day can still set a new appointment a working week later (for
// example while another agency verifies a document).
const MinExtensionDays = 5

// LatestAppointment is the latest new appointment an extension of d may
// set: its legal deadline plus the statutory time of its procedure version
// once more, in working time of its calendar, and at least MinExtensionDays
// working days. The bound is cumulative — repeated extensions share it — so
// an apology can buy the office at most one more statutory period, never an
// open-ended wait; the rule follows the ZGW case model (a case type's
// "verlengingstermijn", usually its own processing time) and keeps on-time
// judged against the legal deadline, which an extension never moves.
func LatestAppointment(d *domain.Dossier, pv *domain.ProcedureVersion, cal *calendar.Calendar) time.Time {
	room := max(Statutory(pv), cal.Days(MinExtensionDays))
	return cal.Add(d.OriginalDueAt, room).UTC()
}

// CheckExtension checks a new appointment newDue for d at time now: it must
// be in the future, after the current appointment, and no later than
// LatestAppointment. The violation names the request field new_due_time.
func CheckExtension(d *domain.Dossier, pv *domain.ProcedureVersion, cal *calendar.Calendar, now, newDue time.Time) error {
	const field = "new_due_time"
	local := func(t time.Time) string { return t.In(cal.Location()).Format("02/01/2006 15:04") }
	if d.OriginalDueAt.IsZero() {
		return &domain.PreconditionError{Reason: "NO_APPOINTMENT", Subject: "dossier/" + d.ID,
			Description: "the dossier's clock has not started, so it has no appointment to extend"}
	}
	switch latest := LatestAppointment(d, pv, cal); {
	case !newDue.After(d.DueAt):
		return domain.Invalid(field, "must be after the current appointment %s", local(d.DueAt))
	case !newDue.After(now):
		return domain.Invalid(field, "must be in the future (now is %s)", local(now))
	case newDue.After(latest):
		return domain.Invalid(field, "may be at most %s: the legal deadline %s plus the procedure's statutory time (at least %d working days) once more",
			local(latest), local(d.OriginalDueAt), MinExtensionDays)
	}
	return nil
}
