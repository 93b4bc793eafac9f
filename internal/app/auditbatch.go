package app

import (
	"context"

	"github.com/motcua/motcua/internal/domain"
)

// chainEvents loads the events of a batch of dossiers with one query (not
// one per dossier: verification of a province must not cost a round trip
// per dossier), by dossier id, each in sequence order.
func (s *Audit) chainEvents(ctx context.Context, heads []domain.ChainHead) (map[string][]domain.Event, error) {
	if len(heads) == 0 {
		return nil, nil
	}
	ids := make([]string, len(heads))
	for i, h := range heads {
		ids[i] = h.DossierID
	}
	evs, err := s.st.ListEventsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]domain.Event, len(heads))
	for _, e := range evs {
		out[e.DossierID] = append(out[e.DossierID], e)
	}
	return out, nil
}

// chainDossiers loads the rows of a batch of dossiers with one query, by
// id (a dossier with no row is absent).
func (s *Audit) chainDossiers(ctx context.Context, heads []domain.ChainHead) (map[string]*domain.Dossier, error) {
	if len(heads) == 0 {
		return nil, nil
	}
	ids := make([]string, len(heads))
	for i, h := range heads {
		ids[i] = h.DossierID
	}
	ds, err := s.st.GetDossiers(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Dossier, len(ds))
	for i := range ds {
		out[ds[i].ID] = &ds[i]
	}
	return out, nil
}
