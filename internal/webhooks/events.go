package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/domain"
)

// TypePrefix starts every event type motcua sends.
const TypePrefix = "vn.motcua.dossier."

// eventTypes names the CloudEvent type of each lifecycle action: what
// happened to the dossier, in the past tense (docs/webhooks.md).
var eventTypes = map[domain.Action]string{
	domain.ActionSubmit:            "submitted",
	domain.ActionReceive:           "received",
	domain.ActionNotAccept:         "not_accepted",
	domain.ActionRequestSupplement: "supplement_requested",
	domain.ActionProvideSupplement: "supplement_provided",
	domain.ActionRequestPayment:    "payment_requested",
	domain.ActionConfirmPayment:    "payment_confirmed",
	domain.ActionForward:           "forwarded",
	domain.ActionExtend:            "deadline_extended",
	domain.ActionWithdraw:          "withdrawn",
	domain.ActionStop:              "stopped",
	domain.ActionResolve:           "resolved",
	domain.ActionReturn:            "result_returned",
}

// EventType is the CloudEvent type of an action's event.
func EventType(a domain.Action) string {
	if t, ok := eventTypes[a]; ok {
		return TypePrefix + t
	}
	return TypePrefix + strings.ToLower(a.String())
}

// EventTypes lists every type, in action order.
func EventTypes() []string {
	out := make([]string, 0, len(domain.Actions))
	for _, a := range domain.Actions {
		out = append(out, EventType(a))
	}
	return out
}

// Data is the CloudEvent's data: the dossier event without the people in
// it (no applicant, no identity numbers: a subscriber that needs them reads
// the dossier through the API with its own rights).
type Data struct {
	EventID        string            `json:"event_id"`
	DossierID      string            `json:"dossier_id"`
	DossierCode    string            `json:"dossier_code"`
	Seq            int64             `json:"seq"`
	DossierVersion int64             `json:"dossier_version"`
	Action         string            `json:"action"`
	FromStatus     string            `json:"from_status,omitempty"`
	ToStatus       string            `json:"to_status"`
	AgencyCode     string            `json:"agency_code,omitempty"`
	ProcedureCode  string            `json:"procedure_code,omitempty"`
	StepIndex      int               `json:"step_index"`
	At             time.Time         `json:"at"`
	Note           string            `json:"note,omitempty"`
	Details        map[string]string `json:"details,omitempty"`
}

// agencyOf is the dossier's agency after the event (empty for events
// sealed before events carried the dossier's state).
func agencyOf(e *domain.Event) string { return e.State[audit.FAgency] }

// Encode returns the event as a CloudEvents 1.0 JSON document (structured
// mode): id is the dossier event id (so it is the same on every retry),
// subject the dossier code, and the extensions dossierid and dossierseq let
// a subscriber order and deduplicate by dossier.
func Encode(e *domain.Event, source string) ([]byte, error) {
	ce := cloudevents.New(cloudevents.CloudEventsVersionV1)
	ce.SetID(e.ID)
	ce.SetSource(source)
	ce.SetType(EventType(e.Action))
	code := e.DossierCode
	if code == "" { // the submission's event is sealed before the code is set
		code = e.State[audit.FCode]
	}
	ce.SetSubject(code)
	ce.SetTime(e.At.UTC())
	ce.SetExtension("dossierid", e.DossierID)
	ce.SetExtension("dossierseq", e.Seq)
	d := Data{EventID: e.ID, DossierID: e.DossierID, DossierCode: code, Seq: e.Seq,
		DossierVersion: e.DossierVersion, Action: e.Action.String(), ToStatus: e.To.String(),
		AgencyCode: agencyOf(e), ProcedureCode: e.State[audit.FProcedure], StepIndex: e.StepIndex,
		At: e.At.UTC(), Note: e.Note, Details: e.Details}
	if e.From != 0 {
		d.FromStatus = e.From.String()
	}
	if err := ce.SetData(cloudevents.ApplicationJSON, d); err != nil {
		return nil, err
	}
	if err := ce.Validate(); err != nil {
		return nil, fmt.Errorf("cloudevent %s: %w", e.ID, err)
	}
	return json.Marshal(ce)
}

// ContentType is a structured-mode CloudEvent's media type.
const ContentType = "application/cloudevents+json"
