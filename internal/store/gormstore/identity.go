package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

type populationQueryRow struct {
	ID              string `gorm:"primaryKey"`
	At              time.Time
	ActorKey        string
	ActorID         string
	ActorRole       int
	DossierID       string
	Kind            string
	Purpose         string
	SubjectIDNumber string `gorm:"column:subject_id_number"`
	Outcome         string
	QueryID         string
	Cached          bool
	Problem         string
}

func (populationQueryRow) TableName() string { return "population_queries" }

// LogPopulationQuery implements store.Identity.
func (s *Store) LogPopulationQuery(ctx context.Context, q *store.PopulationQuery) error {
	return s.conn(ctx).Create(&populationQueryRow{ID: q.ID, At: requiredDBTime(q.At), ActorKey: q.ActorKey, ActorID: q.ActorID,
		ActorRole: int(q.ActorRole), DossierID: q.DossierID, Kind: q.Kind, Purpose: q.Purpose, SubjectIDNumber: q.SubjectIDNumber,
		Outcome: q.Outcome, QueryID: q.QueryID, Cached: q.Cached, Problem: q.Problem}).Error
}

// ListPopulationQueries implements store.Identity.
func (s *Store) ListPopulationQueries(ctx context.Context, f store.PopulationQueryFilter, limit int) ([]store.PopulationQuery, error) {
	q := s.conn(ctx).Model(&populationQueryRow{}).Where("id > ?", f.AfterID)
	if f.SubjectIDNumber != "" {
		q = q.Where("subject_id_number = ?", f.SubjectIDNumber)
	}
	if f.DossierID != "" {
		q = q.Where("dossier_id = ?", f.DossierID)
	}
	var rows []populationQueryRow
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]store.PopulationQuery, len(rows))
	for i, r := range rows {
		out[i] = store.PopulationQuery{ID: r.ID, At: r.At.UTC(), ActorKey: r.ActorKey, ActorID: r.ActorID, ActorRole: domain.Role(r.ActorRole),
			DossierID: r.DossierID, Kind: r.Kind, Purpose: r.Purpose, SubjectIDNumber: r.SubjectIDNumber, Outcome: r.Outcome,
			QueryID: r.QueryID, Cached: r.Cached, Problem: r.Problem}
	}
	return out, nil
}

// ListIdentityPending implements store.Identity.
func (s *Store) ListIdentityPending(ctx context.Context, afterID string, limit int) ([]string, error) {
	var ids []string
	q := s.conn(ctx).Model(&dossierRow{}).Where(s.jsonInt("identity", "outcome", int(domain.OutcomePending)))
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	err := q.Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// ListHandoffs implements store.Identity.
func (s *Store) ListHandoffs(ctx context.Context, status domain.HandoffStatus, afterID string, limit int) ([]string, error) {
	var ids []string
	q := s.conn(ctx).Model(&dossierRow{}).Where(s.jsonInt("handoff", "status", int(status)))
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	err := q.Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// ListMandatePending implements store.Identity: the representative's
// mandate check is PENDING (migration 14's partial index).
func (s *Store) ListMandatePending(ctx context.Context, afterID string, limit int) ([]string, error) {
	var ids []string
	cond := fmt.Sprintf("json_extract(representative, '$.mandate_check.status') = %d", int(domain.MandatePending))
	if s.dialect == Postgres {
		cond = fmt.Sprintf("(representative->'mandate_check'->>'status') = '%d'", int(domain.MandatePending))
	}
	q := s.conn(ctx).Model(&dossierRow{}).Where(cond)
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	err := q.Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// jsonInt is the condition "column's JSON member key equals n", written as
// the partial indexes of migration 12 are (the sealed JSON is the only
// record of the state: no unsealed copy in another column). n is an
// integer constant of ours, never input.
func (s *Store) jsonInt(column, key string, n int) string {
	if s.dialect == Postgres {
		return fmt.Sprintf("(%s->>'%s') = '%d'", column, key, n)
	}
	return fmt.Sprintf("json_extract(%s, '$.%s') = %d", column, key, n)
}
