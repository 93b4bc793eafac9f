package app

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/dvcqg"
)

// SyncState is a dossier's synchronisation with the national portal
// (docs/portal-sync.md, "States"). Zero times mean "never".
type SyncState struct {
	DossierID string
	// Joined from the dossier: what it is now.
	DossierCode    string
	AgencyCode     string
	DossierVersion int64

	// WantedVersion is the newest version a mutation asked to send, at
	// WantedAt (the change's time). Resend asks to send the current
	// state again even if acknowledged.
	WantedVersion int64
	WantedAt      time.Time
	Resend        bool
	// SentVersion was last sent; AckedVersion is the newest the portal
	// acknowledged, at AckedAt.
	SentVersion  int64
	AckedVersion int64
	AckedAt      time.Time
	// Attempts since the last success, the last error, when the failures
	// began, when the next attempt is due, and the claim of the deliverer
	// working on it.
	Attempts       int
	LastError      string
	FirstFailedAt  time.Time
	NextAttemptAt  time.Time
	LeaseUntil     time.Time
	DeadLetteredAt time.Time
}

// Pending reports whether the portal lacks the dossier's latest state.
func (s *SyncState) Pending() bool { return s.WantedVersion > s.AckedVersion || s.Resend }

// SyncChange is one change a mutation asks to send: the dossier's version
// after it, at the change's time; StatusChange marks a change of status
// (counted by the timeliness indicators).
type SyncChange struct {
	DossierID    string
	Version      int64
	Status       domain.Status
	At           time.Time
	StatusChange bool
}

// SyncOutcome is the end of one delivery attempt: acknowledged (Err empty:
// Version is what the portal now holds) or failed (Err, the next attempt,
// or a dead letter).
type SyncOutcome struct {
	Version       int64
	At            time.Time
	Err           string
	NextAttemptAt time.Time
	DeadLetter    bool
}

// SyncView selects sync states by condition.
type SyncView int

const (
	SyncAll          SyncView = 0
	SyncPending      SyncView = 1 // the portal lacks the latest state (including dead letters)
	SyncDeadLettered SyncView = 2
	SyncSynced       SyncView = 3 // the portal acknowledged the latest state
)

// SyncFilter selects dossiers for the sync commands and indicators; zero
// fields match everything.
type SyncFilter struct {
	Agencies    []string
	DossierID   string
	CreatedFrom time.Time // inclusive
	CreatedTo   time.Time // exclusive
	View        SyncView
}

// SyncCounts are the dossiers of a filter by sync condition.
type SyncCounts struct {
	Dossiers     int64 // dossiers in the filter
	Synced       int64 // the portal acknowledged their current version
	OutOfSync    int64 // the portal lacks their current version (never sent included)
	DeadLettered int64
	NeverSent    int64 // no acknowledgement at all
}

// SyncChangeTimes is a status change and when the portal acknowledged it
// (zero: not yet).
type SyncChangeTimes struct {
	ChangedAt time.Time
	AckedAt   time.Time
}

// Reconciliation kinds of a finding.
const (
	FindingMissing   = "MISSING"   // the portal does not hold the dossier
	FindingDivergent = "DIVERGENT" // status, dates or channel differ
	FindingPending   = "PENDING"   // differs, but a newer state is still being delivered
)

// Finding is one dossier a reconciliation found wrong on the portal.
type Finding struct {
	DossierID   string             `json:"dossier_id"`
	DossierCode string             `json:"dossier_code"`
	Kind        string             `json:"kind"`
	Fields      []dvcqg.Difference `json:"fields,omitempty"`
}

// Reconciliation is a stored reconciliation report.
type Reconciliation struct {
	ID         string
	AgencyCode string
	StartedAt  time.Time
	FinishedAt time.Time
	Checked    int64
	Matched    int64
	Divergent  int64
	Missing    int64
	Pending    int64
	Findings   []Finding
}

// SyncStore is what the portal synchronisation reads and writes.
type SyncStore interface {
	Transactor
	CatalogReader
	GetDossier(ctx context.Context, id string) (*domain.Dossier, error)
	GetDossierByCode(ctx context.Context, code string) (*domain.Dossier, error)
	ListDossiers(ctx context.Context, f DossierFilter, limit int) ([]domain.Dossier, error)
	ListEvents(ctx context.Context, dossierID string, afterSeq int64, limit int) ([]domain.Event, error)
	ListSlip(ctx context.Context, dossierID string) ([]domain.SlipRow, error)

	// MarkSyncWanted records changes to send (inside the mutation's
	// transaction): WantedVersion becomes the highest version seen, and
	// each status change is kept for the timeliness indicators.
	MarkSyncWanted(ctx context.Context, cs []SyncChange) error
	// DueSyncs lists dossiers whose delivery is due at now: pending, not
	// dead-lettered, next attempt reached, no live claim; oldest first.
	DueSyncs(ctx context.Context, now time.Time, limit int) ([]string, error)
	// ClaimSync takes the delivery of a due dossier until `until`; false
	// if another deliverer holds it or it is no longer due.
	ClaimSync(ctx context.Context, dossierID string, now, until time.Time) (bool, error)
	GetSyncState(ctx context.Context, dossierID string) (*SyncState, error)
	// FinishSync records an attempt's outcome and releases the claim. A
	// success acknowledges every status change up to its version.
	FinishSync(ctx context.Context, dossierID string, o SyncOutcome) error
	// ListSyncStates lists states (joined with their dossiers) in dossier
	// id order after afterID.
	ListSyncStates(ctx context.Context, f SyncFilter, afterID string, limit int) ([]SyncState, error)
	// RetrySyncs re-arms the dead-lettered deliveries in f: due now, no
	// attempts. It returns how many.
	RetrySyncs(ctx context.Context, f SyncFilter, now time.Time) (int64, error)
	// ResendSyncs asks to send the current state of every dossier in f
	// again (creating missing states), re-arming dead letters.
	ResendSyncs(ctx context.Context, f SyncFilter, now time.Time) (int64, error)
	CountSync(ctx context.Context, f SyncFilter) (SyncCounts, error)
	// ListSyncChanges lists the status changes of the dossiers in f that
	// happened in [from, to).
	ListSyncChanges(ctx context.Context, f SyncFilter, from, to time.Time) ([]SyncChangeTimes, error)
	PutReconciliation(ctx context.Context, r *Reconciliation) error
	GetReconciliation(ctx context.Context, id string) (*Reconciliation, error)
	ListReconciliations(ctx context.Context, agencies []string, limit int) ([]Reconciliation, error)
}

// PortalClient sends to and reads from the national portal (internal/portal
// implements it over HTTP; the use cases own the port).
type PortalClient interface {
	// Send delivers a dossier's message for its agency; update says the
	// portal is believed to hold it already. A *PortalError tells whether
	// a failure is worth retrying.
	Send(ctx context.Context, agency string, m dvcqg.Message, update bool) (SendResult, error)
	// Lookup reads the portal's copies of codes; missing codes are absent.
	Lookup(ctx context.Context, agency string, codes []string) (map[string]dvcqg.HoSo, error)
}

// SendResult says what the portal did with a message.
type SendResult struct {
	// Stale: the portal already holds a newer version; nothing changed.
	Stale bool
}

// PortalError is a refused or failed portal call.
type PortalError struct {
	// Permanent: retrying the same message cannot succeed (the portal
	// refused a field, the credentials, or the agency has none).
	Permanent bool
	Reason    string
}

func (e *PortalError) Error() string { return e.Reason }
