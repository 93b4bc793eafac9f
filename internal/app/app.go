// Package app holds the use cases: one method per API action, each checking
// the domain rules for the verified principal and applying the change to the
// store in one transaction. It knows neither gRPC nor SQL.
//
// The use cases are split by feature, each over the narrow port it uses
// (ports.go): Lifecycle (the dossier mutations) over LifecycleStore; the
// dossier reads over DossierReader; the catalog, calendars, indicators and
// audit over CatalogStore, CalendarStore, IndicatorStore and AuditStore.
// Service bundles them for the transport. Every mutating request goes
// through Mutate (funnel.go), which owns its transaction.
package app

import (
	"errors"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/domain"
)

// Service bundles the features for the transport; each feature is built
// over its own port and they share one clock and one set of caches (so a
// catalog or calendar change made through one is seen by all).
type Service struct {
	*shared
	*Lifecycle
	*DossierReads
	*Catalog
	*Calendars
	*IndicatorQueries
	*Audit
	*Sync
	*Documents
	*Identity

	requests    RequestStore
	bizreg      BusinessRegistry
	eventHooks  []EventHook
	commitHooks []CommitHook
	feed        *feedSignal // wakes event watches (feed.go)
}

// DossierReads holds the dossier reads (they log staff reads).
type DossierReads struct {
	*shared
	st DossierReader
}

// Catalog holds the agency and procedure use cases.
type Catalog struct {
	*shared
	st CatalogStore
}

// Calendars holds the calendar use cases.
type Calendars struct {
	*shared
	st CalendarStore
}

// IndicatorQueries holds the indicator queries and their verification.
type IndicatorQueries struct {
	*shared
	st IndicatorStore
}

// Audit holds the audit use cases.
type Audit struct {
	*shared
	st          AuditStore
	counterNets []netip.Prefix
	checkpoints *CheckpointConfig // nil: no checkpoints (checkpoint.go)
}

// config is what the Options set.
type config struct {
	now         func() time.Time
	counterNets []netip.Prefix
	eventHooks  []EventHook
	checkpoints *CheckpointConfig // nil: no checkpoints (checkpoint.go)
	commitHooks []CommitHook
	portalSync  bool
	portal      PortalClient
	syncCfg     SyncConfig
	documents   DocumentConfig
	// popdb is the population database (identity.go); nil: none.
	popdb        PopulationDB
	intakeBudget time.Duration
	bizreg       BusinessRegistry // nil: no hand-offs (bizreg.go)
	// mandates is the mandate registry (mandate.go); nil: none.
	mandates      MandateRegistry
	mandateBudget time.Duration
}

// Option configures a Service or a Lifecycle.
type Option func(*config)

// WithClock replaces the wall clock (tests, demos).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

func newConfig(opts []Option) config {
	c := config{now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// New returns a Service over st.
func New(st Store, opts ...Option) *Service {
	c := newConfig(opts)
	sh := newShared(st, c)
	reads := &DossierReads{shared: sh, st: st}
	docs := newDocuments(sh, st, reads, c.documents)
	feed := newFeedSignal()
	if c.portalSync {
		c.eventHooks = append(c.eventHooks, syncHook(st))
	}
	return &Service{feed: feed, Sync: &Sync{shared: sh, st: st, client: c.portal, cfg: c.syncCfg.withDefaults()},
		shared: sh, Lifecycle: &Lifecycle{shared: sh, st: st, files: docs}, DossierReads: reads, Documents: docs,
		Catalog: &Catalog{shared: sh, st: st}, Calendars: &Calendars{shared: sh, st: st},
		IndicatorQueries: &IndicatorQueries{shared: sh, st: st}, Audit: &Audit{shared: sh, st: st, counterNets: c.counterNets, checkpoints: c.checkpoints},
		Identity: &Identity{shared: sh, st: st, db: c.popdb, intakeBudget: c.intakeBudget,
			mandates: c.mandates, mandateBudget: c.mandateBudget},
		requests: st, bizreg: c.bizreg, eventHooks: c.eventHooks, commitHooks: append(c.commitHooks, feed.notify)}
}

// shared is what every feature needs: the clock and the cached catalog and
// calendar reads (one instance per Service, so a change made through one
// feature clears the caches of all).
type shared struct {
	now   func() time.Time
	reads CatalogReader
	cache *caches
}

func newShared(reads CatalogReader, c config) *shared {
	return &shared{now: c.now, reads: reads, cache: &caches{}}
}

// Now returns the service's current time, UTC, at the store's precision.
func (s *shared) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// newID returns a time-ordered UUID (v7), so ids sort by creation.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// sealEvent numbers and seals the next event of d and advances d's chain
// head; d must already carry its new version. The caller stores both.
func sealEvent(d *domain.Dossier, e *domain.Event) {
	e.ID = newID()
	e.DossierID = d.ID
	e.DossierCode = d.Code
	e.Seq = d.LastEventSeq + 1
	e.DossierVersion = d.Version
	e.StepIndex = d.Step.Index
	e.State = audit.ProjectionOf(d) // binds the row to the chain (docs/security.md)
	audit.Seal(e, d.LastEventHash)
	d.LastEventSeq, d.LastEventHash = e.Seq, e.Hash
}

// isNotFound reports domain.ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }
