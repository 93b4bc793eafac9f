package app

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
)

// The ports: each feature of the use cases takes only the store methods it
// calls (the contracts of each method are documented on package store's
// interfaces, which every implementation satisfies). They are declared
// here, by their consumer, so that the features can be built over smaller
// stores (the seed generator runs the lifecycle over a scratch store) and
// nothing above this package needs to import the store.

// Transactor runs fn in one transaction; calls made with the ctx passed to
// fn join it (store.Store.InTx).
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// CatalogReader is what every feature reads to place a dossier: agencies,
// procedures and the calendar years.
type CatalogReader interface {
	GetAgency(ctx context.Context, code string) (*domain.Agency, error)
	AgencySubtree(ctx context.Context, code string) ([]string, error)
	GetProcedure(ctx context.Context, code string) (*domain.Procedure, error)
	ListCalendarYears(ctx context.Context, scopes []string) ([]domain.CalendarYear, error)
}

// LifecycleStore is what the dossier mutations read and write.
type LifecycleStore interface {
	Transactor
	CatalogReader
	NextSequence(ctx context.Context, agencyCode, day string) (int64, error)
	CreateDossier(ctx context.Context, d *domain.Dossier) error
	UpdateDossier(ctx context.Context, d *domain.Dossier, expectedVersion int64) error
	GetDossier(ctx context.Context, id string) (*domain.Dossier, error)
	AppendEvent(ctx context.Context, e *domain.Event) error
	PutSlipRow(ctx context.Context, r *domain.SlipRow) error
	ApplyStats(ctx context.Context, ds []indicators.Delta) error
	ApplyUnitStats(ctx context.Context, ds []indicators.UnitDelta) error
}

// AccessLog records staff reads of dossiers.
type AccessLog interface {
	LogAccesses(ctx context.Context, as []domain.Access) error
}

// DossierReader is what the dossier reads use.
type DossierReader interface {
	CatalogReader
	AccessLog
	GetDossier(ctx context.Context, id string) (*domain.Dossier, error)
	GetDossierByCode(ctx context.Context, code string) (*domain.Dossier, error)
	ListDossiers(ctx context.Context, f DossierFilter, limit int) ([]domain.Dossier, error)
	ListEvents(ctx context.Context, dossierID string, afterSeq int64, limit int) ([]domain.Event, error)
	ListSlip(ctx context.Context, dossierID string) ([]domain.SlipRow, error)
	// The event feed (feed.go).
	ReadFeed(ctx context.Context, f FeedFilter, limit int) ([]FeedEvent, FeedPosition, error)
	FeedHorizon(ctx context.Context) (FeedPosition, error)
}

// CatalogStore is what the catalog use cases read and write.
type CatalogStore interface {
	Transactor
	CatalogReader
	CreateAgency(ctx context.Context, a *domain.Agency) error
	ListAgencies(ctx context.Context, f AgencyFilter, after string, limit int) ([]domain.Agency, error)
	CountAgencies(ctx context.Context) (int64, error)
	CreateProcedure(ctx context.Context, p *domain.Procedure) error
	AddProcedureVersion(ctx context.Context, code string, v *domain.ProcedureVersion) error
	ListProcedures(ctx context.Context, f ProcedureFilter, after string, limit int) ([]domain.Procedure, error)
}

// CalendarStore is what the calendar use cases read and write.
type CalendarStore interface {
	Transactor
	CatalogReader
	PutCalendarYear(ctx context.Context, y *domain.CalendarYear) error
}

// IndicatorStore is what the indicator queries and their verification read.
type IndicatorStore interface {
	CatalogReader
	SumStats(ctx context.Context, q StatsQuery) ([]indicators.Row, error)
	SumDurations(ctx context.Context, q StatsQuery) (map[int]int64, error)
	SumUnitStats(ctx context.Context, g indicators.Granularity, from, to string, units []string) ([]UnitRow, error)
	CountOpenOverdueSteps(ctx context.Context, units []string, now time.Time) (map[string]int64, error)
	CountOverdue(ctx context.Context, q StatsQuery, now time.Time) (int64, error)
	CountOverdueCohortByAgency(ctx context.Context, q StatsQuery, now time.Time) (map[string]int64, error)
	ListStatRows(ctx context.Context, g indicators.Granularity) (map[indicators.Key]indicators.Vector, map[indicators.Key]map[int]int64, error)
	ListUnitStatRows(ctx context.Context, g indicators.Granularity) (map[[2]string]UnitRow, error)
	ListDossierPage(ctx context.Context, afterID string, limit int) ([]domain.Dossier, error)
	ListFinishedSlipRows(ctx context.Context, dossierIDs []string) ([]domain.SlipRow, error)
	ListEventsOf(ctx context.Context, dossierIDs []string) ([]domain.Event, error)
	ProceduresWithOnlineFilings(ctx context.Context, q StatsQuery) (any, genuine []string, err error)
	ListOverdueCreated(ctx context.Context, q StatsQuery, now time.Time) ([]time.Time, error)
	ProceduresOf(ctx context.Context, agencies []string) ([]domain.Procedure, error)
}

// AuditStore is what the audit use cases read.
type AuditStore interface {
	CatalogReader
	AccessLog
	GetDossier(ctx context.Context, id string) (*domain.Dossier, error)
	GetDossiers(ctx context.Context, ids []string) ([]domain.Dossier, error)
	ListEvents(ctx context.Context, dossierID string, afterSeq int64, limit int) ([]domain.Event, error)
	ListEventsOf(ctx context.Context, dossierIDs []string) ([]domain.Event, error)
	ListAccesses(ctx context.Context, f AccessFilter, limit int) ([]domain.Access, error)
	ListChainHeads(ctx context.Context, agencies []string, from, to time.Time, afterID string, limit int) ([]domain.ChainHead, error)
	CountDossiers(ctx context.Context, agencies []string, from, to time.Time) (int64, error)
	ListOnlineSubmissions(ctx context.Context, agencies []string, from, to time.Time) ([]domain.Submission, error)
	// The signed checkpoints of the chain heads (checkpoint.go).
	ListAllChainHeads(ctx context.Context, afterID string, limit int) ([]domain.ChainHead, error)
	PutCheckpoint(ctx context.Context, c *CheckpointRecord, changed []domain.ChainHead) error
	GetCheckpoint(ctx context.Context, seq int64) (*CheckpointRecord, error)
	ListCheckpointLeaves(ctx context.Context, seq int64, afterID string, limit int) ([]domain.ChainHead, error)
}

// RequestStore is what the mutation funnel uses: the transaction and the
// stored answers of processed requests.
type RequestStore interface {
	Transactor
	GetRequest(ctx context.Context, principal, requestID string) (*RequestRecord, error)
	SaveRequest(ctx context.Context, r *RequestRecord) error
}

// Store is every port: what New takes (store.Store satisfies it).
type Store interface {
	LifecycleStore
	DossierReader
	CatalogStore
	CalendarStore
	IndicatorStore
	AuditStore
	RequestStore
	SyncStore
	DocumentStore
	IdentityStore
}
