package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// eventArgs is a job per committed dossier event, as an outbox enqueues.
type eventArgs struct {
	EventID string `json:"event_id"`
}

func (eventArgs) Kind() string { return "test_event" }

// recorder is a worker that notes the events it was given; it fails the
// first attempt of each job while failFirst is set.
type recorder struct {
	river.WorkerDefaults[eventArgs]
	mu        sync.Mutex
	seen      map[string]int
	failFirst atomic.Bool
}

func (r *recorder) Work(_ context.Context, j *river.Job[eventArgs]) error {
	if r.failFirst.Load() && j.Attempt == 1 {
		return errors.New("first attempt fails")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[j.Args.EventID]++
	return nil
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[id]
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.seen {
		n += c
	}
	return n
}

// outbox returns the registration of a test outbox: one job per event,
// enqueued by an event hook in the mutation's transaction; a second hook
// after it fails the mutation while failAfter is set.
func outbox(r *recorder, failAfter *atomic.Bool) func(e *jobs.Engine) []app.EventHook {
	return func(e *jobs.Engine) []app.EventHook {
		jobs.AddWorker(e, r)
		return []app.EventHook{
			app.EnqueueOnEvents(e, func(_ context.Context, evs []domain.Event) ([]app.Job, error) {
				out := make([]app.Job, len(evs))
				for i, ev := range evs {
					out[i] = eventArgs{EventID: ev.ID}
				}
				return out, nil
			}),
			func(context.Context, []domain.Event) error {
				if failAfter.Load() {
					return errors.New("a later step of the mutation fails")
				}
				return nil
			},
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jobCount(t *testing.T, st *gormstore.Store, state string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Raw(`SELECT count(*) FROM river_job WHERE kind = 'test_event' AND (CAST(state AS TEXT) = ? OR ? = '')`, state, state).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJobsFollowTheirMutation: a job enqueued by an event hook exists only
// if the mutation commits; a committed job is worked (retried after a
// failure); a job committed while no engine runs is worked by the next one.
func TestJobsFollowTheirMutation(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			url := testenv.StoreURL(t, kind)
			r := &recorder{seen: map[string]int{}}
			r.failFirst.Store(true)
			var fail atomic.Bool
			e := testenv.Start(t, url, testenv.Options{Jobs: outbox(r, &fail)})
			id := testenv.CitizenID(3)
			ctx := e.As(t, testenv.Citizen(id))
			ans, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "jobs-1", Dossier: testenv.Draft(id)})
			if err != nil {
				t.Fatal(err)
			}
			ev := ans.GetEvent().GetId()
			waitFor(t, "the committed event's job", func() bool { return r.count(ev) == 1 })

			fail.Store(true)
			if _, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "jobs-2", Dossier: testenv.Draft(id)}); err == nil {
				t.Fatal("the mutation whose hook failed succeeded")
			}
			fail.Store(false)
			if n := jobCount(t, e.Store, ""); n != 1 {
				t.Fatalf("%d jobs exist after one committed and one rolled-back mutation, want 1", n)
			}
			waitFor(t, "the job's completion", func() bool { return jobCount(t, e.Store, "completed") == 1 })

			// Stop the engine (with the server), then commit through the use
			// cases directly: the job waits in the table for the next engine.
			if err := e.Stop(); err != nil {
				t.Fatal(err)
			}
			e.Store.Close()

			r2 := &recorder{seen: map[string]int{}}
			e2 := testenv.Start(t, url, testenv.Options{Jobs: outbox(r2, &fail), NoDemo: true})
			if err := e2.Jobs.Stop(context.Background()); err != nil { // no worker runs now
				t.Fatal(err)
			}
			ans3, err := e2.Dossiers.SubmitDossier(e2.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{RequestId: "jobs-3", Dossier: testenv.Draft(id)})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			if r2.total() != 0 || jobCount(t, e2.Store, "available") != 1 {
				t.Fatalf("with the engine stopped: worked %d, available %d", r2.total(), jobCount(t, e2.Store, "available"))
			}
			if err := e2.Stop(); err != nil {
				t.Fatal(err)
			}
			e2.Store.Close()

			r3 := &recorder{seen: map[string]int{}}
			testenv.Start(t, url, testenv.Options{Jobs: outbox(r3, &fail), NoDemo: true})
			ev3 := ans3.GetEvent().GetId()
			waitFor(t, "the job committed while no engine ran", func() bool { return r3.count(ev3) == 1 })
			if r3.total() != 1 {
				t.Fatalf("the restarted engine worked %d jobs, want 1: %v", r3.total(), r3.seen)
			}
		})
	}
}

// TestEnqueueOutsideATransaction: Enqueue with no transaction in ctx
// inserts on its own.
func TestEnqueueOutsideATransaction(t *testing.T) {
	r := &recorder{seen: map[string]int{}}
	var fail atomic.Bool
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Jobs: outbox(r, &fail), NoDemo: true})
	if err := e.Jobs.Enqueue(context.Background(), eventArgs{EventID: "direct"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the direct job", func() bool { return r.count("direct") == 1 })
}

// TestMigrateTwiceAndTogether: River's migrations apply once, from several
// migrators at once, and again as a no-op.
func TestMigrateTwiceAndTogether(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := gormstore.Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer st.Close()
			_, errs[i] = st.Migrate(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	st, err := gormstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	applied, err := jobs.Migrate(ctx, st.SQLDB(), st.Dialect())
	if err != nil || len(applied) != 0 {
		t.Fatalf("a second migration applied %v (%v)", applied, err)
	}
}

// TestEngineWaitsForMigration: on a store whose job tables are missing the
// engine starts working once they are migrated, as the server does.
func TestEngineWaitsForMigration(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	ctx := context.Background()
	st, err := gormstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &recorder{seen: map[string]int{}}
	cfg := testenv.TestJobsConfig()
	cfg.PollInterval = 20 * time.Millisecond
	eng := jobs.New(st.SQLDB(), st.Dialect(), gormstore.SQLTx, cfg, nil)
	jobs.AddWorker(eng, r)
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = eng.Stop(ctx) }()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := eng.Enqueue(ctx, eventArgs{EventID: "after-migrate"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job after the migration", func() bool { return r.count("after-migrate") == 1 })
}

func TestConfigValidate(t *testing.T) {
	good := jobs.DefaultConfig()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, mut := range []func(*jobs.Config){
		func(c *jobs.Config) { c.Workers = 0 },
		func(c *jobs.Config) { c.MaxAttempts = 0 },
		func(c *jobs.Config) { c.PollInterval = time.Millisecond },
		func(c *jobs.Config) { c.BackoffMax = c.BackoffBase / 2 },
		func(c *jobs.Config) { c.JobTimeout = 0 },
	} {
		c := good
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: %+v accepted", i, c)
		}
	}
}
