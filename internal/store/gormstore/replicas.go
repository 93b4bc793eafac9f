package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/motcua/motcua/internal/freshness"
)

// Read replicas (docs/SCALING.md, "Replicas and freshness tokens"). The
// store keeps a second pool per PostgreSQL streaming replica. The reads
// that may be served stale (reports, lists, the event feed) take their
// connection from readConn, which consults the call's freshness.ReadPolicy:
// without one, or inside a transaction, it is the primary. Everything else
// — every mutation, every read inside one, every write outside one (the
// access log) — uses conn and so the primary.
//
// A background loop checks each replica every CheckInterval: the primary's
// WAL position first, then the replica's replay position and the commit
// time of the last transaction it replayed. A replica that has replayed
// everything the primary had written is fresh as of the moment the
// primary's position was read; one that has not is fresh as of its last
// replayed commit. A read without a token goes to a replica only if
// (now − fresh-as-of) ≤ MaxLag. A read with a token goes to a replica only
// if its replay position ≥ the token's LSN (checked live, once, when the
// cached position is behind) — it is then at least as fresh as the caller
// asked, whatever its lag. A replica that is down, not a standby, too
// far behind or failing a read is skipped, and the read is served by the
// primary: never an error for the caller.

var errReplicasNeedPostgres = errors.New("read replicas (--replica-url) need PostgreSQL: a SQLite store has no replicas; serve it from one machine or move to PostgreSQL")

// ReplicaState is what the router last learned of one replica.
type ReplicaState struct {
	// Name is the replica's host:port/database (no credentials).
	Name string
	// Usable is false while the replica is unreachable or not a standby.
	Usable bool
	// ReplayLSN is the last WAL position it replayed.
	ReplayLSN uint64
	// Lag is now − fresh-as-of (see above); meaningful when Usable.
	Lag time.Duration
	// Err is the last check's failure.
	Err error
}

// ReadCounts counts where routed reads went.
type ReadCounts struct {
	// Replica reads served by a replica; Primary routed reads the primary
	// served because no replica was fresh enough (or the call allowed
	// none); Fallback reads a replica failed and the primary re-ran.
	Replica, Primary, Fallback uint64
}

type replica struct {
	name  string
	db    *gorm.DB
	sqlDB *sql.DB

	mu        sync.Mutex
	usable    bool
	replayLSN uint64
	freshAsOf time.Time
	err       error
}

type router struct {
	replicas []*replica
	// blockSize and segSize are the primary's WAL page and segment sizes
	// (see walEnd).
	blockSize, segSize         uint64
	maxLag                     time.Duration
	interval                   time.Duration
	log                        *slog.Logger
	next                       atomic.Uint64
	replica, primary, fallback atomic.Uint64
	stop                       chan struct{}
	done                       chan struct{}
}

// replicaDefaults fills the replica settings left zero.
func (o *Options) replicaDefaults() {
	if o.ReplicaMaxLag <= 0 {
		o.ReplicaMaxLag = 5 * time.Second
	}
	if o.ReplicaCheckInterval <= 0 {
		o.ReplicaCheckInterval = min(max(o.ReplicaMaxLag/4, 50*time.Millisecond), time.Second)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// openReplicas opens a pool per replica URL. A replica that does not answer
// now is not an error: it is checked again every interval, and the primary
// serves meanwhile.
func (s *Store) openReplicas(o Options) error {
	if len(o.ReplicaURLs) == 0 {
		return nil
	}
	if s.dialect != Postgres {
		return errReplicasNeedPostgres
	}
	o.replicaDefaults()
	r := &router{maxLag: o.ReplicaMaxLag, interval: o.ReplicaCheckInterval, log: o.Log,
		stop: make(chan struct{}), done: make(chan struct{})}
	opened := false
	defer func() {
		if !opened {
			for _, rep := range r.replicas {
				_ = rep.sqlDB.Close()
			}
		}
	}()
	for _, raw := range o.ReplicaURLs {
		loc, err := ParseURL(raw)
		if err != nil {
			return fmt.Errorf("replica: %w", err)
		}
		if loc.Dialect != Postgres {
			return fmt.Errorf("replica URL %q: a replica must be a postgres:// URL", redactURL(raw))
		}
		dsn, err := o.postgresDSN(loc.DSN)
		if err != nil {
			return err
		}
		db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true,
			DisableAutomaticPing: true})
		if err != nil {
			return fmt.Errorf("open replica %s: %w", redactURL(raw), err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		r.replicas = append(r.replicas, &replica{name: redactURL(raw), db: db, sqlDB: sqlDB})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.sqlDB.QueryRowContext(ctx, `SELECT current_setting('wal_block_size')::bigint,
		pg_size_bytes(current_setting('wal_segment_size'))`).Scan(&r.blockSize, &r.segSize); err != nil {
		return fmt.Errorf("read the primary's WAL page size: %w", err)
	}
	s.router, opened = r, true
	for _, rep := range r.replicas {
		s.checkReplica(rep)
	}
	go s.watchReplicas()
	return nil
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Host + u.Path
}

func (s *Store) closeReplicas() {
	if s.router == nil {
		return
	}
	close(s.router.stop)
	<-s.router.done
	for _, rep := range s.router.replicas {
		_ = rep.sqlDB.Close()
	}
}

func (s *Store) watchReplicas() {
	r := s.router
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			for _, rep := range r.replicas {
				s.checkReplica(rep)
			}
		}
	}
}

// checkReplica measures one replica (see the comment at the top).
func (s *Store) checkReplica(rep *replica) {
	// A slow answer is not an outage: the bound is generous, and while the
	// check waits the age of what it last learned only grows, so the lag
	// bound still holds.
	ctx, cancel := context.WithTimeout(context.Background(), max(s.router.interval, 5*time.Second))
	defer cancel()
	asOf := time.Now()
	primary, err := s.primaryLSN(ctx)
	if err != nil {
		return // the primary's own trouble: keep what we knew, the probes report it
	}
	var st struct {
		InRecovery bool
		Replay     sql.NullString
		LagSeconds sql.NullFloat64
	}
	err = rep.sqlDB.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
		EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))::float8`).Scan(&st.InRecovery, &st.Replay, &st.LagSeconds)
	var replay uint64
	switch {
	case err != nil:
	case !st.InRecovery || !st.Replay.Valid:
		err = errors.New("not a standby (pg_is_in_recovery() is false): it would not follow the primary")
	default:
		replay, err = freshness.ParseLSN(st.Replay.String)
	}
	var fresh time.Time
	switch {
	case err != nil:
	case replay >= primary:
		fresh = asOf // everything written before asOf is there
	case st.LagSeconds.Valid:
		fresh = time.Now().Add(-time.Duration(st.LagSeconds.Float64 * float64(time.Second)))
	}
	rep.mu.Lock()
	was := rep.usable
	rep.usable, rep.err = err == nil, err
	if err == nil {
		rep.replayLSN, rep.freshAsOf = max(rep.replayLSN, replay), fresh
	}
	rep.mu.Unlock()
	switch {
	case was && err != nil:
		s.router.log.Warn("read replica unusable; its reads go to the primary", "replica", rep.name, "error", err)
	case !was && err == nil:
		s.router.log.Info("read replica usable", "replica", rep.name, "replay_lsn", freshness.FormatLSN(replay))
	}
}

// primaryLSN is the primary's WAL insert position as the end of the last
// record inserted. The insert position is past every commit that returned,
// even with synchronous_commit off; but when the last record ended on a
// page boundary it points past the next page's header (24 bytes; 40 at a
// segment's start), where no replica's replay position (the end of the last
// record it replayed) ever stops. walEnd moves it back to the boundary, so
// an idle replica that replayed everything compares equal.
func (s *Store) primaryLSN(ctx context.Context) (uint64, error) {
	var text string
	if err := s.sqlDB.QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&text); err != nil {
		return 0, err
	}
	lsn, err := freshness.ParseLSN(text)
	if err != nil {
		return 0, err
	}
	return s.router.walEnd(lsn), nil
}

// The sizes of PostgreSQL's WAL page headers (SizeOfXLogShortPHD,
// SizeOfXLogLongPHD on 64-bit builds).
const shortPageHeader, longPageHeader = 24, 40

func (r *router) walEnd(lsn uint64) uint64 {
	switch {
	case r.segSize > 0 && lsn%r.segSize == longPageHeader:
		return lsn - longPageHeader
	case r.blockSize > 0 && lsn%r.blockSize == shortPageHeader:
		return lsn - shortPageHeader
	}
	return lsn
}

// recordCommit hands the primary's WAL position after a committed
// transaction (primaryLSN) to the call's freshness sink, when the store has
// replicas: without them no read could use the token, and the query is
// saved.
func (s *Store) recordCommit(ctx context.Context) {
	sink := freshness.SinkFrom(ctx)
	if sink == nil || s.router == nil {
		return
	}
	lsn, err := s.primaryLSN(context.WithoutCancel(ctx))
	if err != nil {
		// The write committed; without a token the caller's reads go by
		// the lag bound instead.
		s.router.log.Warn("could not read the WAL position for a freshness token", "error", err)
		return
	}
	sink.Record(lsn)
}

// pick returns a replica fit for a read under p, or nil for the primary.
func (r *router) pick(ctx context.Context, p freshness.ReadPolicy) *replica {
	n := len(r.replicas)
	start := int(r.next.Add(1))
	for i := range n {
		rep := r.replicas[(start+i)%n]
		rep.mu.Lock()
		usable, replay, fresh := rep.usable, rep.replayLSN, rep.freshAsOf
		rep.mu.Unlock()
		switch {
		case !usable:
		case p.MinLSN != 0:
			if p.MinLSN <= replay || rep.caughtUp(ctx, p.MinLSN) {
				return rep
			}
		case time.Since(fresh) <= r.maxLag:
			return rep
		}
	}
	return nil
}

// caughtUp asks the replica whether it has replayed up to lsn now.
func (rep *replica) caughtUp(ctx context.Context, lsn uint64) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var replay sql.NullString
	if err := rep.sqlDB.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn()::text`).Scan(&replay); err != nil || !replay.Valid {
		return false
	}
	n, err := freshness.ParseLSN(replay.String)
	if err != nil {
		return false
	}
	rep.mu.Lock()
	rep.replayLSN = max(rep.replayLSN, n)
	rep.mu.Unlock()
	return n >= lsn
}

// read runs a read that may be served by a replica (see the top of this
// file): on the transaction ctx carries, else on a replica the call's
// policy allows, else on the primary. A replica's failure is logged and the
// read re-run on the primary.
func (s *Store) read(ctx context.Context, fn func(db *gorm.DB) error) error {
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); inTx || s.router == nil {
		return fn(s.conn(ctx))
	}
	p := freshness.PolicyFrom(ctx)
	var rep *replica
	if p.Replica {
		rep = s.router.pick(ctx, p)
	}
	if rep == nil {
		if p.Replica {
			s.router.primary.Add(1)
		}
		return fn(s.conn(ctx))
	}
	err := fn(rep.db.WithContext(ctx))
	if err == nil {
		s.router.replica.Add(1)
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	// Down, restarted, or a query cancelled by a recovery conflict: the
	// primary answers instead, and the next check decides whether the
	// replica serves again.
	s.router.fallback.Add(1)
	s.router.log.WarnContext(ctx, "read replica failed a read; the primary served it", "replica", rep.name, "error", err)
	rep.mu.Lock()
	rep.usable, rep.err = false, err
	rep.mu.Unlock()
	return fn(s.conn(ctx))
}

// Replicas reports each replica's last known state (nil without replicas).
func (s *Store) Replicas() []ReplicaState {
	if s.router == nil {
		return nil
	}
	out := make([]ReplicaState, len(s.router.replicas))
	for i, rep := range s.router.replicas {
		rep.mu.Lock()
		out[i] = ReplicaState{Name: rep.name, Usable: rep.usable, ReplayLSN: rep.replayLSN, Err: rep.err,
			Lag: time.Since(rep.freshAsOf)}
		rep.mu.Unlock()
	}
	return out
}

// ReadCounts reports where routed reads went since the store opened.
func (s *Store) ReadCounts() ReadCounts {
	if s.router == nil {
		return ReadCounts{}
	}
	return ReadCounts{Replica: s.router.replica.Load(), Primary: s.router.primary.Load(), Fallback: s.router.fallback.Load()}
}

// ReplicaMaxLag is the configured staleness bound (0 without replicas).
func (s *Store) ReplicaMaxLag() time.Duration {
	if s.router == nil {
		return 0
	}
	return s.router.maxLag
}
