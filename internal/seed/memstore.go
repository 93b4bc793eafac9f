package seed

import (
	"context"
	"fmt"
	"slices"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
)

// scratch is the store a generator's app.Service runs on: a read-only
// snapshot of the catalog and calendars, and one dossier at a time, whose
// rows and aggregate changes it collects instead of writing them. Running
// the real use cases on it is what makes generated dossiers, events, slips
// and aggregates exactly what the server would have recorded.
//
// It implements app.LifecycleStore, the port of the lifecycle use cases,
// and nothing else: the generator runs app.NewLifecycle over it.
type scratch struct {
	catalog *snapshot

	// nextSeq is the dossier counter value NextSequence hands out next:
	// codes are allotted in filing order before generation.
	nextSeq int64

	dossier *domain.Dossier
	events  []domain.Event
	slips   []domain.SlipRow // by step index, latest version of each row
	stats   []indicators.Delta
	units   []indicators.UnitDelta
}

var _ app.LifecycleStore = (*scratch)(nil)

// snapshot is the catalog as read from the target store.
type snapshot struct {
	agencies   map[string]*domain.Agency
	subtree    map[string][]string
	procedures map[string]*domain.Procedure
	years      []domain.CalendarYear
}

func newSnapshot(agencies []domain.Agency, procs []domain.Procedure, years []domain.CalendarYear) *snapshot {
	s := &snapshot{agencies: map[string]*domain.Agency{}, subtree: map[string][]string{},
		procedures: map[string]*domain.Procedure{}, years: years}
	for i := range agencies {
		s.agencies[agencies[i].Code] = &agencies[i]
	}
	for i := range procs {
		s.procedures[procs[i].Code] = &procs[i]
	}
	// Subtrees: every agency is in its own and in each ancestor's.
	for code := range s.agencies {
		for cur, n := code, 0; cur != "" && n < 16; n++ {
			s.subtree[cur] = append(s.subtree[cur], code)
			a := s.agencies[cur]
			if a == nil {
				break
			}
			cur = a.ParentCode
		}
	}
	for k := range s.subtree {
		slices.Sort(s.subtree[k])
	}
	return s
}

// reset forgets the last dossier.
func (s *scratch) reset(nextSeq int64) {
	s.nextSeq = nextSeq
	s.dossier, s.events, s.slips, s.stats, s.units = nil, nil, nil, nil, nil
}

func (s *scratch) InTx(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

func (s *scratch) GetAgency(_ context.Context, code string) (*domain.Agency, error) {
	a, ok := s.catalog.agencies[code]
	if !ok {
		return nil, domain.NotFound("agency", code)
	}
	c := *a
	return &c, nil
}

func (s *scratch) AgencySubtree(_ context.Context, code string) ([]string, error) {
	return slices.Clone(s.catalog.subtree[code]), nil
}

func (s *scratch) GetProcedure(_ context.Context, code string) (*domain.Procedure, error) {
	p, ok := s.catalog.procedures[code]
	if !ok {
		return nil, domain.NotFound("procedure", code)
	}
	return p, nil // immutable: the app only reads procedures
}

func (s *scratch) ListCalendarYears(_ context.Context, scopes []string) ([]domain.CalendarYear, error) {
	var out []domain.CalendarYear
	for _, y := range s.catalog.years {
		if slices.Contains(scopes, y.Scope) {
			out = append(out, y)
		}
	}
	return out, nil
}

func (s *scratch) NextSequence(_ context.Context, _, _ string) (int64, error) {
	if s.nextSeq <= 0 {
		return 0, fmt.Errorf("seed: no dossier number allotted")
	}
	n := s.nextSeq
	s.nextSeq = 0
	return n, nil
}

func (s *scratch) CreateDossier(_ context.Context, d *domain.Dossier) error {
	if s.dossier != nil {
		return fmt.Errorf("seed: a generator builds one dossier at a time")
	}
	c := cloneDossier(d)
	s.dossier = &c
	return nil
}

func (s *scratch) UpdateDossier(_ context.Context, d *domain.Dossier, expected int64) error {
	if s.dossier == nil || s.dossier.ID != d.ID {
		return domain.NotFound("dossier", d.ID)
	}
	if s.dossier.Version != expected {
		return &domain.ConflictError{Expected: expected, Current: s.dossier.Version}
	}
	c := cloneDossier(d)
	s.dossier = &c
	return nil
}

func (s *scratch) GetDossier(_ context.Context, id string) (*domain.Dossier, error) {
	if s.dossier == nil || s.dossier.ID != id {
		return nil, domain.NotFound("dossier", id)
	}
	c := cloneDossier(s.dossier)
	return &c, nil
}

func (s *scratch) AppendEvent(_ context.Context, e *domain.Event) error {
	if n := int64(len(s.events)); e.Seq != n+1 {
		return fmt.Errorf("seed: event %d appended after %d", e.Seq, n)
	}
	s.events = append(s.events, *e)
	return nil
}

func (s *scratch) PutSlipRow(_ context.Context, r *domain.SlipRow) error {
	for i := range s.slips {
		if s.slips[i].StepIndex == r.StepIndex {
			s.slips[i] = *r
			return nil
		}
	}
	s.slips = append(s.slips, *r)
	return nil
}

func (s *scratch) ApplyStats(_ context.Context, ds []indicators.Delta) error {
	s.stats = append(s.stats, ds...)
	return nil
}

func (s *scratch) ApplyUnitStats(_ context.Context, ds []indicators.UnitDelta) error {
	s.units = append(s.units, ds...)
	return nil
}

// cloneDossier copies d deeply enough that the app's changes to one copy
// never show in another (as a database round trip would).
func cloneDossier(d *domain.Dossier) domain.Dossier {
	c := *d
	c.Components = slices.Clone(d.Components)
	if d.Representative != nil {
		r := *d.Representative
		c.Representative = &r
	}
	if d.Result != nil {
		r := *d.Result
		r.Documents = slices.Clone(d.Result.Documents)
		c.Result = &r
	}
	if d.ProcessingMinutes != nil {
		m := *d.ProcessingMinutes
		c.ProcessingMinutes = &m
	}
	if d.Identity != nil {
		id := *d.Identity
		c.Identity = &id
	}
	return c
}
