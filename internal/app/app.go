// Package app holds the use cases: one method per API action, each checking
// the domain rules for the verified principal and applying the change to the
// store in one transaction. It knows neither gRPC nor SQL.
package app

import (
	"errors"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// Service implements the use cases over a store.
type Service struct {
	store       store.Store
	now         func() time.Time
	counterNets []netip.Prefix
	cache       caches
	checkpoints *CheckpointConfig // nil: no checkpoints (checkpoint.go)
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces the wall clock (tests, demos).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns a Service over st.
func New(st store.Store, opts ...Option) *Service {
	s := &Service{store: st, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store returns the underlying store.
func (s *Service) Store() store.Store { return s.store }

// Now returns the service's current time, UTC, at the store's precision.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

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
