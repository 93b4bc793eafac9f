package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// Projection is a dossier row in canonical text form: one entry per stored
// field, keyed by the field's column name. It is what every event seals
// (domain.Event.State) and what verification compares a row with. Enums
// are their numbers, times RFC 3339 UTC at microsecond precision ("" for
// "not yet"), durations whole seconds, composite values (applicant,
// components, result…) the SHA-256 of their canonical JSON. Not in it: the
// row's id (it is the event's dossier id), its chain head (last_event_seq,
// last_event_hash: the chain itself, checked against it) and updated_at
// (bookkeeping the store sets on write, read by nothing).
type Projection map[string]string

// Fields of a Projection, in the order differences are reported.
const (
	FStatus            = "status"
	FResumeStatus      = "resume_status"
	FChannel           = "channel"
	FFiledBy           = "filed_by"
	FCode              = "code"
	FAgency            = "agency_code"
	FProcedure         = "procedure_code"
	FProcedureVersion  = "procedure_version"
	FApplicant         = "applicant"
	FRepresentative    = "representative"
	FSummary           = "summary"
	FComponents        = "components"
	FComponentsTotal   = "components_total"
	FComponentsDigit   = "components_digitised"
	FComponentsReused  = "components_reused"
	FComponentsPaper   = "components_paper"
	FSubmittedAt       = "submitted_at"
	FReceivedAt        = "received_at"
	FClockStartedAt    = "clock_started_at"
	FDueAt             = "due_at"
	FOriginalDueAt     = "original_due_at"
	FPausedWorking     = "paused_working_seconds"
	FPausedAt          = "paused_at"
	FStepIndex         = "step_index"
	FStepName          = "step_name"
	FStepUnit          = "step_unit_code"
	FStepAssignee      = "step_assignee"
	FStepStartedAt     = "step_started_at"
	FStepDueAt         = "step_due_at"
	FResult            = "result"
	FResultElectronic  = "result_electronic"
	FReturnChannel     = "return_channel"
	FFinishedAt        = "finished_at"
	FReturnedAt        = "returned_at"
	FIdentity          = "identity"
	FSupplementRounds  = "supplement_rounds"
	FPaymentRequests   = "payment_requests"
	FPaymentsConfirmed = "payments_confirmed"
	FPaymentsOnline    = "payments_online"
	FExtensions        = "extensions"
	FProcessingMinutes = "processing_minutes"
	FVersion           = "version"
	FCreatedAt         = "created_at"
	FForm              = "form"
	FHandoff           = "handoff"
)

// Fields lists every field of a Projection.
var Fields = []string{
	FStatus, FResumeStatus, FChannel, FFiledBy, FCode, FAgency, FProcedure, FProcedureVersion,
	FApplicant, FRepresentative, FSummary, FComponents, FComponentsTotal, FComponentsDigit, FComponentsReused,
	FComponentsPaper, FSubmittedAt, FReceivedAt, FClockStartedAt, FDueAt, FOriginalDueAt, FPausedWorking,
	FPausedAt, FStepIndex, FStepName, FStepUnit, FStepAssignee, FStepStartedAt, FStepDueAt, FResult,
	FResultElectronic, FReturnChannel, FFinishedAt, FReturnedAt, FIdentity, FSupplementRounds,
	FPaymentRequests, FPaymentsConfirmed, FPaymentsOnline, FExtensions, FProcessingMinutes, FVersion,
	FCreatedAt, FForm, FHandoff,
}

func tm(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

func num[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// digest is the SHA-256 of v's JSON, "" for nil.
func digest(v any, isNil bool) string {
	if isNil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain data is digested; Marshal cannot fail on it.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ProjectionOf returns d's projection.
func ProjectionOf(d *domain.Dossier) Projection {
	digitised, reused := d.DigitisedComponents()
	paper := 0
	for _, c := range d.Components {
		if c.Source == domain.SourcePaper {
			paper++
		}
	}
	var res *domain.Result
	electronic := ""
	if d.Result != nil {
		r := *d.Result
		r.IssuedAt = r.IssuedAt.UTC().Truncate(time.Microsecond)
		res, electronic = &r, strconv.FormatBool(r.Electronic)
	}
	var ident *domain.IdentityVerification
	if d.Identity != nil {
		i := *d.Identity
		i.VerifiedAt = i.VerifiedAt.UTC().Truncate(time.Microsecond)
		ident = &i
	}
	var handoff *domain.Handoff
	if d.Handoff != nil {
		h := *d.Handoff
		h.SentAt, h.UpdatedAt = h.SentAt.UTC().Truncate(time.Microsecond), h.UpdatedAt.UTC().Truncate(time.Microsecond)
		handoff = &h
	}
	minutes := ""
	if d.ProcessingMinutes != nil {
		minutes = num(*d.ProcessingMinutes)
	}
	return Projection{
		FStatus: num(d.Status), FResumeStatus: num(d.ResumeStatus), FChannel: num(d.Channel), FFiledBy: num(d.FiledBy),
		FCode: d.Code, FAgency: d.AgencyCode, FProcedure: d.ProcedureCode, FProcedureVersion: num(d.ProcedureVersion),
		FApplicant: digest(d.Applicant, false), FRepresentative: digest(d.Representative, d.Representative == nil),
		FSummary: digest(d.Summary, false), FComponents: digest(d.Components, len(d.Components) == 0),
		FComponentsTotal: num(len(d.Components)), FComponentsDigit: num(digitised), FComponentsReused: num(reused),
		FComponentsPaper: num(paper),
		FSubmittedAt:     tm(d.SubmittedAt), FReceivedAt: tm(d.ReceivedAt), FClockStartedAt: tm(d.ClockStartedAt),
		FDueAt: tm(d.DueAt), FOriginalDueAt: tm(d.OriginalDueAt), FPausedWorking: num(int64(d.PausedWorking / time.Second)),
		FPausedAt: tm(d.PausedAt), FStepIndex: num(d.Step.Index), FStepName: d.Step.Name, FStepUnit: d.Step.UnitCode,
		FStepAssignee: d.Step.Assignee, FStepStartedAt: tm(d.Step.StartedAt), FStepDueAt: tm(d.Step.DueAt),
		FResult: digest(res, res == nil), FResultElectronic: electronic, FReturnChannel: num(d.ReturnChannel),
		FFinishedAt: tm(d.FinishedAt), FReturnedAt: tm(d.ReturnedAt), FIdentity: digest(ident, ident == nil),
		FSupplementRounds: num(d.SupplementRounds), FPaymentRequests: num(d.PaymentRequests),
		FPaymentsConfirmed: num(d.PaymentsConfirmed), FPaymentsOnline: num(d.PaymentsOnline), FExtensions: num(d.Extensions),
		FProcessingMinutes: minutes, FVersion: num(d.Version), FCreatedAt: tm(d.CreatedAt),
		FForm: digest(d.Form, len(d.Form) == 0), FHandoff: digest(handoff, handoff == nil),
	}
}

// Show renders a projection value for people: enum names instead of
// numbers, "(none)" for empty, digests shortened.
func Show(field, v string) string {
	v = strings.TrimPrefix(v, approx)
	if v == "" {
		return "(none)"
	}
	n, err := strconv.Atoi(v)
	if err == nil {
		switch field {
		case FStatus, FResumeStatus:
			if n == 0 {
				return "(none)"
			}
			return domain.Status(n).String()
		case FChannel, FReturnChannel:
			return domain.Channel(n).String()
		case FFiledBy:
			return domain.ActorKind(n).String()
		}
	}
	switch field {
	case FApplicant, FRepresentative, FSummary, FComponents, FResult, FIdentity, FForm, FHandoff:
		if len(v) > 12 {
			return "sha256:" + v[:12] + "…"
		}
	}
	return v
}

// ApplyTo overwrites the fields of d that the indicators read (status,
// dimensions, times, counters, result, component counts) with p's known
// values, so aggregates can be recomputed from the events rather than from
// the row. Components are replaced by placeholders with p's counts of each
// source; fields p does not know keep d's values.
func (p Projection) ApplyTo(d *domain.Dossier) {
	i64 := func(f string, set func(int64)) {
		if v, ok := p[f]; ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				set(n)
			}
		}
	}
	at := func(f string, set func(time.Time)) {
		if v, ok := p[f]; ok {
			v = strings.TrimPrefix(v, approx)
			if v == "" {
				set(time.Time{})
			} else if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				set(t)
			}
		}
	}
	str := func(f string, set func(string)) {
		if v, ok := p[f]; ok {
			set(v)
		}
	}
	i64(FStatus, func(n int64) { d.Status = domain.Status(n) })
	i64(FChannel, func(n int64) { d.Channel = domain.Channel(n) })
	i64(FFiledBy, func(n int64) { d.FiledBy = domain.ActorKind(n) })
	str(FAgency, func(s string) { d.AgencyCode = s })
	str(FProcedure, func(s string) { d.ProcedureCode = s })
	at(FCreatedAt, func(t time.Time) { d.CreatedAt = t })
	at(FReceivedAt, func(t time.Time) { d.ReceivedAt = t })
	at(FOriginalDueAt, func(t time.Time) { d.OriginalDueAt = t })
	at(FDueAt, func(t time.Time) { d.DueAt = t })
	at(FFinishedAt, func(t time.Time) { d.FinishedAt = t })
	at(FReturnedAt, func(t time.Time) { d.ReturnedAt = t })
	i64(FSupplementRounds, func(n int64) { d.SupplementRounds = int(n) })
	i64(FPaymentRequests, func(n int64) { d.PaymentRequests = int(n) })
	i64(FPaymentsConfirmed, func(n int64) { d.PaymentsConfirmed = int(n) })
	i64(FPaymentsOnline, func(n int64) { d.PaymentsOnline = int(n) })
	i64(FExtensions, func(n int64) { d.Extensions = int(n) })
	if v, ok := p[FProcessingMinutes]; ok {
		d.ProcessingMinutes = nil
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			d.ProcessingMinutes = &n
		}
	}
	if v, ok := p[FResultElectronic]; ok {
		d.Result = nil
		if v != "" {
			d.Result = &domain.Result{Electronic: v == "true"}
		}
	}
	counts := []string{FComponentsTotal, FComponentsDigit, FComponentsReused, FComponentsPaper}
	n := make([]int, len(counts))
	for i, f := range counts {
		v, ok := p[f]
		if !ok {
			return
		}
		var err error
		if n[i], err = strconv.Atoi(v); err != nil {
			return
		}
	}
	var comps []domain.Component
	add := func(k int, src domain.ComponentSource) {
		for range k {
			comps = append(comps, domain.Component{Source: src})
		}
	}
	add(n[1], domain.SourceDigitised)
	add(n[2], domain.SourceReused)
	add(n[3], domain.SourcePaper)
	add(n[0]-n[1]-n[2]-n[3], domain.SourceUploaded)
	d.Components = comps
}
