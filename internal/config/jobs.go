package config

import (
	"github.com/spf13/pflag"

	"github.com/motcua/motcua/internal/jobs"
)

// Jobs configures the background job engine (internal/jobs, docs/design.md
// "Jobs and the outbox"); its defaults and checks are the engine's.
type Jobs = jobs.Config

func bindJobs(j *Jobs, fs *pflag.FlagSet) {
	fs.IntVar(&j.Workers, "jobs-workers", j.Workers, "background jobs (webhook deliveries, portal sync) run at once per replica")
	fs.IntVar(&j.MaxAttempts, "jobs-max-attempts", j.MaxAttempts, "how often a background job is tried before it is given up (kept as discarded)")
	fs.DurationVar(&j.PollInterval, "jobs-poll-interval", j.PollInterval, "how often an idle replica looks for background jobs enqueued by another")
	fs.DurationVar(&j.BackoffBase, "jobs-backoff-base", j.BackoffBase, "first retry delay of a failed job; doubles each attempt (±25% jitter)")
	fs.DurationVar(&j.BackoffMax, "jobs-backoff-max", j.BackoffMax, "longest retry delay of a failed job")
	fs.DurationVar(&j.JobTimeout, "jobs-timeout", j.JobTimeout, "a job running longer is cancelled and retried")
}
