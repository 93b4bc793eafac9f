package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/lifecycle"
)

// SlipLine is a process-control slip row judged now.
type SlipLine struct {
	domain.SlipRow
	Timeliness domain.Timeliness
	// LateBy is the working time past the step's due time.
	LateBy time.Duration
}

// ProcessControlSlip returns the dossier's slip, each row judged now.
func (s *DossierReads) ProcessControlSlip(ctx context.Context, p domain.Principal, dossierID, purpose string) (*domain.Dossier, []SlipLine, error) {
	d, cal, err := s.readWithCalendar(ctx, p, dossierID, ReadSlip, purpose)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.st.ListSlip(ctx, dossierID)
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	out := make([]SlipLine, len(rows))
	for i, r := range rows {
		end := r.FinishedAt
		if r.Outcome == domain.SlipOpen {
			end = now
			if !d.PausedAt.IsZero() {
				end = d.PausedAt // the step's clock stands still while paused
			}
		}
		out[i] = SlipLine{SlipRow: r, Timeliness: r.Timeliness(now)}
		if !d.PausedAt.IsZero() && r.Outcome == domain.SlipOpen {
			out[i].Timeliness = domain.Paused
		}
		if end.After(r.DueAt) && r.Outcome != domain.SlipEnded {
			out[i].LateBy = cal.Between(r.DueAt, end)
		}
	}
	return d, out, nil
}

// readWithCalendar reads a dossier the principal may see (logging a staff
// read) with its agency's calendar.
func (s *DossierReads) readWithCalendar(ctx context.Context, p domain.Principal, dossierID, method, purpose string) (*domain.Dossier, *calendar.Calendar, error) {
	if err := requirePurpose(p, purpose); err != nil {
		return nil, nil, err
	}
	d, err := s.st.GetDossier(ctx, dossierID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authoriseRead(ctx, p, d); err != nil {
		return nil, nil, err
	}
	if err := s.logAccess(ctx, p, method, purpose, d); err != nil {
		return nil, nil, err
	}
	a, err := s.st.GetAgency(ctx, d.AgencyCode)
	if err != nil {
		return nil, nil, err
	}
	cal, err := s.cachedCalendar(ctx, a)
	return d, cal, err
}

// Pause is one period the clock stood still.
type Pause struct {
	Cause   domain.Action
	Start   time.Time
	End     time.Time // zero while paused
	Working time.Duration
}

// Extension is an apology with a new appointment.
type Extension struct {
	At          time.Time
	PreviousDue time.Time
	NewDue      time.Time
	Reason      string
}

// DeadlineExplanation is how a dossier's deadlines came about.
type DeadlineExplanation struct {
	Dossier     *domain.Dossier
	StartReason string
	Statutory   time.Duration
	Segments    []calendar.Segment
	Pauses      []Pause
	Extensions  []Extension
	Lines       []string
	Location    *time.Location
}

// ExplainDeadline reconstructs the deadlines from the dossier, its events
// and its agency's calendar, as data and as sentences.
func (s *DossierReads) ExplainDeadline(ctx context.Context, p domain.Principal, dossierID, purpose string) (*DeadlineExplanation, error) {
	d, cal, err := s.readWithCalendar(ctx, p, dossierID, ReadDeadline, purpose)
	if err != nil {
		return nil, err
	}
	proc, err := s.st.GetProcedure(ctx, d.ProcedureCode)
	if err != nil {
		return nil, err
	}
	pv := proc.Version(d.ProcedureVersion)
	if pv == nil {
		return nil, fmt.Errorf("dossier %s pins missing procedure version %d", d.Code, d.ProcedureVersion)
	}
	x := &DeadlineExplanation{Dossier: d, Statutory: lifecycle.Statutory(pv), Location: cal.Location()}
	loc := cal.Location()
	at := func(t time.Time) string { return t.In(loc).Format("Mon 02/01/2006 15:04") }
	x.line("Procedure %s version %d: statutory time %s working days (%s of working time, %s a working day).",
		proc.Code, pv.Version, days(x.Statutory, cal.DayLength()), workingHours(x.Statutory), workingHours(cal.DayLength()))
	if d.ReceivedAt.IsZero() {
		x.line("Filed %s; not received yet, so the clock has not started.", at(d.SubmittedAt))
		return x, nil
	}
	_, x.StartReason = cal.ClockStart(d.ReceivedAt, lifecycle.Cutoff(pv))
	x.line("Received %s: %s; the clock starts %s.", at(d.ReceivedAt), x.StartReason, at(d.ClockStartedAt))
	x.Segments = cal.Explain(d.ClockStartedAt, x.Statutory)
	for _, seg := range x.Segments {
		x.line("  %s", seg.String())
	}
	legal := cal.Add(d.ClockStartedAt, x.Statutory)
	x.line("Without pauses the legal deadline is %s.", at(legal))
	if err := s.collectPausesAndExtensions(ctx, x, cal); err != nil {
		return nil, err
	}
	for _, ps := range x.Pauses {
		what := "a supplement"
		if ps.Cause == domain.ActionRequestPayment {
			what = "payment"
		}
		if ps.End.IsZero() {
			x.line("Paused since %s awaiting %s: the deadlines will move by the working time spent waiting.", at(ps.Start), what)
			continue
		}
		x.line("Paused %s – %s awaiting %s: %s of working time, so the deadlines moved by that much.",
			at(ps.Start), at(ps.End), what, workingHours(ps.Working))
	}
	x.line("Legal deadline: %s. On time means finished by then.", at(d.OriginalDueAt))
	for _, e := range x.Extensions {
		x.line("Extended %s from %s to %s: %s. The legal deadline stays %s; finishing after it counts as late.",
			at(e.At), at(e.PreviousDue), at(e.NewDue), e.Reason, at(d.OriginalDueAt))
	}
	x.line("Appointment (ngày hẹn trả): %s.", at(d.DueAt))
	return x, nil
}

func (x *DeadlineExplanation) line(format string, args ...any) {
	x.Lines = append(x.Lines, fmt.Sprintf(format, args...))
}

func days(work, day time.Duration) string {
	s := fmt.Sprintf("%.3f", float64(work)/float64(day))
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// collectPausesAndExtensions reads them from the dossier's events.
func (s *DossierReads) collectPausesAndExtensions(ctx context.Context, x *DeadlineExplanation, cal *calendar.Calendar) error {
	var open *Pause
	for after := int64(0); ; {
		evs, err := s.st.ListEvents(ctx, x.Dossier.ID, after, 500)
		if err != nil {
			return err
		}
		for _, e := range evs {
			switch e.Action {
			case domain.ActionRequestSupplement, domain.ActionRequestPayment:
				if e.Details["clock"] == "paused" {
					x.Pauses = append(x.Pauses, Pause{Cause: e.Action, Start: e.At})
					open = &x.Pauses[len(x.Pauses)-1]
				}
			case domain.ActionProvideSupplement, domain.ActionConfirmPayment:
				if open != nil {
					open.End, open.Working = e.At, cal.Between(open.Start, e.At)
					open = nil
				}
			case domain.ActionExtend:
				prev, _ := time.Parse(time.RFC3339, e.Details["previous_due_at"])
				next, _ := time.Parse(time.RFC3339, e.Details["due_at"])
				x.Extensions = append(x.Extensions, Extension{At: e.At, PreviousDue: prev, NewDue: next, Reason: e.Details["reason"]})
			}
			after = e.Seq
		}
		if len(evs) < 500 {
			return nil
		}
	}
}
