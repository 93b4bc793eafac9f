// Package store is the persistence port: small interfaces with their
// contracts, the filters they take, and nothing that knows SQL. The gorm
// implementation lives in gormstore; the conformance suite every
// implementation must pass lives in storetest.
package store

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
)

// The types the ports take are the application's (internal/app owns its
// ports, so that nothing above it imports this package); they are aliased
// here for the implementations.
type (
	AgencyFilter    = app.AgencyFilter
	ProcedureFilter = app.ProcedureFilter
	DossierFilter   = app.DossierFilter
	Resolution      = app.Resolution
	TimeOrder       = app.TimeOrder
	AccessFilter    = app.AccessFilter
	StatsQuery      = app.StatsQuery
	UnitRow         = app.UnitRow
	RequestRecord   = app.RequestRecord

	SyncState             = app.SyncState
	SyncChange            = app.SyncChange
	SyncOutcome           = app.SyncOutcome
	SyncFilter            = app.SyncFilter
	SyncCounts            = app.SyncCounts
	SyncChangeTimes       = app.SyncChangeTimes
	Finding               = app.Finding
	Reconciliation        = app.Reconciliation
	Upload                = app.Upload
	UploadState           = app.UploadState
	BlobRecord            = app.BlobRecord
	ResultFetch           = app.ResultFetch
	FeedPosition          = app.FeedPosition
	FeedFilter            = app.FeedFilter
	FeedEvent             = app.FeedEvent
	PopulationQuery       = app.PopulationQuery
	PopulationQueryFilter = app.PopulationQueryFilter
)

// The sync views (app.SyncView).
const (
	SyncAll          = app.SyncAll
	SyncPending      = app.SyncPending
	SyncDeadLettered = app.SyncDeadLettered
	SyncSynced       = app.SyncSynced
)

// Sync is the national portal synchronisation's state (docs/portal-sync.md);
// the contracts are on app.SyncStore.
type Sync interface {
	MarkSyncWanted(ctx context.Context, cs []SyncChange) error
	DueSyncs(ctx context.Context, now time.Time, limit int) ([]string, error)
	ClaimSync(ctx context.Context, dossierID string, now, until time.Time) (bool, error)
	GetSyncState(ctx context.Context, dossierID string) (*SyncState, error)
	FinishSync(ctx context.Context, dossierID string, o SyncOutcome) error
	ListSyncStates(ctx context.Context, f SyncFilter, afterID string, limit int) ([]SyncState, error)
	RetrySyncs(ctx context.Context, f SyncFilter, now time.Time) (int64, error)
	ResendSyncs(ctx context.Context, f SyncFilter, now time.Time) (int64, error)
	CountSync(ctx context.Context, f SyncFilter) (SyncCounts, error)
	ListSyncChanges(ctx context.Context, f SyncFilter, from, to time.Time) ([]SyncChangeTimes, error)
	PutReconciliation(ctx context.Context, r *Reconciliation) error
	GetReconciliation(ctx context.Context, id string) (*Reconciliation, error)
	ListReconciliations(ctx context.Context, agencies []string, limit int) ([]Reconciliation, error)
}

// Documents is the record of stored files: blobs, uploads under way, which
// dossiers reference which blob, and first fetches of results (the method
// contracts are on app.DocumentStore).
type Documents interface {
	CreateUpload(ctx context.Context, u *Upload) error
	GetUpload(ctx context.Context, id string) (*Upload, error)
	UpdateUpload(ctx context.Context, u *Upload, from int64) error
	ListStaleUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error)
	PutBlob(ctx context.Context, b *BlobRecord) error
	GetBlob(ctx context.Context, sha string) (*BlobRecord, error)
	UploadedBy(ctx context.Context, ownerKey, sha string) (bool, error)
	AddBlobRefs(ctx context.Context, dossierID string, shas []string) error
	ListUnreferencedBlobs(ctx context.Context, before time.Time, limit int) ([]BlobRecord, error)
	DeleteBlobRecord(ctx context.Context, sha string) (bool, error)
	RecordResultFetch(ctx context.Context, f ResultFetch) (bool, error)
	GetResultFetch(ctx context.Context, dossierID, code string) (*ResultFetch, error)
}

// The states of an Upload.
const (
	UploadOpen    = app.UploadOpen
	UploadDone    = app.UploadDone
	UploadFailed  = app.UploadFailed
	UploadExpired = app.UploadExpired
)

// Store is everything the application needs from persistence.
//
// Methods return the domain sentinels: domain.ErrNotFound (as a
// *domain.NotFoundError), domain.ErrAlreadyExists, domain.ErrVersionConflict
// (as a *domain.ConflictError). Any other error is an infrastructure failure.
type Store interface {
	// InTx runs fn in one transaction. Store calls made with the ctx passed
	// to fn join that transaction; InTx called with such a ctx joins it too.
	// It commits when fn returns nil and rolls back otherwise. It re-runs fn
	// — a bounded number of times — only after serialization failures,
	// deadlocks and busy errors, so fn must not have effects outside the
	// transaction. When those persist past the bound it returns an error
	// wrapping domain.ErrUnavailable (and the database's last error, not in its message).
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	Catalog
	Dossiers
	Slips
	Calendars
	Requests
	Audit
	Stats
	Checkpoints
	Sync
	Documents
	Identity

	// SchemaStatus reports the applied migration version and the version this
	// code needs.
	SchemaStatus(ctx context.Context) (current, wanted int64, err error)
	// Dialect is "postgres" or "sqlite".
	Dialect() string
	// Ping checks the connection.
	Ping(ctx context.Context) error
	Close() error
}

// Catalog stores agencies and procedures.
type Catalog interface {
	// CreateAgency inserts an agency. ErrAlreadyExists if the code is taken;
	// ErrNotFound if ParentCode names no agency.
	CreateAgency(ctx context.Context, a *domain.Agency) error
	// GetAgency returns ErrNotFound if the code is unknown.
	GetAgency(ctx context.Context, code string) (*domain.Agency, error)
	// ListAgencies returns at most limit agencies with code > after, by code.
	ListAgencies(ctx context.Context, f AgencyFilter, after string, limit int) ([]domain.Agency, error)
	// AgencySubtree returns code and the codes of every agency below it.
	AgencySubtree(ctx context.Context, code string) ([]string, error)
	// CountAgencies counts all agencies.
	CountAgencies(ctx context.Context) (int64, error)

	// CreateProcedure inserts a procedure and its Versions. ErrAlreadyExists if
	// the code is taken; ErrNotFound if the agency is unknown.
	CreateProcedure(ctx context.Context, p *domain.Procedure) error
	// AddProcedureVersion appends v (v.Version must be the next number) and
	// ends the previous open version at v.EffectiveAt. ErrNotFound if the
	// procedure is unknown; ErrAlreadyExists if that version exists.
	AddProcedureVersion(ctx context.Context, code string, v *domain.ProcedureVersion) error
	// GetProcedure returns the procedure with all versions, oldest first;
	// ErrNotFound if unknown.
	GetProcedure(ctx context.Context, code string) (*domain.Procedure, error)
	// ListProcedures returns at most limit procedures with code > after, by
	// code, with their versions.
	ListProcedures(ctx context.Context, f ProcedureFilter, after string, limit int) ([]domain.Procedure, error)
}

// Dossiers stores dossiers and their events.
type Dossiers interface {
	// NextSequence increments and returns the dossier counter of an agency
	// for a local day ("YYMMDD"), starting at 1. Within a transaction the
	// increment commits or rolls back with it, so committed codes have no
	// gaps; concurrent callers for the same agency and day are serialized.
	NextSequence(ctx context.Context, agencyCode, day string) (int64, error)
	// CreateDossier inserts d. ErrAlreadyExists if its id or code exists.
	CreateDossier(ctx context.Context, d *domain.Dossier) error
	// UpdateDossier stores d if the stored version is expectedVersion
	// (d.Version is the new version). Otherwise it returns a
	// *domain.ConflictError with the current version, or ErrNotFound.
	UpdateDossier(ctx context.Context, d *domain.Dossier, expectedVersion int64) error
	// GetDossier returns ErrNotFound if no dossier has the id.
	GetDossier(ctx context.Context, id string) (*domain.Dossier, error)
	// GetDossierByCode returns ErrNotFound if no dossier has the code.
	GetDossierByCode(ctx context.Context, code string) (*domain.Dossier, error)
	// ListDossiers returns at most limit dossiers matching f, newest first
	// (by id, which is time-ordered), starting after f.AfterID.
	ListDossiers(ctx context.Context, f DossierFilter, limit int) ([]domain.Dossier, error)

	// AppendEvent inserts e. ErrAlreadyExists if the dossier already has an
	// event with e.Seq.
	AppendEvent(ctx context.Context, e *domain.Event) error
	// ListEvents returns at most limit events of a dossier with Seq > afterSeq,
	// in order.
	ListEvents(ctx context.Context, dossierID string, afterSeq int64, limit int) ([]domain.Event, error)

	// ReadFeed returns at most limit events matching f with a position
	// after f.After, in increasing position, each with its dossier's code,
	// and the horizon: a position at or before which no event can be added
	// any more (every transaction that could write one has finished), and
	// past which no returned event lies. When fewer than limit events are
	// returned, every matching event up to the horizon was returned, so a
	// reader may continue from the horizon. It reads nothing the scope
	// excludes (and nothing at all with no scope and !f.ScopeAll).
	ReadFeed(ctx context.Context, f FeedFilter, limit int) ([]FeedEvent, FeedPosition, error)
	// FeedHorizon returns the feed's current horizon (as ReadFeed): a
	// reader starting there sees every event committed from then on.
	// Horizons never decrease, and every position a reader was given is at
	// or before the current horizon.
	FeedHorizon(ctx context.Context) (FeedPosition, error)

	// InsertBulk stores many new dossiers with their events and slip rows
	// at once, for loading generated or restored data (`motcua seed`), not
	// for serving requests: the rows are stored as given, without checking
	// chains or touching the aggregates, which the caller keeps consistent
	// (ApplyStats, ApplyUnitStats). It also raises each (agency, day)
	// dossier counter to at least the sequence of the inserted codes, so
	// that later intake continues after them. Everything is inserted or
	// nothing: ErrAlreadyExists if an id, a code, a (dossier, seq) event or
	// a (dossier, step) slip row exists; ErrNotFound if a dossier names an
	// unknown agency or procedure version, or an event or slip row an
	// unknown dossier. It joins the caller's transaction when ctx carries
	// one; otherwise it runs in its own, and on PostgreSQL loads with COPY.
	InsertBulk(ctx context.Context, dossiers []domain.Dossier, events []domain.Event, slips []domain.SlipRow) error
	// DossierSequences returns the dossier counters of the agencies for the
	// code days in [fromDay, toDay] ("YYMMDD", domain.CodeDay), keyed by
	// {agency, day}: the last sequence allotted on that day. A loader adding
	// dossiers to days that already have some numbers them after these.
	DossierSequences(ctx context.Context, agencies []string, fromDay, toDay string) (map[[2]string]int64, error)
}

// Slips stores process-control slips.
type Slips interface {
	// PutSlipRow inserts the row, or replaces the row with the same dossier
	// and step index.
	PutSlipRow(ctx context.Context, r *domain.SlipRow) error
	// ListSlip returns a dossier's slip rows by step index.
	ListSlip(ctx context.Context, dossierID string) ([]domain.SlipRow, error)
}

// Calendars stores the special days administrators set.
type Calendars interface {
	// PutCalendarYear inserts or replaces the list of a scope and year.
	PutCalendarYear(ctx context.Context, y *domain.CalendarYear) error
	// ListCalendarYears returns every year set for the scopes.
	ListCalendarYears(ctx context.Context, scopes []string) ([]domain.CalendarYear, error)
}

// Audit stores the read-access log and answers the audit queries.
type Audit interface {
	// LogAccesses appends read-access records.
	LogAccesses(ctx context.Context, as []domain.Access) error
	// ListAccesses returns at most limit accesses matching f, oldest first,
	// with ID > f.AfterID; DossierCode is filled in.
	ListAccesses(ctx context.Context, f AccessFilter, limit int) ([]domain.Access, error)
	// ListChainHeads returns at most limit dossiers of the agencies created
	// in [from, to), with id > afterID, by id.
	ListChainHeads(ctx context.Context, agencies []string, from, to time.Time, afterID string, limit int) ([]domain.ChainHead, error)
	// GetDossiers returns the dossiers with these ids, by id; ids that name
	// no dossier are left out (verification reads a batch at once).
	GetDossiers(ctx context.Context, ids []string) ([]domain.Dossier, error)
	// CountDossiers counts the dossiers of the agencies created in [from, to).
	CountDossiers(ctx context.Context, agencies []string, from, to time.Time) (int64, error)
	// ListOnlineSubmissions returns the online SUBMIT events of the agencies'
	// dossiers in [from, to), oldest first.
	ListOnlineSubmissions(ctx context.Context, agencies []string, from, to time.Time) ([]domain.Submission, error)
}

// Stats stores the indicator aggregates (see package indicators).
type Stats interface {
	// ApplyStats adds each delta to its daily and monthly rows (creating
	// them), in the caller's transaction.
	ApplyStats(ctx context.Context, ds []indicators.Delta) error
	// ApplyUnitStats adds step deltas to daily and monthly unit rows.
	ApplyUnitStats(ctx context.Context, ds []indicators.UnitDelta) error
	// SumStats sums the rows matching q, grouped by q.GroupByDay (or not),
	// channel and filer kind.
	SumStats(ctx context.Context, q StatsQuery) ([]indicators.Row, error)
	// SumDurations sums the processing-time buckets matching q.
	SumDurations(ctx context.Context, q StatsQuery) (map[int]int64, error)
	// SumUnitStats sums unit step rows of a period, per unit.
	SumUnitStats(ctx context.Context, g indicators.Granularity, from, to string, units []string) ([]UnitRow, error)
	// CountOpenOverdueSteps counts open slip rows past due at now, per unit.
	CountOpenOverdueSteps(ctx context.Context, units []string, now time.Time) (map[string]int64, error)
	// CountOverdue counts running dossiers past their legal deadline at now,
	// matching q's dimensions and filed in [q.CreatedFrom, q.CreatedTo).
	CountOverdue(ctx context.Context, q StatsQuery, now time.Time) (int64, error)
	// CountOverdueCohortByAgency is CountOverdue per receiving agency (agencies
	// with none are absent).
	CountOverdueCohortByAgency(ctx context.Context, q StatsQuery, now time.Time) (map[string]int64, error)
	// ListStatRows returns every aggregate row of a granularity (Day, Month
	// or Year), with its durations, for verification.
	ListStatRows(ctx context.Context, g indicators.Granularity) (map[indicators.Key]indicators.Vector, map[indicators.Key]map[int]int64, error)
	// ListUnitStatRows returns every unit row of a granularity (Day or Month).
	ListUnitStatRows(ctx context.Context, g indicators.Granularity) (map[[2]string]UnitRow, error)
	// ListDossierPage returns at most limit dossiers with id > afterID, by id
	// (for verification).
	ListDossierPage(ctx context.Context, afterID string, limit int) ([]domain.Dossier, error)
	// ListFinishedSlipRows returns the slip rows of the dossiers handed on
	// or resolved.
	ListFinishedSlipRows(ctx context.Context, dossierIDs []string) ([]domain.SlipRow, error)
	// ListEventsOf returns the events of the dossiers, by dossier and sequence.
	ListEventsOf(ctx context.Context, dossierIDs []string) ([]domain.Event, error)
	// ProceduresWithOnlineFilings lists the procedures of q's rows with an
	// online filing (any), and those with one by the applicant side
	// (genuine), from one read of the rows.
	ProceduresWithOnlineFilings(ctx context.Context, q StatsQuery) (any, genuine []string, err error)
	// ListOverdueCreated returns the filing times of the running dossiers
	// matching q (as CountOverdue) past their deadline at now.
	ListOverdueCreated(ctx context.Context, q StatsQuery, now time.Time) ([]time.Time, error)
	// ProceduresOf returns the procedures published by any of the agencies,
	// with their versions.
	ProceduresOf(ctx context.Context, agencies []string) ([]domain.Procedure, error)
}

// Requests stores processed mutating requests.
type Requests interface {
	// GetRequest returns ErrNotFound if the principal never sent requestID.
	GetRequest(ctx context.Context, principal, requestID string) (*RequestRecord, error)
	// SaveRequest inserts r; ErrAlreadyExists if the key was recorded (by a
	// concurrent retry).
	SaveRequest(ctx context.Context, r *RequestRecord) error
	// DeleteRequestsBefore deletes the records created before 'before', at
	// most batch per statement, and returns how many it deleted. A request
	// retried after its record is gone runs again (docs/operations.md).
	DeleteRequestsBefore(ctx context.Context, before time.Time, batch int) (int64, error)
}

// The values of Resolution.
const (
	ResolutionAny    = app.ResolutionAny
	ResolutionOnTime = app.ResolutionOnTime
	ResolutionLate   = app.ResolutionLate
)

// The values of TimeOrder.
const (
	ByID      = app.ByID
	ByFiling  = app.ByFiling
	ByReceipt = app.ByReceipt
)

// Identity stores the population-database query log and finds the
// dossiers whose identity check is pending (docs/identity.md).
type Identity interface {
	// LogPopulationQuery inserts one line of the query log.
	LogPopulationQuery(ctx context.Context, q *PopulationQuery) error
	// ListPopulationQueries returns up to limit lines after f.AfterID, in
	// id (time) order, narrowed by f's subject and dossier.
	ListPopulationQueries(ctx context.Context, f PopulationQueryFilter, limit int) ([]PopulationQuery, error)
	// ListIdentityPending returns the ids (after afterID, in order, at most
	// limit) of dossiers whose identity outcome is PENDING.
	ListIdentityPending(ctx context.Context, afterID string, limit int) ([]string, error)
	// ListHandoffs returns the ids (after afterID, in order, at most limit)
	// of dossiers whose business-registry hand-off is in status.
	ListHandoffs(ctx context.Context, status domain.HandoffStatus, afterID string, limit int) ([]string, error)
	// ListMandatePending returns the ids (after afterID, in order, at most
	// limit) of dossiers whose representative's mandate check awaits the
	// mandate registry.
	ListMandatePending(ctx context.Context, afterID string, limit int) ([]string, error)
}
