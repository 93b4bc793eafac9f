// Package jobs runs motcua's background work on River
// (github.com/riverqueue/river), over the store's own database: its tables
// live beside motcua's, so a job enqueued in a mutation's transaction exists
// if and only if the mutation commits (the transactional outbox,
// docs/design.md "Jobs and the outbox").
//
// Use: build an Engine, register workers (jobs.AddWorker(e, w)) and
// periodic jobs (e.AddPeriodic), Open it (then Enqueue works, in the
// transaction ctx carries if any), Start it to work jobs, Stop it on
// shutdown.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Dialect names, as gormstore names them.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Config sets the engine's defaults (internal/config binds them to flags).
type Config struct {
	// Workers is how many jobs of the default queue run at once.
	Workers int
	// MaxAttempts is how often a job runs before River discards it (a job
	// kind may set its own through InsertOpts).
	MaxAttempts int
	// PollInterval is how often idle clients look for new jobs (the
	// database/sql drivers have no LISTEN/NOTIFY; a client that enqueues
	// itself is woken at once).
	PollInterval time.Duration
	// BackoffBase and BackoffMax bound the retry delay: attempt n waits
	// about BackoffBase·2^(n-1), at most BackoffMax, ±25% jitter.
	BackoffBase, BackoffMax time.Duration
	// JobTimeout cancels a job's context after this long.
	JobTimeout time.Duration
}

// DefaultConfig is what serve uses unless told otherwise.
func DefaultConfig() Config {
	return Config{Workers: 8, MaxAttempts: 25, PollInterval: time.Second,
		BackoffBase: 5 * time.Second, BackoffMax: time.Hour, JobTimeout: time.Minute}
}

// Validate checks the settings' values (named by their serve flags).
func (c Config) Validate() error {
	switch {
	case c.Workers < 1 || c.Workers > 1000:
		return errors.New("--jobs-workers must be between 1 and 1000")
	case c.MaxAttempts < 1:
		return errors.New("--jobs-max-attempts must be at least 1")
	case c.PollInterval < 10*time.Millisecond:
		return errors.New("--jobs-poll-interval must be at least 10ms")
	case c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase:
		return errors.New("--jobs-backoff-base must be positive and not above --jobs-backoff-max")
	case c.JobTimeout <= 0:
		return errors.New("--jobs-timeout must be positive")
	}
	return nil
}

// QueueDefault is the queue a job goes to unless its InsertOpts say otherwise.
const QueueDefault = river.QueueDefault

// TxFunc returns the *sql.Tx a context carries, if any (gormstore.SQLTx).
type TxFunc func(ctx context.Context) (*sql.Tx, bool)

// Engine is one River client over the store's database.
type Engine struct {
	workers  *river.Workers
	nworkers int
	db       *sql.DB
	dialect  string
	txOf     TxFunc
	cfg      Config
	log      *slog.Logger
	queues   map[string]river.QueueConfig
	periodic []*river.PeriodicJob
	hooks    []rivertype.Hook

	mu      sync.Mutex
	client  *river.Client[*sql.Tx]
	started bool
	stopped bool
	stop    chan struct{} // closed by Stop
	wg      sync.WaitGroup
	startMu sync.RWMutex // see Enqueue
}

// New returns an engine over db (the store's pool; dialect "postgres" or
// "sqlite"); txOf finds the transaction of a context so Enqueue joins it.
func New(db *sql.DB, dialect string, txOf TxFunc, cfg Config, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{workers: river.NewWorkers(), db: db, dialect: dialect, txOf: txOf, cfg: cfg,
		log:    log.With("component", "jobs"),
		queues: map[string]river.QueueConfig{QueueDefault: {MaxWorkers: cfg.Workers}}}
}

// AddWorker registers a worker for its kind of job (before Open).
func AddWorker[T river.JobArgs](e *Engine, w river.Worker[T]) {
	river.AddWorker(e.workers, w)
	e.nworkers++
}

// AddQueue adds a queue with its own worker count (before Open); jobs go to
// it with InsertOpts{Queue: name}.
func (e *Engine) AddQueue(name string, maxWorkers int) {
	e.queues[name] = river.QueueConfig{MaxWorkers: maxWorkers}
}

// AddPeriodic adds a job enqueued on a schedule (before Open), e.g.
// river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {...},
// &river.PeriodicJobOpts{ID: "reconcile"}). Only the elected leader among
// the replicas enqueues it.
func (e *Engine) AddPeriodic(p *river.PeriodicJob) { e.periodic = append(e.periodic, p) }

// AddHook adds a River hook (before Open), e.g. to observe job outcomes.
func (e *Engine) AddHook(h rivertype.Hook) { e.hooks = append(e.hooks, h) }

// Open builds the River client: after it Enqueue works (Start is needed
// only to work jobs). It does not touch the database.
func (e *Engine) Open(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return nil
	}
	if err := e.cfg.Validate(); err != nil {
		return err
	}
	drv, err := driver(e.db, e.dialect)
	if err != nil {
		return err
	}
	cfg := &river.Config{
		Queues:            e.queues,
		Workers:           e.workers,
		PeriodicJobs:      e.periodic,
		Hooks:             e.hooks,
		MaxAttempts:       e.cfg.MaxAttempts,
		RetryPolicy:       backoff{base: e.cfg.BackoffBase, max: e.cfg.BackoffMax},
		FetchPollInterval: e.cfg.PollInterval,
		FetchCooldown:     min(e.cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:        e.cfg.JobTimeout,
		Logger:            e.log,
	}
	c, err := river.NewClient(drv, cfg)
	if err != nil {
		return fmt.Errorf("job engine: %w", err)
	}
	e.client = c
	e.stop = make(chan struct{})
	return nil
}

// migrated reports whether River's tables are at the version this build
// needs.
func (e *Engine) migrated(ctx context.Context) (bool, error) {
	drv, err := driver(e.db, e.dialect)
	if err != nil {
		return false, err
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return false, err
	}
	v, err := m.Validate(ctx, nil)
	if err != nil {
		return false, err
	}
	return v.OK, nil
}

// driver returns River's driver for a dialect; both work over database/sql,
// so a transaction of the store's pool is one of River's.
func driver(db *sql.DB, dialect string) (riverdriver.Driver[*sql.Tx], error) {
	switch dialect {
	case Postgres:
		return riverdatabasesql.New(db), nil
	case SQLite:
		return riversqlite.New(db), nil
	}
	return nil, fmt.Errorf("jobs: unknown dialect %q", dialect)
}

// Migrate applies River's own migrations to the store's database (each
// version in its own transaction, as River requires); on PostgreSQL a
// session advisory lock makes replicas that start together take turns.
// It returns the River versions applied.
func Migrate(ctx context.Context, db *sql.DB, dialect string) ([]int, error) {
	drv, err := driver(db, dialect)
	if err != nil {
		return nil, err
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	if dialect == Postgres {
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
			return nil, fmt.Errorf("lock the job tables' migration: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLock)
		}()
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate the job tables: %w", err)
	}
	var applied []int
	for _, v := range res.Versions {
		applied = append(applied, v.Version)
	}
	return applied, nil
}

// migrateLock is the advisory lock key of River's migrations, a constant
// fixed for motcua.
const migrateLock int64 = 7290654657186723941

// Job is a job's arguments (river.JobArgs): JSON-encoded into the job row,
// with a Kind naming its worker. Implement InsertOpts() river.InsertOpts on
// it to choose the queue, priority, attempts or uniqueness.
type Job = interface{ Kind() string }

// Enqueue inserts jobs: in the transaction ctx carries if there is one (so
// they exist only if it commits), else on their own.
func (e *Engine) Enqueue(ctx context.Context, jobs ...Job) error {
	if len(jobs) == 0 {
		return nil
	}
	c := e.riverClient()
	if c == nil {
		return errors.New("jobs: the engine is not open")
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	var err error
	if tx, ok := e.txOf(ctx); ok {
		_, err = c.InsertManyTx(ctx, tx, params)
	} else {
		// River wakes its own producers after an insert outside a
		// transaction; that must not overlap the client's start.
		e.startMu.RLock()
		_, err = c.InsertMany(ctx, params)
		e.startMu.RUnlock()
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", jobs[0].Kind(), err)
	}
	return nil
}

// Client is the River client (nil before Open), for what Enqueue does not
// cover (listing jobs, cancelling one, subscribing in tests).
func (e *Engine) Client() *river.Client[*sql.Tx] { return e.riverClient() }

func (e *Engine) riverClient() *river.Client[*sql.Tx] {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client
}

// Start works jobs until Stop. Its context only carries values: stopping
// is Stop's business, so a cancelled serve context still lets running jobs
// finish. If River's tables are not migrated yet (PostgreSQL, which serve
// does not migrate by default) the engine waits for `motcua migrate` as
// the server does, checking every few seconds.
func (e *Engine) Start(ctx context.Context) error {
	if err := e.Open(ctx); err != nil {
		return err
	}
	if e.nworkers == 0 {
		return nil // nothing to work (River refuses to start without workers)
	}
	ctx = context.WithoutCancel(ctx)
	ok, err := e.migrated(ctx)
	if err == nil && ok {
		return e.startClient(ctx)
	}
	e.log.Warn("the job tables are not migrated: background jobs wait for `motcua migrate`", "err", err)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(max(5*e.cfg.PollInterval, time.Second))
		defer t.Stop()
		for {
			select {
			case <-e.stop:
				return
			case <-t.C:
			}
			if ok, err := e.migrated(ctx); err == nil && ok {
				if err := e.startClient(ctx); err != nil {
					e.log.Error("the job engine did not start", "err", err)
				}
				return
			}
		}
	}()
	return nil
}

func (e *Engine) startClient(ctx context.Context) error {
	e.startMu.Lock()
	defer e.startMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started || e.stopped {
		return nil
	}
	if err := e.client.Start(ctx); err != nil {
		return fmt.Errorf("start the job engine: %w", err)
	}
	e.started = true
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish until ctx
// is done, then cancels them and waits for them to return. A job cut short
// is retried by a replica (or this one after a restart) later: River
// delivers at least once. An engine stopped is not started again.
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	c, started, first := e.client, e.started, !e.stopped
	e.stopped = true
	e.mu.Unlock()
	if c == nil {
		return nil
	}
	if first {
		close(e.stop)
	}
	e.wg.Wait()
	if !started {
		return nil
	}
	err := c.Stop(ctx)
	if err == nil {
		return nil
	}
	hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stop the job engine: %w", err)
	}
	return nil
}

// backoff is the retry policy: exponential from base, capped at max, with
// ±25% jitter so jobs that failed together do not retry together.
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().UTC().Add(b.delay(len(job.Errors) + 1))
}

// delay is the wait after the n-th failure (n ≥ 1).
func (b backoff) delay(n int) time.Duration {
	d := b.max
	if n < 40 {
		if e := b.base << (n - 1); e > 0 && e < b.max {
			d = e
		}
	}
	return d - d/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}
