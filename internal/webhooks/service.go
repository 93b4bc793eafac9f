// Package webhooks delivers committed dossier events to subscribers as
// signed CloudEvents (docs/webhooks.md): the subscription use cases, the
// outbox hook that enqueues deliveries in each mutation's transaction, and
// the job workers that deliver them in per-dossier order.
package webhooks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// Config tunes deliveries (serve flags --webhooks-*).
type Config struct {
	// AllowPrivate lets endpoints be http:// and resolve to loopback or
	// private addresses (development and tests only).
	AllowPrivate bool
	// Source is the CloudEvents source of every event.
	Source string
	// Timeout bounds one delivery attempt.
	Timeout time.Duration
	// A subscription is disabled once it has failed DisableMinFailures
	// times in a row over at least DisableAfter.
	DisableAfter       time.Duration
	DisableMinFailures int
	// Now is the service clock (the app's, so that events and
	// subscriptions share one).
	Now func() time.Time
	// Resolver resolves endpoints at creation (nil: the system's).
	Resolver *net.Resolver
	// Workers is how many deliveries run at once (the webhooks queue).
	Workers int
}

// DefaultConfig is what serve uses unless told otherwise.
func DefaultConfig() Config {
	return Config{Source: "urn:motcua", Timeout: 10 * time.Second, DisableAfter: 72 * time.Hour, DisableMinFailures: 20,
		Workers: 8, Now: time.Now}
}

// Validate checks the settings (named by their serve flags).
func (c Config) Validate() error {
	switch {
	case c.Source == "":
		return fmt.Errorf("--webhooks-source must not be empty")
	case c.Timeout < 100*time.Millisecond || c.Timeout > 5*time.Minute:
		return fmt.Errorf("--webhooks-timeout must be between 100ms and 5m")
	case c.Workers < 1 || c.Workers > 1000:
		return fmt.Errorf("--webhooks-workers must be between 1 and 1000")
	case c.DisableAfter < 0 || c.DisableMinFailures < 1:
		return fmt.Errorf("--webhooks-disable-after must not be negative and --webhooks-disable-min-failures must be at least 1")
	}
	return nil
}

// Service holds the webhook use cases and the delivery machinery.
type Service struct {
	st     Store
	q      app.JobQueue
	cfg    Config
	client *http.Client
}

// New returns the webhooks over st, enqueuing on q.
func New(st Store, q app.JobQueue, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{st: st, q: q, cfg: cfg, client: newHTTPClient(cfg.AllowPrivate, cfg.Timeout)}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// CreateInput is a new subscription.
type CreateInput struct {
	Endpoint, Description   string
	EventTypes, AgencyCodes []string
}

// CheckCreate validates a new subscription, resolving its endpoint's host
// (up to 5 s): the transport calls it before app.Mutate, so that no
// transaction waits on DNS. Create checks again, all but the lookup.
func (s *Service) CheckCreate(ctx context.Context, in CreateInput) error {
	return s.checkCreate(ctx, in, true)
}

func (s *Service) checkCreate(ctx context.Context, in CreateInput, resolve bool) error {
	var v domain.Violations
	if err := checkEndpoint(ctx, in.Endpoint, s.cfg.AllowPrivate, s.cfg.Resolver, resolve); err != nil {
		v.Add("endpoint", "%v", err)
	}
	known := EventTypes()
	for i, t := range in.EventTypes {
		if !slices.Contains(known, t) {
			v.Add(fmt.Sprintf("event_types[%d]", i), "unknown event type %q; known: %v", t, known)
		}
	}
	return v.Err()
}

// Create stores a subscription, checked by CheckCreate first (here again
// but for the DNS lookup), and returns it with its secret. Run it inside
// app.Mutate (the transport does); the dialer re-checks every address at
// delivery anyway.
func (s *Service) Create(ctx context.Context, p domain.Principal, in CreateInput) (*Subscription, string, error) {
	if err := s.checkCreate(ctx, in, false); err != nil {
		return nil, "", err
	}
	now := s.now()
	secret := NewSecret()
	sub := &Subscription{ID: uuid.NewString(), Endpoint: in.Endpoint, Description: in.Description,
		EventTypes: uniq(in.EventTypes), AgencyCodes: uniq(in.AgencyCodes), Secrets: []Secret{{Value: secret}},
		Enabled: true, CreatedBy: p.Key(), CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.st.CreateWebhook(ctx, sub); err != nil {
		return nil, "", err
	}
	return sub, secret, nil
}

func uniq(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// get returns a subscription the principal may manage: an admin any, an
// integration those it created (others are not found, so their existence
// does not leak).
func (s *Service) get(ctx context.Context, p domain.Principal, id string) (*Subscription, error) {
	sub, err := s.st.GetWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, sub) {
		return nil, domain.NotFound("webhook", id)
	}
	return sub, nil
}

func visible(p domain.Principal, sub *Subscription) bool {
	return p.Role == domain.RoleAdmin || sub.CreatedBy == p.Key()
}

// Get returns a subscription.
func (s *Service) Get(ctx context.Context, p domain.Principal, id string) (*Subscription, error) {
	return s.get(ctx, p, id)
}

// List returns the subscriptions the principal may manage.
func (s *Service) List(ctx context.Context, p domain.Principal) ([]Subscription, error) {
	all, err := s.st.ListWebhooks(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(sub Subscription) bool { return !visible(p, &sub) }), nil
}

// change loads a subscription for a versioned change.
func (s *Service) change(ctx context.Context, p domain.Principal, id string, expected int64) (*Subscription, error) {
	sub, err := s.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if sub.Version != expected {
		return nil, &domain.ConflictError{Expected: expected, Current: sub.Version}
	}
	sub.Version++
	sub.UpdatedAt = s.now()
	return sub, nil
}

// DefaultOverlap is how long the previous secrets keep signing after a
// rotation unless told otherwise.
const DefaultOverlap = 24 * time.Hour

// Rotate issues a new secret; the previous live ones sign beside it until
// overlap has passed.
func (s *Service) Rotate(ctx context.Context, p domain.Principal, id string, expected int64, overlap time.Duration) (*Subscription, string, error) {
	sub, err := s.change(ctx, p, id, expected)
	if err != nil {
		return nil, "", err
	}
	if overlap <= 0 {
		overlap = DefaultOverlap
	}
	now := sub.UpdatedAt
	kept := []Secret{}
	for _, k := range sub.Secrets {
		if !k.ExpiresAt.IsZero() && !k.ExpiresAt.After(now) {
			continue // expired: dropped
		}
		if k.ExpiresAt.IsZero() || k.ExpiresAt.After(now.Add(overlap)) {
			k.ExpiresAt = now.Add(overlap)
		}
		kept = append(kept, k)
	}
	secret := NewSecret()
	sub.Secrets = append(kept, Secret{Value: secret})
	if err := s.st.UpdateWebhook(ctx, sub); err != nil {
		return nil, "", err
	}
	return sub, secret, nil
}

// Disable stops deliveries.
func (s *Service) Disable(ctx context.Context, p domain.Principal, id string, expected int64, reason string) (*Subscription, error) {
	sub, err := s.change(ctx, p, id, expected)
	if err != nil {
		return nil, err
	}
	if !sub.Enabled {
		return nil, &domain.PreconditionError{Reason: "WEBHOOK_DISABLED", Subject: "webhook/" + id, Description: "the webhook is already disabled"}
	}
	sub.Enabled, sub.DisabledAt = false, sub.UpdatedAt
	sub.DisabledReason = "disabled by " + p.Subject
	if reason != "" {
		sub.DisabledReason += ": " + reason
	}
	return sub, s.st.UpdateWebhook(ctx, sub)
}

// Enable resumes deliveries: in the same transaction it enqueues a job
// that delivers, in order, every dossier changed since deliveries stopped.
func (s *Service) Enable(ctx context.Context, p domain.Principal, id string, expected int64) (*Subscription, error) {
	sub, err := s.change(ctx, p, id, expected)
	if err != nil {
		return nil, err
	}
	if sub.Enabled {
		return nil, &domain.PreconditionError{Reason: "WEBHOOK_ENABLED", Subject: "webhook/" + id, Description: "the webhook is already enabled"}
	}
	since := sub.DisabledAt
	sub.Enabled, sub.DisabledReason, sub.DisabledAt = true, "", time.Time{}
	sub.FailingSince, sub.ConsecutiveFailures = time.Time{}, 0
	if err := s.st.UpdateWebhook(ctx, sub); err != nil {
		return nil, err
	}
	if err := s.q.Enqueue(ctx, resumeArgs{Webhook: id, Since: since}); err != nil {
		return nil, err
	}
	return sub, nil
}

// Deliveries returns a page of the delivery log, newest first, and the
// id to pass as before for the next page (0: none).
func (s *Service) Deliveries(ctx context.Context, p domain.Principal, id string, before int64, limit int) ([]Delivery, int64, error) {
	if _, err := s.get(ctx, p, id); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	ds, err := s.st.ListWebhookDeliveries(ctx, id, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(ds) > limit {
		ds = ds[:limit]
		next = ds[limit-1].ID
	}
	return ds, next, nil
}
