package webhooks

import (
	"context"
	"slices"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// The types are the domain's (domain.Webhook…): the store implements this
// port without knowing the webhooks package.
type (
	Subscription = domain.Webhook
	Secret       = domain.WebhookSecret
	Delivery     = domain.WebhookDelivery
)

// Store is what webhooks need of the store (gormstore implements it).
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	CreateWebhook(ctx context.Context, s *Subscription) error
	// GetWebhook fails with domain.ErrNotFound.
	GetWebhook(ctx context.Context, id string) (*Subscription, error)
	ListWebhooks(ctx context.Context) ([]Subscription, error)
	// EnabledWebhooks lists the enabled subscriptions (read in the
	// mutation's transaction by the outbox hook).
	EnabledWebhooks(ctx context.Context) ([]Subscription, error)
	// UpdateWebhook saves s if its stored version is s.Version-1
	// (domain.ConflictError otherwise).
	UpdateWebhook(ctx context.Context, s *Subscription) error
	// RecordWebhookFailure counts a failed attempt (failing_since set if
	// unset) and returns the subscription as it is now.
	RecordWebhookFailure(ctx context.Context, id string, now time.Time) (*Subscription, error)
	// RecordWebhookSuccess clears the failure count.
	RecordWebhookSuccess(ctx context.Context, id string) error
	// EnsureWebhookCursor starts the cursor of (subscription, dossier) at
	// lastSeq unless it exists.
	EnsureWebhookCursor(ctx context.Context, id, dossierID string, lastSeq int64) error
	// ClaimWebhookCursor takes the lease of (subscription, dossier) until
	// `until` if it is free or expired at now, creating the cursor at
	// start if it does not exist; it returns the last delivered seq and
	// whether the lease was taken.
	ClaimWebhookCursor(ctx context.Context, id, dossierID, owner string, start int64, now, until time.Time) (int64, bool, error)
	// AdvanceWebhookCursor records seq as delivered if owner still holds
	// the lease (domain.ErrFailedPrecondition otherwise).
	AdvanceWebhookCursor(ctx context.Context, id, dossierID, owner string, seq int64) error
	ReleaseWebhookCursor(ctx context.Context, id, dossierID, owner string) error
	AddWebhookDelivery(ctx context.Context, d *Delivery) error
	// ListWebhookDeliveries returns deliveries with ID < beforeID (0: from
	// the newest), newest first.
	ListWebhookDeliveries(ctx context.Context, id string, beforeID int64, limit int) ([]Delivery, error)
	ListEvents(ctx context.Context, dossierID string, afterSeq int64, limit int) ([]domain.Event, error)
	// WebhookCursorsBehind lists the dossiers whose cursor for the
	// subscription is behind the dossier's last event.
	WebhookCursorsBehind(ctx context.Context, id string) ([]string, error)
	// DossiersChangedSince lists the dossiers with an event at or after
	// since.
	DossiersChangedSince(ctx context.Context, since time.Time) ([]string, error)
}

// wants reports whether the subscription delivers the event.
func wants(s *Subscription, e *domain.Event) bool {
	if len(s.EventTypes) > 0 && !slices.Contains(s.EventTypes, EventType(e.Action)) {
		return false
	}
	return len(s.AgencyCodes) == 0 || slices.Contains(s.AgencyCodes, agencyOf(e))
}
