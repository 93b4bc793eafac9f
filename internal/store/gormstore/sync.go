package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// The national portal synchronisation (docs/portal-sync.md).

type syncStateRow struct {
	DossierID      string `gorm:"primaryKey"`
	WantedVersion  int64
	WantedAt       time.Time
	Resend         bool
	SentVersion    int64
	AckedVersion   int64
	AckedAt        *time.Time
	Attempts       int
	LastError      string
	FirstFailedAt  *time.Time
	NextAttemptAt  *time.Time
	LeaseUntil     *time.Time
	DeadLetteredAt *time.Time
}

func (syncStateRow) TableName() string { return "sync_states" }

type syncChangeRow struct {
	DossierID string `gorm:"primaryKey"`
	Version   int64  `gorm:"primaryKey"`
	Status    int
	ChangedAt time.Time
	AckedAt   *time.Time
}

func (syncChangeRow) TableName() string { return "sync_changes" }

type reconciliationRow struct {
	ID         string `gorm:"primaryKey"`
	AgencyCode string
	StartedAt  time.Time
	FinishedAt time.Time
	Checked    int64
	Matched    int64
	Divergent  int64
	Missing    int64
	Pending    int64
	Report     string
}

func (reconciliationRow) TableName() string { return "sync_reconciliations" }

// due is the condition of a delivery to make.
const syncPendingSQL = "(s.wanted_version > s.acked_version OR s.resend)"

// MarkSyncWanted implements store.Sync.
func (s *Store) MarkSyncWanted(ctx context.Context, cs []store.SyncChange) error {
	db := s.conn(ctx)
	for _, c := range cs {
		row := syncStateRow{DossierID: c.DossierID, WantedVersion: c.Version, WantedAt: requiredDBTime(c.At)}
		err := db.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "dossier_id"}},
			DoUpdates: clause.Assignments(map[string]any{
				"wanted_version": gorm.Expr("CASE WHEN excluded.wanted_version > sync_states.wanted_version THEN excluded.wanted_version ELSE sync_states.wanted_version END"),
				"wanted_at":      gorm.Expr("CASE WHEN excluded.wanted_version > sync_states.wanted_version THEN excluded.wanted_at ELSE sync_states.wanted_at END"),
			}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		if c.StatusChange {
			err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&syncChangeRow{DossierID: c.DossierID, Version: c.Version,
				Status: int(c.Status), ChangedAt: requiredDBTime(c.At)}).Error
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// DueSyncs implements store.Sync.
func (s *Store) DueSyncs(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	t := dbTime(now)
	err := s.conn(ctx).Table("sync_states AS s").
		Where(syncPendingSQL+" AND s.dead_lettered_at IS NULL").
		Where("(s.next_attempt_at IS NULL OR s.next_attempt_at <= ?) AND (s.lease_until IS NULL OR s.lease_until < ?)", t, t).
		Order("s.wanted_at, s.dossier_id").Limit(limit).Pluck("s.dossier_id", &ids).Error
	return ids, err
}

// ClaimSync implements store.Sync.
func (s *Store) ClaimSync(ctx context.Context, dossierID string, now, until time.Time) (bool, error) {
	t := dbTime(now)
	res := s.conn(ctx).Exec(`UPDATE sync_states AS s SET lease_until = ?
WHERE s.dossier_id = ? AND `+syncPendingSQL+` AND s.dead_lettered_at IS NULL
  AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= ?) AND (s.lease_until IS NULL OR s.lease_until < ?)`,
		dbTime(until), dossierID, t, t)
	return res.RowsAffected == 1, res.Error
}

func syncStateFromRow(r *syncStateRow) store.SyncState {
	return store.SyncState{DossierID: r.DossierID, WantedVersion: r.WantedVersion, WantedAt: r.WantedAt.UTC(), Resend: r.Resend,
		SentVersion: r.SentVersion, AckedVersion: r.AckedVersion, AckedAt: fromDB(r.AckedAt), Attempts: r.Attempts,
		LastError: r.LastError, FirstFailedAt: fromDB(r.FirstFailedAt), NextAttemptAt: fromDB(r.NextAttemptAt),
		LeaseUntil: fromDB(r.LeaseUntil), DeadLetteredAt: fromDB(r.DeadLetteredAt)}
}

// GetSyncState implements store.Sync.
func (s *Store) GetSyncState(ctx context.Context, dossierID string) (*store.SyncState, error) {
	list, err := s.ListSyncStates(ctx, store.SyncFilter{DossierID: dossierID}, "", 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, domain.NotFound("sync state", dossierID)
	}
	return &list[0], nil
}

// FinishSync implements store.Sync.
func (s *Store) FinishSync(ctx context.Context, dossierID string, o store.SyncOutcome) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if o.Err == "" {
			err := db.Exec(`UPDATE sync_states SET
  sent_version = ?, acked_version = CASE WHEN acked_version > ? THEN acked_version ELSE ? END, acked_at = ?,
  resend = CASE WHEN wanted_version > ? THEN resend ELSE ? END,
  attempts = 0, last_error = '', first_failed_at = NULL, next_attempt_at = NULL, lease_until = NULL
WHERE dossier_id = ?`, o.Version, o.Version, o.Version, dbTime(o.At), o.Version, false, dossierID).Error
			if err != nil {
				return err
			}
			return db.Exec(`UPDATE sync_changes SET acked_at = ? WHERE dossier_id = ? AND version <= ? AND acked_at IS NULL`,
				dbTime(o.At), dossierID, o.Version).Error
		}
		var dead *time.Time
		if o.DeadLetter {
			dead = dbTime(o.At)
		}
		return db.Exec(`UPDATE sync_states SET sent_version = ?, attempts = attempts + 1, last_error = ?,
  first_failed_at = COALESCE(first_failed_at, ?), next_attempt_at = ?, lease_until = NULL, dead_lettered_at = ?
WHERE dossier_id = ?`, o.Version, o.Err, dbTime(o.At), dbTime(o.NextAttemptAt), dead, dossierID).Error
	})
}

// syncQuery selects sync states joined with their dossiers by f.
func (s *Store) syncQuery(ctx context.Context, f store.SyncFilter) *gorm.DB {
	q := s.conn(ctx).Table("sync_states AS s").Joins("JOIN dossiers AS d ON d.id = s.dossier_id")
	q = dossierScope(q, f)
	switch f.View {
	case store.SyncPending:
		q = q.Where(syncPendingSQL)
	case store.SyncDeadLettered:
		q = q.Where("s.dead_lettered_at IS NOT NULL")
	case store.SyncSynced:
		q = q.Where("NOT " + syncPendingSQL + " AND s.acked_version >= d.version")
	}
	return q
}

func dossierScope(q *gorm.DB, f store.SyncFilter) *gorm.DB {
	if len(f.Agencies) > 0 {
		q = q.Where("d.agency_code IN ?", f.Agencies)
	}
	if f.DossierID != "" {
		q = q.Where("d.id = ?", f.DossierID)
	}
	if !f.CreatedFrom.IsZero() {
		q = q.Where("d.created_at >= ?", dbTime(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		q = q.Where("d.created_at < ?", dbTime(f.CreatedTo))
	}
	return q
}

// syncJoinedRow is a sync state with its dossier's code, agency and
// version (flat: gorm scans joined rows into plain fields).
type syncJoinedRow struct {
	DossierID      string
	WantedVersion  int64
	WantedAt       time.Time
	Resend         bool
	SentVersion    int64
	AckedVersion   int64
	AckedAt        *time.Time
	Attempts       int
	LastError      string
	FirstFailedAt  *time.Time
	NextAttemptAt  *time.Time
	LeaseUntil     *time.Time
	DeadLetteredAt *time.Time
	Code           string
	AgencyCode     string
	Version        int64
}

// ListSyncStates implements store.Sync.
func (s *Store) ListSyncStates(ctx context.Context, f store.SyncFilter, afterID string, limit int) ([]store.SyncState, error) {
	q := s.syncQuery(ctx, f)
	if afterID != "" {
		q = q.Where("s.dossier_id > ?", afterID)
	}
	var rows []syncJoinedRow
	err := q.Select("s.*, d.code, d.agency_code, d.version").Order("s.dossier_id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]store.SyncState, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = syncStateFromRow(&syncStateRow{DossierID: r.DossierID, WantedVersion: r.WantedVersion, WantedAt: r.WantedAt,
			Resend: r.Resend, SentVersion: r.SentVersion, AckedVersion: r.AckedVersion, AckedAt: r.AckedAt, Attempts: r.Attempts,
			LastError: r.LastError, FirstFailedAt: r.FirstFailedAt, NextAttemptAt: r.NextAttemptAt, LeaseUntil: r.LeaseUntil,
			DeadLetteredAt: r.DeadLetteredAt})
		out[i].DossierCode, out[i].AgencyCode, out[i].DossierVersion = r.Code, r.AgencyCode, r.Version
	}
	return out, nil
}

// RetrySyncs implements store.Sync.
func (s *Store) RetrySyncs(ctx context.Context, f store.SyncFilter, now time.Time) (int64, error) {
	f.View = store.SyncDeadLettered
	var ids []string
	if err := s.syncQuery(ctx, f).Pluck("s.dossier_id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	res := s.conn(ctx).Exec(`UPDATE sync_states SET dead_lettered_at = NULL, attempts = 0, first_failed_at = NULL,
  next_attempt_at = ?, lease_until = NULL WHERE dossier_id IN ?`, dbTime(now), ids)
	return res.RowsAffected, res.Error
}

// ResendSyncs implements store.Sync.
func (s *Store) ResendSyncs(ctx context.Context, f store.SyncFilter, now time.Time) (int64, error) {
	var n int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		var ds []struct {
			ID      string
			Version int64
		}
		q := dossierScope(s.conn(ctx).Table("dossiers AS d"), f)
		if err := q.Select("d.id, d.version").Scan(&ds).Error; err != nil {
			return err
		}
		for _, d := range ds {
			row := syncStateRow{DossierID: d.ID, WantedVersion: d.Version, WantedAt: requiredDBTime(now), Resend: true,
				NextAttemptAt: dbTime(now)}
			err := s.conn(ctx).Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "dossier_id"}},
				DoUpdates: clause.Assignments(map[string]any{"resend": true, "dead_lettered_at": nil, "attempts": 0,
					"first_failed_at": nil, "next_attempt_at": dbTime(now), "lease_until": nil,
					"wanted_version": gorm.Expr("CASE WHEN excluded.wanted_version > sync_states.wanted_version THEN excluded.wanted_version ELSE sync_states.wanted_version END")}),
			}).Create(&row).Error
			if err != nil {
				return err
			}
		}
		n = int64(len(ds))
		return nil
	})
	return n, err
}

// CountSync implements store.Sync.
func (s *Store) CountSync(ctx context.Context, f store.SyncFilter) (store.SyncCounts, error) {
	var c store.SyncCounts
	q := dossierScope(s.conn(ctx).Table("dossiers AS d").Joins("LEFT JOIN sync_states AS s ON s.dossier_id = d.id"), f)
	err := q.Select(`COUNT(*) AS dossiers,
  COALESCE(SUM(CASE WHEN s.acked_version >= d.version AND NOT s.resend THEN 1 ELSE 0 END), 0) AS synced,
  COALESCE(SUM(CASE WHEN s.dossier_id IS NULL OR s.acked_version < d.version OR s.resend THEN 1 ELSE 0 END), 0) AS out_of_sync,
  COALESCE(SUM(CASE WHEN s.dead_lettered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS dead_lettered,
  COALESCE(SUM(CASE WHEN s.dossier_id IS NULL OR s.acked_version = 0 THEN 1 ELSE 0 END), 0) AS never_sent`).Scan(&c).Error
	return c, err
}

// ListSyncChanges implements store.Sync.
func (s *Store) ListSyncChanges(ctx context.Context, f store.SyncFilter, from, to time.Time) ([]store.SyncChangeTimes, error) {
	var rows []struct {
		ChangedAt time.Time
		AckedAt   *time.Time
	}
	q := dossierScope(s.conn(ctx).Table("sync_changes AS c").Joins("JOIN dossiers AS d ON d.id = c.dossier_id"), f)
	if !from.IsZero() {
		q = q.Where("c.changed_at >= ?", dbTime(from))
	}
	if !to.IsZero() {
		q = q.Where("c.changed_at < ?", dbTime(to))
	}
	if err := q.Select("c.changed_at, c.acked_at").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]store.SyncChangeTimes, len(rows))
	for i, r := range rows {
		out[i] = store.SyncChangeTimes{ChangedAt: r.ChangedAt.UTC(), AckedAt: fromDB(r.AckedAt)}
	}
	return out, nil
}

type reconciliationReport struct {
	Items []store.Finding `json:"items"`
}

// PutReconciliation implements store.Sync.
func (s *Store) PutReconciliation(ctx context.Context, r *store.Reconciliation) error {
	b, err := json.Marshal(reconciliationReport{Items: r.Findings})
	if err != nil {
		return err
	}
	return s.conn(ctx).Create(&reconciliationRow{ID: r.ID, AgencyCode: r.AgencyCode, StartedAt: requiredDBTime(r.StartedAt),
		FinishedAt: requiredDBTime(r.FinishedAt), Checked: r.Checked, Matched: r.Matched, Divergent: r.Divergent,
		Missing: r.Missing, Pending: r.Pending, Report: string(b)}).Error
}

func reconciliationFromRow(row *reconciliationRow) (store.Reconciliation, error) {
	var rep reconciliationReport
	if err := json.Unmarshal([]byte(row.Report), &rep); err != nil {
		return store.Reconciliation{}, err
	}
	return store.Reconciliation{ID: row.ID, AgencyCode: row.AgencyCode, StartedAt: row.StartedAt.UTC(), FinishedAt: row.FinishedAt.UTC(),
		Checked: row.Checked, Matched: row.Matched, Divergent: row.Divergent, Missing: row.Missing, Pending: row.Pending,
		Findings: rep.Items}, nil
}

// GetReconciliation implements store.Sync.
func (s *Store) GetReconciliation(ctx context.Context, id string) (*store.Reconciliation, error) {
	var row reconciliationRow
	err := s.conn(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("reconciliation", id)
	}
	if err != nil {
		return nil, err
	}
	r, err := reconciliationFromRow(&row)
	return &r, err
}

// ListReconciliations implements store.Sync.
func (s *Store) ListReconciliations(ctx context.Context, agencies []string, limit int) ([]store.Reconciliation, error) {
	var rows []reconciliationRow
	q := s.conn(ctx).Order("id DESC").Limit(limit)
	if len(agencies) > 0 {
		q = q.Where("agency_code IN ?", agencies)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]store.Reconciliation, 0, len(rows))
	for i := range rows {
		r, err := reconciliationFromRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
