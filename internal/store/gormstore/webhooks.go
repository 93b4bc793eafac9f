package gormstore

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/motcua/motcua/internal/domain"
)

type webhookRow struct {
	ID                  string `gorm:"primaryKey"`
	Endpoint            string
	Description         string
	EventTypes          jsonCol[[]string]
	AgencyCodes         jsonCol[[]string]
	Secrets             jsonCol[[]domain.WebhookSecret]
	Enabled             bool
	DisabledReason      string
	DisabledAt          *time.Time
	FailingSince        *time.Time
	ConsecutiveFailures int
	CreatedBy           string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Version             int64
}

func (webhookRow) TableName() string { return "webhook_subscriptions" }

func webhookToRow(s *domain.Webhook) *webhookRow {
	return &webhookRow{ID: s.ID, Endpoint: s.Endpoint, Description: s.Description, EventTypes: jsonOf(nonNil(s.EventTypes)),
		AgencyCodes: jsonOf(nonNil(s.AgencyCodes)), Secrets: jsonOf(s.Secrets), Enabled: s.Enabled, DisabledReason: s.DisabledReason,
		DisabledAt: dbTime(s.DisabledAt), FailingSince: dbTime(s.FailingSince), ConsecutiveFailures: s.ConsecutiveFailures,
		CreatedBy: s.CreatedBy, CreatedAt: requiredDBTime(s.CreatedAt), UpdatedAt: requiredDBTime(s.UpdatedAt), Version: s.Version}
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func (r *webhookRow) toDomain() *domain.Webhook {
	return &domain.Webhook{ID: r.ID, Endpoint: r.Endpoint, Description: r.Description, EventTypes: r.EventTypes.V,
		AgencyCodes: r.AgencyCodes.V, Secrets: r.Secrets.V, Enabled: r.Enabled, DisabledReason: r.DisabledReason,
		DisabledAt: fromDB(r.DisabledAt), FailingSince: fromDB(r.FailingSince), ConsecutiveFailures: r.ConsecutiveFailures,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version}
}

type webhookCursorRow struct {
	SubscriptionID string `gorm:"primaryKey"`
	DossierID      string `gorm:"primaryKey"`
	LastSeq        int64
	LeaseOwner     string
	LeasedUntil    *time.Time
}

func (webhookCursorRow) TableName() string { return "webhook_cursors" }

type webhookDeliveryRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement"`
	SubscriptionID string
	EventID        string
	DossierID      string
	Seq            int64
	Attempt        int
	StatusCode     int
	Error          string
	LatencyMs      int64
	At             time.Time
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

// The webhook methods implement internal/webhooks.Store (a test in
// internal/webhooks checks it).

// CreateWebhook implements webhooks.Store.
func (s *Store) CreateWebhook(ctx context.Context, w *domain.Webhook) error {
	return s.conn(ctx).Create(webhookToRow(w)).Error
}

// GetWebhook implements webhooks.Store.
func (s *Store) GetWebhook(ctx context.Context, id string) (*domain.Webhook, error) {
	var r webhookRow
	err := s.conn(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("webhook", id)
	}
	if err != nil {
		return nil, err
	}
	return r.toDomain(), nil
}

func (s *Store) listWebhooks(ctx context.Context, enabledOnly bool) ([]domain.Webhook, error) {
	var rows []webhookRow
	q := independent(s.conn(ctx)).Order("created_at, id") // read by every group: deferred.go
	if enabledOnly {
		q = q.Where("enabled")
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Webhook, len(rows))
	for i := range rows {
		out[i] = *rows[i].toDomain()
	}
	return out, nil
}

// ListWebhooks implements webhooks.Store.
func (s *Store) ListWebhooks(ctx context.Context) ([]domain.Webhook, error) {
	return s.listWebhooks(ctx, false)
}

// EnabledWebhooks implements webhooks.Store.
// Members of one group (group.go) share one read: they commit as one
// transaction, and none of them changes subscriptions.
func (s *Store) EnabledWebhooks(ctx context.Context) ([]domain.Webhook, error) {
	m, ok := ctx.Value(groupMemoKey{}).(*groupMemo)
	if !ok {
		return s.listWebhooks(ctx, true)
	}
	if !m.webhooksRead {
		var err error
		if m.webhooks, err = s.listWebhooks(ctx, true); err != nil {
			return nil, err
		}
		m.webhooksRead = true
	}
	return slices.Clone(m.webhooks), nil
}

// UpdateWebhook implements webhooks.Store.
func (s *Store) UpdateWebhook(ctx context.Context, w *domain.Webhook) error {
	r := webhookToRow(w)
	res := s.conn(ctx).Model(&webhookRow{}).Where("id = ? AND version = ?", w.ID, w.Version-1).Select("*").Omit("id", "created_by", "created_at").Updates(r)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		cur, err := s.GetWebhook(ctx, w.ID)
		if err != nil {
			return err
		}
		return &domain.ConflictError{Expected: w.Version - 1, Current: cur.Version}
	}
	return nil
}

// RecordWebhookFailure implements webhooks.Store.
func (s *Store) RecordWebhookFailure(ctx context.Context, id string, now time.Time) (*domain.Webhook, error) {
	err := s.conn(ctx).Model(&webhookRow{}).Where("id = ?", id).Updates(map[string]any{
		"consecutive_failures": gorm.Expr("consecutive_failures + 1"),
		"failing_since":        gorm.Expr("COALESCE(failing_since, ?)", requiredDBTime(now)),
	}).Error
	if err != nil {
		return nil, err
	}
	return s.GetWebhook(ctx, id)
}

// RecordWebhookSuccess implements webhooks.Store.
func (s *Store) RecordWebhookSuccess(ctx context.Context, id string) error {
	return s.conn(ctx).Model(&webhookRow{}).Where("id = ? AND consecutive_failures > 0", id).
		Updates(map[string]any{"consecutive_failures": 0, "failing_since": nil}).Error
}

// EnsureWebhookCursor implements webhooks.Store.
func (s *Store) EnsureWebhookCursor(ctx context.Context, id, dossierID string, lastSeq int64) error {
	return s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&webhookCursorRow{SubscriptionID: id, DossierID: dossierID, LastSeq: lastSeq}).Error
}

// ClaimWebhookCursor implements webhooks.Store.
func (s *Store) ClaimWebhookCursor(ctx context.Context, id, dossierID, owner string, start int64, now, until time.Time) (int64, bool, error) {
	var last int64
	var claimed bool
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.EnsureWebhookCursor(ctx, id, dossierID, start); err != nil {
			return err
		}
		res := s.conn(ctx).Model(&webhookCursorRow{}).
			Where("subscription_id = ? AND dossier_id = ? AND (leased_until IS NULL OR leased_until < ?)", id, dossierID, requiredDBTime(now)).
			Updates(map[string]any{"lease_owner": owner, "leased_until": requiredDBTime(until)})
		if res.Error != nil {
			return res.Error
		}
		claimed = res.RowsAffected == 1
		var r webhookCursorRow
		if err := s.conn(ctx).Where("subscription_id = ? AND dossier_id = ?", id, dossierID).Take(&r).Error; err != nil {
			return err
		}
		last = r.LastSeq
		return nil
	})
	return last, claimed, err
}

// AdvanceWebhookCursor implements webhooks.Store.
func (s *Store) AdvanceWebhookCursor(ctx context.Context, id, dossierID, owner string, seq int64) error {
	res := s.conn(ctx).Model(&webhookCursorRow{}).
		Where("subscription_id = ? AND dossier_id = ? AND lease_owner = ? AND last_seq < ?", id, dossierID, owner, seq).
		Update("last_seq", seq)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return &domain.PreconditionError{Reason: "WEBHOOK_LEASE_LOST", Subject: "webhook/" + id,
			Description: "the delivery lease of dossier " + dossierID + " was lost"}
	}
	return nil
}

// ReleaseWebhookCursor implements webhooks.Store.
func (s *Store) ReleaseWebhookCursor(ctx context.Context, id, dossierID, owner string) error {
	return s.conn(ctx).Model(&webhookCursorRow{}).
		Where("subscription_id = ? AND dossier_id = ? AND lease_owner = ?", id, dossierID, owner).
		Updates(map[string]any{"lease_owner": "", "leased_until": nil}).Error
}

// AddWebhookDelivery implements webhooks.Store.
func (s *Store) AddWebhookDelivery(ctx context.Context, d *domain.WebhookDelivery) error {
	r := &webhookDeliveryRow{SubscriptionID: d.SubscriptionID, EventID: d.EventID, DossierID: d.DossierID, Seq: d.Seq,
		Attempt: d.Attempt, StatusCode: d.StatusCode, Error: d.Error, LatencyMs: d.Latency.Milliseconds(), At: requiredDBTime(d.At)}
	if err := s.conn(ctx).Create(r).Error; err != nil {
		return err
	}
	d.ID = r.ID
	return nil
}

// ListWebhookDeliveries implements webhooks.Store.
func (s *Store) ListWebhookDeliveries(ctx context.Context, id string, beforeID int64, limit int) ([]domain.WebhookDelivery, error) {
	q := s.conn(ctx).Where("subscription_id = ?", id).Order("id DESC").Limit(limit)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []webhookDeliveryRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = domain.WebhookDelivery{ID: r.ID, SubscriptionID: r.SubscriptionID, EventID: r.EventID, DossierID: r.DossierID, Seq: r.Seq,
			Attempt: r.Attempt, StatusCode: r.StatusCode, Error: r.Error, Latency: time.Duration(r.LatencyMs) * time.Millisecond, At: r.At.UTC()}
	}
	return out, nil
}

// WebhookCursorsBehind implements webhooks.Store.
func (s *Store) WebhookCursorsBehind(ctx context.Context, id string) ([]string, error) {
	var ids []string
	err := s.conn(ctx).Table("webhook_cursors AS c").Joins("JOIN dossiers AS d ON d.id = c.dossier_id").
		Where("c.subscription_id = ? AND c.last_seq < d.last_event_seq", id).Order("c.dossier_id").Pluck("c.dossier_id", &ids).Error
	return ids, err
}

// DossiersChangedSince implements webhooks.Store: every event updates its
// dossier's updated_at, which is indexed (migration 7).
func (s *Store) DossiersChangedSince(ctx context.Context, since time.Time) ([]string, error) {
	var ids []string
	err := s.conn(ctx).Table("dossiers").Where("updated_at >= ?", requiredDBTime(since)).Order("updated_at, id").Pluck("id", &ids).Error
	return ids, err
}
