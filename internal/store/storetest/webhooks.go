package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// webhookStore is the part of internal/webhooks.Store a store implements
// beyond store.Store (named here so that the suite does not import the
// webhooks package).
type webhookStore interface {
	CreateWebhook(ctx context.Context, w *domain.Webhook) error
	GetWebhook(ctx context.Context, id string) (*domain.Webhook, error)
	ListWebhooks(ctx context.Context) ([]domain.Webhook, error)
	EnabledWebhooks(ctx context.Context) ([]domain.Webhook, error)
	UpdateWebhook(ctx context.Context, w *domain.Webhook) error
	RecordWebhookFailure(ctx context.Context, id string, now time.Time) (*domain.Webhook, error)
	RecordWebhookSuccess(ctx context.Context, id string) error
	EnsureWebhookCursor(ctx context.Context, id, dossierID string, lastSeq int64) error
	ClaimWebhookCursor(ctx context.Context, id, dossierID, owner string, start int64, now, until time.Time) (int64, bool, error)
	AdvanceWebhookCursor(ctx context.Context, id, dossierID, owner string, seq int64) error
	ReleaseWebhookCursor(ctx context.Context, id, dossierID, owner string) error
	AddWebhookDelivery(ctx context.Context, d *domain.WebhookDelivery) error
	ListWebhookDeliveries(ctx context.Context, id string, beforeID int64, limit int) ([]domain.WebhookDelivery, error)
}

// testWebhooks: subscriptions round-trip and are version-guarded; failure
// counts accumulate and clear; a cursor's lease has one holder at a time
// until it expires, only the holder advances it, and only forward; the
// delivery log pages newest first.
func testWebhooks(t *testing.T, st store.Store) {
	s, ok := st.(webhookStore)
	if !ok {
		t.Fatalf("%T does not implement the webhook store methods", st)
	}
	ctx := context.Background()
	w := &domain.Webhook{ID: "wh-1", Endpoint: "https://r.example/h", EventTypes: []string{"vn.motcua.dossier.submitted"},
		Secrets: []domain.WebhookSecret{{Value: "whsec_a", ExpiresAt: t0.Add(time.Hour)}, {Value: "whsec_b"}},
		Enabled: true, CreatedBy: "iss|staff|admin", CreatedAt: t0, UpdatedAt: t0, Version: 1}
	must(t, s.CreateWebhook(ctx, w))
	got, err := s.GetWebhook(ctx, "wh-1")
	if err != nil || got.Endpoint != w.Endpoint || len(got.Secrets) != 2 || !got.Secrets[0].ExpiresAt.Equal(t0.Add(time.Hour)) ||
		len(got.AgencyCodes) != 0 || got.EventTypes[0] != w.EventTypes[0] || !got.CreatedAt.Equal(t0) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := s.GetWebhook(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	got.Enabled, got.Version = false, 2
	must(t, s.UpdateWebhook(ctx, got))
	stale := *got
	stale.Version = 2 // stored is 2: an update from version 1 again
	if err := s.UpdateWebhook(ctx, &stale); !errors.Is(err, domain.ErrVersionConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if en, err := s.EnabledWebhooks(ctx); err != nil || len(en) != 0 {
		t.Fatalf("enabled after disabling: %v %v", en, err)
	}
	if all, err := s.ListWebhooks(ctx); err != nil || len(all) != 1 {
		t.Fatalf("list: %v %v", all, err)
	}

	f1, err := s.RecordWebhookFailure(ctx, "wh-1", t0)
	must(t, err)
	f2, err := s.RecordWebhookFailure(ctx, "wh-1", t0.Add(time.Minute))
	must(t, err)
	if f1.ConsecutiveFailures != 1 || f2.ConsecutiveFailures != 2 || !f2.FailingSince.Equal(t0) {
		t.Fatalf("failures: %+v %+v", f1, f2)
	}
	must(t, s.RecordWebhookSuccess(ctx, "wh-1"))
	if g, _ := s.GetWebhook(ctx, "wh-1"); g.ConsecutiveFailures != 0 || !g.FailingSince.IsZero() {
		t.Fatalf("after a success: %+v", g)
	}

	const dossier = "0190a1b2-0000-7000-8000-0000000000aa"
	must(t, s.EnsureWebhookCursor(ctx, "wh-1", dossier, 4))
	must(t, s.EnsureWebhookCursor(ctx, "wh-1", dossier, 0)) // exists: unchanged
	last, claimed, err := s.ClaimWebhookCursor(ctx, "wh-1", dossier, "a", 0, t0, t0.Add(time.Minute))
	if err != nil || !claimed || last != 4 {
		t.Fatalf("claim: %d %v %v", last, claimed, err)
	}
	if _, claimed, err := s.ClaimWebhookCursor(ctx, "wh-1", dossier, "b", 0, t0.Add(time.Second), t0.Add(time.Minute)); err != nil || claimed {
		t.Fatalf("a second holder: %v %v", claimed, err)
	}
	if err := s.AdvanceWebhookCursor(ctx, "wh-1", dossier, "b", 5); !errors.Is(err, domain.ErrFailedPrecondition) {
		t.Fatalf("advance by a non-holder: %v", err)
	}
	must(t, s.AdvanceWebhookCursor(ctx, "wh-1", dossier, "a", 5))
	if err := s.AdvanceWebhookCursor(ctx, "wh-1", dossier, "a", 3); !errors.Is(err, domain.ErrFailedPrecondition) {
		t.Fatalf("a cursor moved back: %v", err)
	}
	// Expired: another takes over, and the old holder is fenced off.
	last, claimed, err = s.ClaimWebhookCursor(ctx, "wh-1", dossier, "b", 0, t0.Add(2*time.Minute), t0.Add(3*time.Minute))
	if err != nil || !claimed || last != 5 {
		t.Fatalf("claim after expiry: %d %v %v", last, claimed, err)
	}
	if err := s.AdvanceWebhookCursor(ctx, "wh-1", dossier, "a", 6); !errors.Is(err, domain.ErrFailedPrecondition) {
		t.Fatalf("the expired holder advanced: %v", err)
	}
	must(t, s.ReleaseWebhookCursor(ctx, "wh-1", dossier, "b"))
	if _, claimed, err := s.ClaimWebhookCursor(ctx, "wh-1", dossier, "c", 0, t0.Add(2*time.Minute), t0.Add(3*time.Minute)); err != nil || !claimed {
		t.Fatalf("claim after release: %v %v", claimed, err)
	}
	// A cursor that does not exist starts at start.
	if last, claimed, err := s.ClaimWebhookCursor(ctx, "wh-1", "0190a1b2-0000-7000-8000-0000000000ab", "a", 7, t0, t0.Add(time.Minute)); err != nil || !claimed || last != 7 {
		t.Fatalf("new cursor: %d %v %v", last, claimed, err)
	}

	for i := range 3 {
		d := &domain.WebhookDelivery{SubscriptionID: "wh-1", EventID: "e", DossierID: dossier, Seq: int64(i + 1), Attempt: 1,
			StatusCode: 500 + i, Error: "HTTP", Latency: time.Duration(i) * time.Millisecond, At: t0}
		must(t, s.AddWebhookDelivery(ctx, d))
		if d.ID == 0 {
			t.Fatal("no delivery id")
		}
	}
	page, err := s.ListWebhookDeliveries(ctx, "wh-1", 0, 2)
	if err != nil || len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 2 || page[0].Latency != 2*time.Millisecond {
		t.Fatalf("first page: %+v %v", page, err)
	}
	rest, err := s.ListWebhookDeliveries(ctx, "wh-1", page[1].ID, 2)
	if err != nil || len(rest) != 1 || rest[0].Seq != 1 {
		t.Fatalf("second page: %+v %v", rest, err)
	}
}
