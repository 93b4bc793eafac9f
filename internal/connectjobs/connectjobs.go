// Package connectjobs runs the work of the connectors to national systems
// on the job engine (internal/jobs, docs/design.md "Jobs and the outbox"):
// an identity or mandate check left pending at intake and a
// business-registration hand-off are enqueued in the mutation's transaction and retried with
// backoff until the system answers; periodic sweeps catch anything a job
// gave up on, and poll the registry for status changes.
package connectjobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/jobs"
)

// Ref is the application the workers call; it is set after app.New (the
// workers are registered before the application exists, and run only once
// the engine starts).
type Ref struct{ App *app.Service }

// Config is how often the sweeps run (0: no sweep).
type Config struct {
	IdentitySweep time.Duration
	RegistryPoll  time.Duration
	MandateSweep  time.Duration
}

// Register adds the workers and the periodic sweeps to eng and returns the
// event hook that enqueues the jobs (install it with app.WithEventHook).
func Register(eng *jobs.Engine, ref *Ref, c Config, log *slog.Logger) app.EventHook {
	jobs.AddWorker(eng, &verifyWorker{ref: ref})
	jobs.AddWorker(eng, &handOffWorker{ref: ref})
	jobs.AddWorker(eng, &mandateWorker{ref: ref})
	jobs.AddWorker(eng, &sweepWorker{ref: ref, log: log})
	if c.IdentitySweep > 0 {
		eng.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(c.IdentitySweep),
			func() (river.JobArgs, *river.InsertOpts) { return sweepJob{Identity: true}, nil },
			&river.PeriodicJobOpts{ID: "identity_sweep"}))
	}
	if c.RegistryPoll > 0 {
		eng.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(c.RegistryPoll),
			func() (river.JobArgs, *river.InsertOpts) { return sweepJob{Registry: true}, nil },
			&river.PeriodicJobOpts{ID: "registry_poll"}))
	}
	if c.MandateSweep > 0 {
		eng.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(c.MandateSweep),
			func() (river.JobArgs, *river.InsertOpts) { return sweepJob{Mandate: true}, nil },
			&river.PeriodicJobOpts{ID: "mandate_sweep"}))
	}
	return app.EnqueueOnEvents(eng, app.IdentityJobs)
}

type verifyWorker struct {
	river.WorkerDefaults[app.VerifyIdentityJob]
	ref *Ref
}

func (w *verifyWorker) Work(ctx context.Context, j *river.Job[app.VerifyIdentityJob]) error {
	return w.ref.App.VerifyIdentity(ctx, j.Args.DossierID)
}

type handOffWorker struct {
	river.WorkerDefaults[app.HandOffJob]
	ref *Ref
}

func (w *handOffWorker) Work(ctx context.Context, j *river.Job[app.HandOffJob]) error {
	return w.ref.App.HandOff(ctx, j.Args.DossierID)
}

type mandateWorker struct {
	river.WorkerDefaults[app.VerifyMandateJob]
	ref *Ref
}

func (w *mandateWorker) Work(ctx context.Context, j *river.Job[app.VerifyMandateJob]) error {
	return w.ref.App.VerifyMandate(ctx, j.Args.DossierID)
}

// sweepJob re-asks every pending check (Identity) or sends every pending
// hand-off and polls every open one (Registry).
type sweepJob struct {
	Identity bool `json:"identity,omitempty"`
	Registry bool `json:"registry,omitempty"`
	Mandate  bool `json:"mandate,omitempty"`
}

func (sweepJob) Kind() string { return "connector_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepJob]
	ref *Ref
	log *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, j *river.Job[sweepJob]) error {
	a := w.ref.App
	if j.Args.Identity {
		if n, err := a.RetryPendingVerifications(ctx); err != nil {
			return err
		} else if n > 0 {
			w.log.Info("identity checks answered after intake", "dossiers", n)
		}
	}
	if j.Args.Mandate {
		if n, err := a.RetryPendingMandates(ctx); err != nil {
			return err
		} else if n > 0 {
			w.log.Info("mandate checks answered after intake", "dossiers", n)
		}
	}
	if j.Args.Registry {
		sent, err := a.RunHandoffs(ctx)
		if err != nil {
			return err
		}
		changed, err := a.PollRegistry(ctx)
		if err != nil {
			return err
		}
		if sent+changed > 0 {
			w.log.Info("business registry", "handed_off", sent, "status_changes", changed)
		}
	}
	return nil
}
