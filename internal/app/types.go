package app

import (
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
)

// The types the ports below take. They live here, with their consumer, so
// that the transport never imports the store; package store aliases them.

// AgencyFilter narrows ListAgencies; zero fields match everything.
type AgencyFilter struct {
	ParentCode string
}

// ProcedureFilter narrows ListProcedures; zero fields match everything.
type ProcedureFilter struct {
	AgencyCode string
	FieldCode  string
}

// DossierFilter narrows ListDossiers; zero fields match everything.
type DossierFilter struct {
	AgencyCode    string
	ProcedureCode string
	Statuses      []domain.Status
	ApplicantID   string
	ReceivedFrom  time.Time // inclusive
	ReceivedTo    time.Time // exclusive
	AfterID       string    // keyset: only ids below this one

	// The filters that make a list equal an indicator's figure.
	Channel    domain.Channel     // zero: any
	FiledBy    []domain.ActorKind // any of these
	FiledFrom  time.Time          // created at or after (inclusive)
	FiledTo    time.Time          // created before (exclusive)
	Resolution Resolution         // resolved on time or late
	Received   *bool              // accepted at intake, or not; nil: any
	// StepUnitCode: only dossiers whose current step is at this unit (the
	// overdue-by-unit drill-down).
	StepUnitCode string
	// OnTimeAt, when set, keeps the dossiers the on-time rate counts on time
	// at that instant: running with the legal deadline not before it, or
	// resolved (maybe returned since) by the legal deadline.
	OnTimeAt time.Time
	// Digitised: a component scanned at the counter or reused
	// (domain.Dossier.Digitised); ElectronicResult: resolved with an
	// electronic result (domain.Dossier.ElectronicResult);
	// SupplementRequested: asked at least once to complete the documents.
	Digitised, ElectronicResult, SupplementRequested bool

	// Running: only dossiers whose clock runs (RECEIVED, PROCESSING).
	Running bool
	// DueBefore: only dossiers whose legal deadline is before this time.
	DueBefore time.Time
	// DueFrom: only dossiers whose legal deadline is at or after this time.
	DueFrom time.Time
	// OrderByDue orders by legal deadline (then id), earliest first; the
	// keyset is then (AfterDue, AfterID).
	OrderByDue bool
	AfterDue   time.Time

	// NewestBy orders by a time, newest first, then by id: filing time
	// (created_at) or receipt (received_at); the keyset is then (AfterTime,
	// AfterID). A list with an upper bound on that time (FiledTo,
	// ReceivedTo) needs it: in id order the database walks every dossier
	// past the bound before the first one it returns, in this order it
	// starts at the bound (migration 19).
	NewestBy  TimeOrder
	AfterTime time.Time

	// UpdatedSince: only dossiers changed at or after it, ordered by
	// (updated_at, id) ascending; the keyset is then (AfterUpdated, AfterID).
	UpdatedSince time.Time
	AfterUpdated time.Time

	// Visibility scope, applied in SQL. When ScopeCitizenID is set, only
	// dossiers whose applicant or representative has that id; when
	// ScopeAgencies is set, only dossiers received at or currently at a step
	// of one of them. ScopeAll must be true to list without either.
	ScopeCitizenID string
	ScopeAgencies  []string
	ScopeAll       bool
}

// TimeOrder names the time DossierFilter.NewestBy orders by.
type TimeOrder int

// The orders of DossierFilter.NewestBy.
const (
	ByID      TimeOrder = iota // by id alone (the default)
	ByFiling                   // created_at, then id
	ByReceipt                  // received_at, then id
)

// AccessFilter narrows ListAccesses; DossierID, ActorID or ActorKey is
// set.
type AccessFilter struct {
	DossierID string
	// ActorID selects reads by a staff member's subject (what an auditor
	// types); ActorKey by their identity key (a staff member's own log).
	ActorID  string
	ActorKey string
	// ActorAgencies, when set, keeps only reads by staff of these agencies.
	ActorAgencies []string
	From, To      time.Time
	AfterID       int64
}

// StatsQuery selects aggregate rows. Period is indicators.Day (From/To are
// YYYY-MM-DD) or indicators.Month (YYYY-MM), both inclusive; empty
// dimensions match all.
type StatsQuery struct {
	Period     indicators.Granularity
	From, To   string
	Agencies   []string
	Procedure  string
	Field      string
	Channel    domain.Channel
	GroupByDay bool
	// GroupByAgency: SumStats returns rows per agency too (Row.Agency).
	GroupByAgency bool
	// For CountOverdue: the filing period as instants.
	CreatedFrom, CreatedTo time.Time
}

// UnitRow is a unit's step statistics.
type UnitRow struct {
	Unit        string
	Day         string
	Finished    int64
	Late        int64
	LateMinutes int64
}

// RequestRecord is the stored outcome of a mutating request, keyed by the
// principal and its request_id, so that a retry returns the first answer.
type RequestRecord struct {
	Principal   string // the principal's identity key (domain.Principal.Key)
	RequestID   string
	Method      string
	RequestHash string // hex SHA-256 of the request without its request_id
	Response    []byte // the serialized response
	CreatedAt   time.Time
}

// CheckpointRecord is a stored checkpoint (internal/checkpoint): the signed
// note as published, with its parsed sequence, size and root.
type CheckpointRecord struct {
	Seq       int64
	CreatedAt time.Time
	TreeSize  int64
	RootHash  string // base64, as in the note
	Note      string
}

// Resolution selects resolved (maybe returned since) dossiers by whether
// they finished by their legal deadline, as the indicators count them.
type Resolution int

// The values of Resolution.
const (
	ResolutionAny Resolution = iota
	ResolutionOnTime
	ResolutionLate
)

// FeedPosition is a place in the event feed (WatchDossierEvents): every
// stored event has one, and the feed lists events in increasing position.
// On PostgreSQL Tx is the inserting transaction's id and Pos a global
// insertion number; on SQLite, whose writers are serialised, Tx is 0 and Pos
// alone is commit order. The zero position is before every event.
type FeedPosition struct {
	Tx  int64
	Pos int64
}

// Less orders positions.
func (p FeedPosition) Less(q FeedPosition) bool {
	return p.Tx < q.Tx || (p.Tx == q.Tx && p.Pos < q.Pos)
}

// FeedFilter selects events of the feed after a position. The scope fields
// are DossierFilter's (set by the use case from the principal, never by a
// caller): the event's dossier must be in scope as it is now.
type FeedFilter struct {
	After FeedPosition
	// Narrowing: the dossier's receiving agency, one dossier, and the
	// actions (any of them; empty: all).
	AgencyCode string
	DossierID  string
	Actions    []domain.Action

	ScopeCitizenID string
	ScopeAgencies  []string
	ScopeAll       bool
}

// FeedEvent is an event with its place in the feed and its dossier's code.
type FeedEvent struct {
	domain.Event
	Position FeedPosition
}
