package audit

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// Problems found by replaying a chain against its row.
const (
	// RowMismatch: a field of the dossier row differs from what its events
	// say (the row was edited without an event).
	RowMismatch = "ROW_MISMATCH"
	// StateMismatch: an event's sealed state contradicts the event itself
	// (its action, status, version or step, or a field no action of its
	// kind changes): the chain was forged and re-hashed.
	StateMismatch = "STATE_MISMATCH"
)

// FieldDiff is one field on which two projections disagree.
type FieldDiff struct {
	Seq         int64 // the event whose state is compared (0: the row)
	Field       string
	Stored      string // the row's (or the sealed state's) value
	Recomputed  string // the events' value
	Problem     string
	Description string
}

func (d FieldDiff) String() string {
	return fmt.Sprintf("%s: stored %s, events say %s", d.Field, Show(d.Field, d.Stored), Show(d.Field, d.Recomputed))
}

// Replay folds a dossier's events (an intact chain, in order) into the
// projection of the dossier row they describe. An event with a sealed
// State (every event written since the state was sealed) gives every
// field; before that, each event gives what its action, attribution and
// details determine (status, filing channel and filer kind, version, step
// index, the intake, pause, finish and return times, the deadlines it
// records, the counters, the processing time) and fields it cannot tell
// (names and composite values, calendar arithmetic not recorded) are left
// out of the projection and so not compared.
//
// The events' own facts are also checked against every sealed state:
// a state that contradicts its event (status ≠ the event's to-status, a
// changed filer kind, a counter moved by the wrong action…) is returned as
// a StateMismatch.
func Replay(events []domain.Event) (Projection, []FieldDiff) {
	cur := Projection{}
	var problems []FieldDiff
	for i := range events {
		e := &events[i]
		derived := step(cur, e)
		if len(e.State) == 0 {
			cur = derived
			continue
		}
		for _, f := range Fields {
			want, known := derived[f]
			if !known {
				continue
			}
			if got := e.State[f]; !same(got, want) {
				problems = append(problems, FieldDiff{Seq: e.Seq, Field: f, Stored: got, Recomputed: want, Problem: StateMismatch,
					Description: fmt.Sprintf("event %d (%s) seals %s = %s, but its action gives %s", e.Seq, e.Action, f,
						Show(f, got), Show(f, want))})
			}
		}
		cur = maps.Clone(Projection(e.State))
	}
	return cur, problems
}

// step applies one event to the previous projection with what the event
// itself determines; fields it changes in ways it does not record are
// dropped (unknown).
func step(prev Projection, e *domain.Event) Projection {
	p := maps.Clone(prev)
	d := e.Details
	a := e.Attribution
	unknown := func(fs ...string) {
		for _, f := range fs {
			delete(p, f)
		}
	}
	inc := func(f string) {
		if v, ok := p[f]; ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				p[f] = num(n + 1)
			}
		}
	}
	// Deadlines in details are to the second; the row keeps microseconds.
	due := func(f, key string) {
		if v, ok := d[key]; ok {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				p[f] = approx + tm(t)
				return
			}
		}
		delete(p, f)
	}
	finish := func() { p[FFinishedAt], p[FPausedAt] = tm(e.At), "" }
	p[FStatus] = num(e.To)
	p[FVersion] = num(e.DossierVersion)
	p[FStepIndex] = num(e.StepIndex)
	if e.Seq == 1 {
		// The creating event: the dossier's dimensions and empty counters.
		p = Projection{FStatus: num(e.To), FVersion: num(e.DossierVersion), FStepIndex: num(e.StepIndex),
			FChannel: num(a.Channel), FFiledBy: num(a.ActorKind), FCreatedAt: tm(e.At), FCode: d["code"],
			FProcedureVersion: d["procedure_version"], FResumeStatus: "0", FPausedAt: "", FPausedWorking: "0",
			FFinishedAt: "", FReturnedAt: "", FResult: "", FResultElectronic: "", FProcessingMinutes: "",
			FSupplementRounds: "0", FPaymentRequests: "0", FPaymentsConfirmed: "0", FPaymentsOnline: "0", FExtensions: "0",
			FSubmittedAt: "", FReceivedAt: "", FClockStartedAt: "", FDueAt: "", FOriginalDueAt: "",
			FStepName: "", FStepUnit: "", FStepAssignee: "", FStepStartedAt: "", FStepDueAt: ""}
		if e.Action == domain.ActionSubmit {
			p[FSubmittedAt] = tm(e.At)
		}
	}
	switch e.Action {
	case domain.ActionReceive:
		p[FReceivedAt] = tm(e.At)
		unknown(FHandoff) // a business-registration dossier's hand-off starts
		due(FDueAt, "due_at")
		due(FOriginalDueAt, "due_at")
		unknown(FClockStartedAt)
		if e.StepIndex >= 0 {
			p[FStepStartedAt] = tm(e.At)
			unknown(FStepName, FStepUnit, FStepAssignee, FStepDueAt)
		}
	case domain.ActionRequestSupplement, domain.ActionRequestPayment:
		if e.Action == domain.ActionRequestSupplement {
			inc(FSupplementRounds)
		} else {
			inc(FPaymentRequests)
		}
		p[FResumeStatus] = num(e.From)
		if d["clock"] == "paused" {
			p[FPausedAt] = tm(e.At)
		}
	case domain.ActionProvideSupplement, domain.ActionConfirmPayment:
		if e.Action == domain.ActionProvideSupplement {
			unknown(FComponents, FComponentsTotal, FComponentsDigit, FComponentsReused, FComponentsPaper)
		} else {
			inc(FPaymentsConfirmed)
			if e.OnlinePayment() { // with provenance only (domain.Event.OnlinePayment)
				inc(FPaymentsOnline)
			}
		}
		if prev[FPausedAt] != "" {
			// The clock resumes: the pause is recorded to the minute (the
			// row keeps seconds) and the step's deadline moves unrecorded.
			unknown(FPausedWorking, FStepDueAt)
			if _, ok := d["due_at"]; ok {
				due(FDueAt, "due_at")
				due(FOriginalDueAt, "original_due_at")
			}
		}
		p[FResumeStatus], p[FPausedAt] = "0", ""
	case domain.ActionForward:
		p[FStepAssignee] = d["assignee"]
		p[FStepUnit] = d["to_unit"]
		p[FStepStartedAt] = tm(e.At)
		due(FStepDueAt, "step_due_at")
		unknown(FStepName)
	case domain.ActionExtend:
		due(FDueAt, "due_at")
		inc(FExtensions)
	case domain.ActionNotAccept, domain.ActionWithdraw, domain.ActionStop:
		finish()
	case domain.ActionResolve:
		finish()
		p[FProcessingMinutes] = d["processing_minutes"]
		p[FResultElectronic] = d["electronic"]
		unknown(FResult)
	case domain.ActionReturn:
		p[FReturnedAt] = tm(e.At)
		p[FReturnChannel] = num(a.Channel)
	case domain.ActionCheckMandate:
		// The one change of a dossier's filer kind: a representative's
		// mandate verified (or rejected); the event records the new kind.
		if fb, ok := d["filed_by"]; ok {
			p[FFiledBy] = fb
		} else {
			unknown(FFiledBy)
		}
		unknown(FRepresentative) // the mandate check, a digest
	case domain.ActionVerifyIdentity:
		unknown(FIdentity) // the database's answer, a digest
	case domain.ActionHandOff, domain.ActionRegistryStatus:
		unknown(FHandoff) // the registry's answer, a digest
	}
	return p
}

// CompareRow returns the fields on which the row's projection differs from
// the replayed one (fields the replay does not know are skipped), in
// Fields order.
func CompareRow(row, replayed Projection) []FieldDiff {
	var out []FieldDiff
	for _, f := range Fields {
		want, known := replayed[f]
		if !known {
			continue
		}
		if got := row[f]; !same(got, want) {
			out = append(out, FieldDiff{Field: f, Stored: got, Recomputed: want, Problem: RowMismatch,
				Description: fmt.Sprintf("the dossier row says %s = %s, its events say %s", f, Show(f, got), Show(f, want))})
		}
	}
	return out
}

// approx prefixes a replayed time known only to the second.
const approx = "~"

// same compares a stored value with a replayed one, to the second when the
// replayed one is approximate.
func same(stored, replayed string) bool {
	r, ok := strings.CutPrefix(replayed, approx)
	if !ok {
		return stored == replayed
	}
	t, err := time.Parse(time.RFC3339Nano, stored)
	return err == nil && tm(t.Truncate(time.Second)) == r
}

// Filter columns of a dossier row (domain.FilterColumns) in diffs.
const (
	FColumnDigitised        = "digitised"
	FColumnElectronicResult = "electronic_result"
)

// CompareColumns returns the filter columns the store keeps beside d's row
// that differ from what the replayed events give (nothing when d was not read
// from a store, or for a column whose inputs the replay does not know). The
// columns are derived, not sealed: digitised from the sealed component
// counts, electronic_result from the sealed result and processing time, as
// domain.Dossier's Digitised and ElectronicResult do. An edit of a column
// alone would make ListDossiers' figure lists disagree with the figures.
func CompareColumns(d *domain.Dossier, replayed Projection) []FieldDiff {
	if d.Columns == nil {
		return nil
	}
	var out []FieldDiff
	check := func(field string, stored bool, inputs []string, derive func() bool) {
		for _, f := range inputs {
			if v, known := replayed[f]; !known || strings.HasPrefix(v, approx) {
				return
			}
		}
		if want := derive(); stored != want {
			got, w := strconv.FormatBool(stored), strconv.FormatBool(want)
			out = append(out, FieldDiff{Field: field, Stored: got, Recomputed: w, Problem: RowMismatch,
				Description: fmt.Sprintf("the dossier row's filter column %s = %s, its events say %s", field, got, w)})
		}
	}
	check(FColumnDigitised, d.Columns.Digitised, []string{FComponentsDigit, FComponentsReused}, func() bool {
		return replayed[FComponentsDigit] != "0" || replayed[FComponentsReused] != "0"
	})
	check(FColumnElectronicResult, d.Columns.ElectronicResult, []string{FResultElectronic, FProcessingMinutes}, func() bool {
		return replayed[FResultElectronic] == "true" && replayed[FProcessingMinutes] != ""
	})
	return out
}
