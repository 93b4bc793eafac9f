package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

type accessRow struct {
	ID            int64 `gorm:"primaryKey;autoIncrement"`
	DossierID     string
	ActorID       string
	ActorKey      string
	ActorRole     int
	ActorAgency   string
	Purpose       string
	Method        string
	AccessedAt    time.Time
	ClientAddress string
}

func (accessRow) TableName() string { return "dossier_accesses" }

// LogAccesses implements store.Audit.
func (s *Store) LogAccesses(ctx context.Context, as []domain.Access) error {
	if len(as) == 0 {
		return nil
	}
	rows := make([]accessRow, len(as))
	for i, a := range as {
		rows[i] = accessRow{DossierID: a.DossierID, ActorID: a.ActorID, ActorKey: a.ActorKey, ActorRole: int(a.ActorRole), ActorAgency: a.ActorAgency,
			Purpose: a.Purpose, Method: a.Method, AccessedAt: requiredDBTime(a.At), ClientAddress: a.ClientAddress}
	}
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); !inTx {
		// A staff read's own write: committed together with those of the
		// other readers waiting at the same time (accesslog.go); on SQLite
		// in a transaction that waits in the writer queue (queueWriter)
		// rather than polling the busy handler.
		return s.logAccessesBatched(ctx, rows)
	}
	return s.conn(ctx).CreateInBatches(rows, 200).Error
}

// ListAccesses implements store.Audit.
func (s *Store) ListAccesses(ctx context.Context, f store.AccessFilter, limit int) ([]domain.Access, error) {
	q := s.conn(ctx).Table("dossier_accesses a").Joins("JOIN dossiers d ON d.id = a.dossier_id").
		Select("a.*, d.code AS dossier_code").Where("a.id > ?", f.AfterID)
	if f.DossierID != "" {
		q = q.Where("a.dossier_id = ?", f.DossierID)
	}
	if f.ActorID != "" {
		q = q.Where("a.actor_id = ?", f.ActorID)
	}
	if f.ActorKey != "" {
		q = q.Where("a.actor_key = ?", f.ActorKey)
	}
	if f.ActorAgencies != nil {
		q = q.Where("a.actor_agency IN ?", f.ActorAgencies)
	}
	if !f.From.IsZero() {
		q = q.Where("a.accessed_at >= ?", dbTime(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("a.accessed_at < ?", dbTime(f.To))
	}
	var rows []struct {
		ID            int64
		DossierID     string
		ActorID       string
		ActorKey      string
		ActorRole     int
		ActorAgency   string
		Purpose       string
		Method        string
		AccessedAt    time.Time
		ClientAddress string
		DossierCode   string
	}
	if err := q.Order("a.id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Access, len(rows))
	for i, r := range rows {
		out[i] = domain.Access{ID: r.ID, DossierID: r.DossierID, DossierCode: r.DossierCode, ActorID: r.ActorID, ActorKey: r.ActorKey,
			ActorRole: domain.Role(r.ActorRole), ActorAgency: r.ActorAgency, Purpose: r.Purpose, Method: r.Method,
			At: r.AccessedAt.UTC(), ClientAddress: r.ClientAddress}
	}
	return out, nil
}

// ListChainHeads implements store.Audit.
func (s *Store) ListChainHeads(ctx context.Context, agencies []string, from, to time.Time, afterID string, limit int) ([]domain.ChainHead, error) {
	var rows []struct {
		ID            string
		Code          string
		LastEventSeq  int64
		LastEventHash string
	}
	q := s.conn(ctx).Model(&dossierRow{}).Select("id, code, last_event_seq, last_event_hash").
		Where("agency_code IN ? AND created_at >= ? AND created_at < ?", agencies, dbTime(from), dbTime(to))
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	err := q.Order("id").Limit(limit).Scan(&rows).Error
	out := make([]domain.ChainHead, len(rows))
	for i, r := range rows {
		out[i] = domain.ChainHead{DossierID: r.ID, Code: r.Code, LastSeq: r.LastEventSeq, LastHash: r.LastEventHash}
	}
	return out, err
}

// CountDossiers implements store.Audit.
func (s *Store) CountDossiers(ctx context.Context, agencies []string, from, to time.Time) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&dossierRow{}).
		Where("agency_code IN ? AND created_at >= ? AND created_at < ?", agencies, dbTime(from), dbTime(to)).Count(&n).Error
	return n, err
}

// ListOnlineSubmissions implements store.Audit.
func (s *Store) ListOnlineSubmissions(ctx context.Context, agencies []string, from, to time.Time) ([]domain.Submission, error) {
	var rows []struct {
		DossierID         string
		Code              string
		ApplicantIDNumber string
		ActorID           string
		ActorRole         int
		ActorKind         int
		ClientAddress     string
		OccurredAt        time.Time
	}
	err := s.conn(ctx).Table("dossier_events e").Joins("JOIN dossiers d ON d.id = e.dossier_id").
		Select("e.dossier_id, d.code, d.applicant_id_number, e.actor_id, e.actor_role, e.actor_kind, e.client_address, e.occurred_at").
		Where("e.action = ? AND e.channel = ? AND e.occurred_at >= ? AND e.occurred_at < ? AND d.agency_code IN ?",
			int(domain.ActionSubmit), int(domain.ChannelOnline), dbTime(from), dbTime(to), agencies).
		Order("e.occurred_at, e.id").Scan(&rows).Error
	out := make([]domain.Submission, len(rows))
	for i, r := range rows {
		out[i] = domain.Submission{DossierID: r.DossierID, DossierCode: r.Code, ApplicantID: r.ApplicantIDNumber,
			ActorID: r.ActorID, ActorRole: domain.Role(r.ActorRole), ActorKind: domain.ActorKind(r.ActorKind), ClientAddress: r.ClientAddress, At: r.OccurredAt.UTC()}
	}
	return out, err
}
