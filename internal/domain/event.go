package domain

import "time"

// Attribution records who performed a step and how; it is derived on the
// server, never read from the request.
type Attribution struct {
	Channel       Channel
	ActorID       string
	ActorRole     Role
	ActorAgency   string
	ActorKind     ActorKind
	Assurance     Assurance
	OnBehalfOf    string // the applicant's id_number when the actor is not the applicant
	MandateRef    string
	SourceSystem  string
	ClientAddress string
}

// Event is the immutable record of one step of a dossier. Events of a dossier
// are numbered 1, 2, … and hash-chained: Hash covers every field and PrevHash.
type Event struct {
	ID             string
	DossierID      string
	DossierCode    string
	Seq            int64
	Action         Action
	From           Status // 0 for the event that creates the dossier
	To             Status
	StepIndex      int
	At             time.Time
	Note           string
	RequestID      string
	Attribution    Attribution
	DossierVersion int64
	// Details holds action-specific facts (new due time, reason, assignee…).
	Details map[string]string
	// State is the dossier row's projection after this event (see
	// audit.ProjectionOf), sealed into the hash so the row cannot drift
	// from its chain. Nil on events written before it existed.
	State    map[string]string
	PrevHash string
	Hash     string
}

// OnlinePayment reports whether e records a payment made online with its
// provenance: confirmed by a payment integration (its authenticated identity,
// SourceSystem, is the provider) with the provider's transaction reference.
// Events of staff claiming "online" (possible before this rule) do not count.
func (e *Event) OnlinePayment() bool {
	return e.Action == ActionConfirmPayment && e.Details["paid_online"] == "true" &&
		e.Attribution.ActorRole == RoleIntegration && e.Attribution.SourceSystem != "" && e.Details["receipt_ref"] != ""
}
