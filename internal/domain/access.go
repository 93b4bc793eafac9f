package domain

import "time"

// Access is one read of a dossier by a staff member, with the purpose they
// stated (the citizen-facing access log, like Estonia's Data Tracker).
type Access struct {
	ID          int64
	DossierID   string
	DossierCode string
	ActorID     string
	// ActorKey is the reader's identity key (Principal.Key): what a staff
	// member's own access log is selected by. Empty on rows logged before
	// identity keys (migration 00006).
	ActorKey      string
	ActorRole     Role
	ActorAgency   string
	Purpose       string
	Method        string
	At            time.Time
	ClientAddress string
}

// Submission is an online filing as the proxy-filing signals see it.
type Submission struct {
	DossierID     string
	DossierCode   string
	ApplicantID   string
	ActorID       string
	ActorRole     Role
	ActorKind     ActorKind
	ClientAddress string
	At            time.Time
}

// ActorKey identifies the account that filed: the actor's kind and id.
// Events do not store the token issuer (their canonical encoding is fixed,
// and a deployment accepts one issuer), so the key is IdentityKey with an
// empty issuer; kinds never collide.
func (s Submission) ActorKey() string { return IdentityKey("", s.ActorRole, s.ActorID) }

// ChainHead is what a dossier row records about the end of its event chain.
type ChainHead struct {
	DossierID string
	Code      string
	LastSeq   int64
	LastHash  string
}
