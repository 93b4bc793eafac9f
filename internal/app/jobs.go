package app

import (
	"context"

	"github.com/motcua/motcua/internal/domain"
)

// Job is background work's arguments: JSON-encoded into a job row, its Kind
// naming the worker that runs it (internal/jobs.Job, river.JobArgs).
type Job = interface{ Kind() string }

// JobQueue enqueues jobs in the transaction ctx carries, so they exist if and
// only if that transaction commits (internal/jobs.Engine implements it).
type JobQueue interface {
	Enqueue(ctx context.Context, jobs ...Job) error
}

// EnqueueOnEvents returns an EventHook that enqueues, in each mutation's
// transaction, the jobs jobsFor makes of its sealed events: the outbox.
// An error from jobsFor or the queue rolls the mutation back.
func EnqueueOnEvents(q JobQueue, jobsFor func(ctx context.Context, events []domain.Event) ([]Job, error)) EventHook {
	return func(ctx context.Context, events []domain.Event) error {
		if len(events) == 0 {
			return nil
		}
		jobs, err := jobsFor(ctx, events)
		if err != nil {
			return err
		}
		return q.Enqueue(ctx, jobs...)
	}
}
