package domain

import "time"

// Webhook is a webhook subscription (internal/webhooks, docs/webhooks.md).
type Webhook struct {
	ID          string
	Endpoint    string
	Description string
	// EventTypes and AgencyCodes filter what is delivered; empty: all.
	EventTypes  []string
	AgencyCodes []string
	Secrets     []WebhookSecret
	Enabled     bool
	// DisabledReason says who disabled it or after how many failures.
	DisabledReason string
	DisabledAt     time.Time
	// FailingSince is the first failed attempt after the last success
	// (zero when the last attempt succeeded).
	FailingSince        time.Time
	ConsecutiveFailures int
	// CreatedBy is the creator's identity key (Principal.Key):
	// integrations see only their own subscriptions.
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// WebhookSecret is a signing secret; ExpiresAt is zero for the current one and set
// on the previous ones by a rotation.
type WebhookSecret struct {
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// LiveSecrets are the secrets that sign a delivery at now.
func (s *Webhook) LiveSecrets(now time.Time) []string {
	var out []string
	for _, k := range s.Secrets {
		if k.ExpiresAt.IsZero() || k.ExpiresAt.After(now) {
			out = append(out, k.Value)
		}
	}
	return out
}

// WebhookDelivery is one attempt to deliver one event.
type WebhookDelivery struct {
	ID             int64
	SubscriptionID string
	EventID        string
	DossierID      string
	Seq            int64
	Attempt        int
	StatusCode     int // 0: no response
	Error          string
	Latency        time.Duration
	At             time.Time
}

// OK reports whether the receiver accepted the delivery (2xx).
func (d *WebhookDelivery) OK() bool {
	return d.StatusCode >= 200 && d.StatusCode < 300 && d.Error == ""
}
