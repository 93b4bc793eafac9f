package domain

import "time"

// Access is one read of a dossier by a staff member, with the purpose they
// stated (the citizen-facing access log, like Estonia's Data Tracker).
type Access struct {
	ID            int64
	DossierID     string
	DossierCode   string
	ActorID       string
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
	ActorKind     ActorKind
	ClientAddress string
	At            time.Time
}

// ChainHead is what a dossier row records about the end of its event chain.
type ChainHead struct {
	DossierID string
	Code      string
	LastSeq   int64
	LastHash  string
}
