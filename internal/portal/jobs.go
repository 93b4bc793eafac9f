package portal

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/jobs"
)

// The sync driven by the job engine (docs/portal-sync.md, "Order and
// delivery guarantees"): every mutation enqueues, in its transaction, one
// job per dossier it changed (unique per dossier while one waits or runs);
// the job delivers the dossier's current state, snoozes until the next
// attempt when the portal fails, and ends when the portal holds the latest
// state or the dossier is dead-lettered. A periodic sweep, run by the
// elected leader, enqueues the due dossiers a job does not cover: changes
// committed while their dossier's job was finishing, deliveries re-armed by
// `motcua sync retry` or `resend`, and anything left by the poller.

// Queue is the job queue of the sync.
const Queue = "portal"

// SyncArgs asks to deliver one dossier.
type SyncArgs struct {
	DossierID string `json:"dossier_id"`
}

// Kind implements river.JobArgs.
func (SyncArgs) Kind() string { return "portal_sync" }

// InsertOpts makes the job unique per dossier while it waits or runs.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// SweepArgs asks to enqueue every due dossier.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "portal_sync_sweep" }

// InsertOpts puts the sweep on the sync's queue.
func (SweepArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// ReconcileArgs asks to reconcile agencies with the portal.
type ReconcileArgs struct {
	Agencies []string `json:"agencies"`
}

// Kind implements river.JobArgs.
func (ReconcileArgs) Kind() string { return "portal_reconcile" }

// InsertOpts puts the reconciliation on the sync's queue.
func (ReconcileArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// Jobs holds the sync's workers. The service is bound after the engine is
// built (the service's hooks need the engine first); a job that runs
// before is retried.
type Jobs struct {
	svc   atomic.Pointer[app.Service]
	queue app.JobQueue
	// OnReconciled, if set, is told of every scheduled reconciliation.
	OnReconciled func(r *app.Reconciliation, err error)
}

// Bind gives the workers the service.
func (j *Jobs) Bind(s *app.Service) { j.svc.Store(s) }

var errNotBound = errors.New("portal sync: the service is not bound yet")

// JobOptions set the schedule of the periodic jobs.
type JobOptions struct {
	// Workers deliver at once on this replica (the sync's queue).
	Workers int
	// Sweep is how often the leader enqueues due dossiers (default 5 s).
	Sweep time.Duration
	// Reconcile is how often the leader reconciles Agencies (0: never).
	Reconcile time.Duration
	Agencies  []string
}

// Register adds the sync's queue, workers and periodic jobs to the engine
// (before it opens) and returns the event hook that enqueues a job per
// changed dossier in each mutation's transaction.
func Register(eng *jobs.Engine, o JobOptions) (*Jobs, app.EventHook) {
	j := &Jobs{queue: eng}
	if o.Workers < 1 {
		o.Workers = 4
	}
	if o.Sweep <= 0 {
		o.Sweep = 5 * time.Second
	}
	eng.AddQueue(Queue, o.Workers)
	jobs.AddWorker(eng, &syncWorker{j: j})
	jobs.AddWorker(eng, &sweepWorker{j: j})
	jobs.AddWorker(eng, &reconcileWorker{j: j})
	eng.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(o.Sweep),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "portal_sync_sweep", RunOnStart: true}))
	if o.Reconcile > 0 && len(o.Agencies) > 0 {
		agencies := slices.Clone(o.Agencies)
		eng.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(o.Reconcile),
			func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{Agencies: agencies}, nil },
			&river.PeriodicJobOpts{ID: "portal_reconcile"}))
	}
	return j, app.EnqueueOnEvents(eng, func(_ context.Context, events []domain.Event) ([]app.Job, error) {
		var out []app.Job
		seen := map[string]bool{}
		for _, e := range events {
			if !seen[e.DossierID] {
				seen[e.DossierID] = true
				out = append(out, SyncArgs{DossierID: e.DossierID})
			}
		}
		return out, nil
	})
}

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	j *Jobs
}

// maxRounds bounds how often one job sends a dossier that keeps changing
// while it is sent; the sweep takes over after.
const maxRounds = 10

// Work delivers the dossier until the portal holds its latest state.
func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	s := w.j.svc.Load()
	if s == nil {
		return errNotBound
	}
	id := job.Args.DossierID
	for range maxRounds {
		did, err := s.Deliver(ctx, id)
		if err != nil {
			return err // the store failed: River retries the job
		}
		st, err := s.SyncState(ctx, id)
		if err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return nil
			}
			return err
		}
		switch {
		case !st.Pending() || !st.DeadLetteredAt.IsZero():
			return nil // delivered, or given up (the reason is in the state)
		case !did:
			// Another deliverer holds it, or its next attempt is not due.
			wait := time.Second
			if !st.NextAttemptAt.IsZero() {
				wait = max(st.NextAttemptAt.Sub(s.Now()), 10*time.Millisecond)
			} else if !st.LeaseUntil.IsZero() {
				wait = max(st.LeaseUntil.Sub(s.Now()), 10*time.Millisecond)
			}
			return river.JobSnooze(wait)
		}
		// Delivered but a newer change arrived meanwhile, or it failed and
		// is due again at once: go round.
	}
	return nil
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	j *Jobs
}

// Work enqueues a delivery job for every due dossier (a dossier whose job
// waits or runs is skipped by the job's uniqueness).
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	s := w.j.svc.Load()
	if s == nil {
		return errNotBound
	}
	// A thousand at a time; the next sweep takes the rest.
	ids, err := s.DueDossiers(ctx, 1000)
	if err != nil || len(ids) == 0 {
		return err
	}
	out := make([]app.Job, len(ids))
	for i, id := range ids {
		out[i] = SyncArgs{DossierID: id}
	}
	return w.j.queue.Enqueue(ctx, out...)
}

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	j *Jobs
}

// Timeout lets a reconciliation of a large agency run long.
func (w *reconcileWorker) Timeout(*river.Job[ReconcileArgs]) time.Duration { return time.Hour }

// Work reconciles each agency and stores its report.
func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	s := w.j.svc.Load()
	if s == nil {
		return errNotBound
	}
	for _, ag := range job.Args.Agencies {
		r, err := s.ReconcileAgency(ctx, ag, time.Time{}, time.Time{})
		if w.j.OnReconciled != nil {
			w.j.OnReconciled(r, err)
		}
		if err != nil && ctx.Err() != nil {
			return err
		}
	}
	return nil
}
