package config

import (
	"github.com/spf13/pflag"

	"github.com/motcua/motcua/internal/webhooks"
)

// Webhooks configures webhook deliveries (docs/webhooks.md); its defaults
// and checks are the webhooks package's.
type Webhooks = webhooks.Config

func bindWebhooks(w *Webhooks, fs *pflag.FlagSet) {
	fs.BoolVar(&w.AllowPrivate, "webhooks-allow-private-endpoints", w.AllowPrivate,
		"let webhook endpoints be http:// and resolve to loopback, private or link-local addresses (development and tests only: it lets a subscriber make motcua call its own network)")
	fs.StringVar(&w.Source, "webhooks-source", w.Source, "the CloudEvents source of every webhook event (name this installation, e.g. urn:motcua:h55)")
	fs.DurationVar(&w.Timeout, "webhooks-timeout", w.Timeout, "longest wait for a receiver's answer to one delivery")
	fs.DurationVar(&w.DisableAfter, "webhooks-disable-after", w.DisableAfter,
		"disable a subscription whose deliveries have failed without a success for this long (and at least --webhooks-disable-min-failures times)")
	fs.IntVar(&w.DisableMinFailures, "webhooks-disable-min-failures", w.DisableMinFailures, "failed attempts in a row before a subscription may be disabled")
	fs.IntVar(&w.Workers, "webhooks-workers", w.Workers, "deliveries sent at once per replica")
}
