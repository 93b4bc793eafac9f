package gormstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
)

// Group commit (docs/design.md, "Group commit"): transactions marked with
// a group key (app.GroupKey) — the mutation funnel's, whose fn looks its
// own idempotency record up first — are run by their lane's executor,
// several to a database transaction, so that one commit (one WAL flush, one fsync on
// SQLite) acknowledges all of them, and the row locks an intake takes (the
// day's number at its agency, the aggregate rows) are held for one flush
// per group rather than one per intake.
//
// Nothing is weakened. A caller is answered only after the commit that
// holds its writes returned. When any member fails — its own error, a
// database error, a failed or ambiguous COMMIT — the whole group is rolled
// back and every member that ran is run again alone (a panic is re-raised
// in its own caller), in a transaction of
// its own, as it would have been without grouping: so each gets exactly
// its own outcome, codes stay gap-free (a rolled-back number is reused)
// and versions exact (a member sees the writes of those before it, as a
// later transaction would). Running a member again after a COMMIT whose
// outcome is unknown is safe only because its fn finds its own recorded
// answer if that commit did land; that is why only Mutate's work joins.
//
// In a lane one group runs its statements at a time, and only then takes
// row locks; on PostgreSQL the lane's next group starts while the previous
// one's COMMIT is being flushed (a committing group holds its locks but
// waits for none, so no two groups of a lane can deadlock). SQLite has one writer: a group holds the
// writer queue until its commit returned.
//
// Members carry a key (app.GroupKey: an intake's agency); members with
// different keys never wait for each other's row locks, so each lane,
// chosen by the key's hash, runs its groups in parallel with the others'.
type grouper struct {
	lanes                  []*lane
	open                   chan struct{} // groups between BEGIN and the end of COMMIT, at most cap
	groups, members, alone atomic.Int64  // GroupCommitStats
}

// lane is one executor and the members waiting for it.
type lane struct {
	once    sync.Once // starts the executor
	closing sync.Once
	ops     chan *groupOp
	quit    chan struct{}
	stopped chan struct{}
}

func newGrouper(lanes int) *grouper {
	g := &grouper{lanes: make([]*lane, lanes), open: make(chan struct{}, maxOpenGroups)}
	for i := range g.lanes {
		g.lanes[i] = &lane{ops: make(chan *groupOp), quit: make(chan struct{}), stopped: make(chan struct{})}
	}
	return g
}

// maxGroup bounds the members of one group: a group's locks are held until
// its last member ran, and a failure re-runs them all.
const maxGroup = 32

// DefaultGroupLanes is how many lanes there are on PostgreSQL unless
// Options.GroupLanes says otherwise: two per CPU. A lane's executor runs
// one group's statements at a time, so lanes are how many groups do so in
// parallel; fewer of them gather more members per group, and a group pays
// its BEGIN, subscription read, deferred insert and COMMIT once for all.
// Measured at eleven agencies (docs/PERFORMANCE.md, "Group lanes"): on two
// CPUs, 4 lanes carried about 40 % more intakes at 32 clients than 256
// (one per agency), as many at 8; 1 lane made the groups' statements wait
// for one another. Any count keeps every guarantee: an agency always maps
// to one lane, so the day's number and aggregate rows of an agency are
// only ever locked by one lane's groups, and in a lane only the group
// running statements takes locks (the others are committing).
func DefaultGroupLanes() int { return 2 * runtime.GOMAXPROCS(0) }

// MaxGroupLanes bounds Options.GroupLanes (a lane is a goroutine once used).
const MaxGroupLanes = 1024

// groupBound is a group's deadline when its members' are earlier or they
// have none.
const groupBound = 30 * time.Second

// maxOpenGroups bounds the groups open at once on PostgreSQL, running
// their statements or flushing their COMMIT: each holds one of the pool's
// connections (32 by default), and half are left to everything else.
const maxOpenGroups = 16

const (
	opQueued int32 = iota
	opRunning
	opSkipped
)

type groupOp struct {
	ctx   context.Context
	fn    func(ctx context.Context) error
	state atomic.Int32
	done  chan groupResult // buffered: the executor never blocks on it
}

type groupResult struct {
	err   error
	alone bool // run again in a transaction of its own
	panic any  // fn panicked: re-raised in the caller's goroutine
}

// GroupCommitStats counts groups committed, the members they acknowledged
// and the members run again alone after a group failed, and says how many
// lanes there are (0: group commit is off).
type GroupCommitStats struct{ Groups, Members, Alone, Lanes int64 }

// GroupCommitStats reports the group commit's counters (metrics).
func (s *Store) GroupCommitStats() GroupCommitStats {
	if s.group == nil {
		return GroupCommitStats{}
	}
	return GroupCommitStats{Groups: s.group.groups.Load(), Members: s.group.members.Load(), Alone: s.group.alone.Load(),
		Lanes: int64(len(s.group.lanes))}
}

// inGroup runs fn as a member of a group of its key's lane and returns
// its outcome.
func (s *Store) inGroup(ctx context.Context, key string, fn func(ctx context.Context) error) error {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	l := s.group.lanes[h.Sum32()%uint32(len(s.group.lanes))]
	l.once.Do(func() { go s.runGroups(l) })
	op := &groupOp{ctx: ctx, fn: fn, done: make(chan groupResult, 1)}
	select {
	case l.ops <- op:
	case <-l.quit: // the store is closing: no executor any more
		return s.inTxAlone(ctx, fn)
	case <-ctx.Done():
		return ctx.Err()
	}
	var r groupResult
	select {
	case r = <-op.done:
	case <-ctx.Done():
		// Queued, it will never run; running, it may still commit, as a
		// transaction may whose caller's deadline passes during COMMIT:
		// the caller's retry with the same request id finds the answer.
		// Either way the caller is answered within its deadline, even
		// when the database hangs (TestPostgresOutageUnderLoad).
		op.state.CompareAndSwap(opQueued, opSkipped)
		return ctx.Err()
	}
	switch {
	case r.panic != nil:
		panic(r.panic)
	case r.alone:
		s.group.alone.Add(1)
		return s.inTxAlone(ctx, fn)
	}
	return r.err
}

// runGroups is the executor: it takes every member waiting (up to
// maxGroup) and runs them as one group, until the store closes.
func (s *Store) runGroups(g *lane) {
	defer close(g.stopped)
	var inflight sync.WaitGroup
	defer inflight.Wait()
	for {
		var batch []*groupOp
		select {
		case op := <-g.ops:
			batch = append(batch, op)
		case <-g.quit:
			return
		}
	gather:
		for len(batch) < maxGroup {
			select {
			case op := <-g.ops:
				batch = append(batch, op)
			default:
				break gather
			}
		}
		s.group.open <- struct{}{}
		release, err := s.queueWriter(context.Background())
		if err != nil { // cannot happen with a context that never ends
			<-s.group.open
			for _, op := range batch {
				op.done <- groupResult{alone: true}
			}
			continue
		}
		tx, ran, cancel := s.runGroup(batch)
		if s.writer != nil || tx == nil { // SQLite: one writer, so commit before the next group
			s.commitGroup(tx, ran, cancel)
			release()
			<-s.group.open
			continue
		}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			s.commitGroup(tx, ran, cancel)
			<-s.group.open
		}()
	}
}

// runGroup begins a transaction and runs the members in it, in arrival
// order. It returns the transaction still open, the members that ran and
// the release of the group's deadline, or a nil transaction once every
// member has its answer (a failure).
func (s *Store) runGroup(batch []*groupOp) (*gorm.DB, []*groupOp, context.CancelFunc) {
	// The group's statements and COMMIT end by the latest of its members'
	// deadlines: by then every caller has given up, and a database that
	// hangs must not hold the lane (or its connection) for longer.
	dl := time.Now().Add(groupBound)
	for _, op := range batch {
		if d, ok := op.ctx.Deadline(); ok && d.After(dl) {
			dl = d
		}
	}
	gctx, cancel := context.WithDeadline(context.Background(), dl)
	tx := s.db.WithContext(gctx).Begin()
	if tx.Error != nil {
		cancel()
		for _, op := range batch {
			if op.state.CompareAndSwap(opQueued, opRunning) {
				op.done <- groupResult{alone: true}
			}
		}
		return nil, nil, nil
	}
	ran := make([]*groupOp, 0, len(batch))
	memo := &groupMemo{}
	if s.dialect == Postgres {
		memo.deferred = &deferredWrites{tracer: s.tracer}
	}
	// fail undoes the group: the member that panicked (if any) gets its
	// panic, every other member that ran or was still to run (rest) runs
	// again alone.
	fail := func(panicked *groupOp, p any, rest []*groupOp) (*gorm.DB, []*groupOp, context.CancelFunc) {
		tx.Rollback()
		for _, o := range ran {
			if o == panicked {
				o.done <- groupResult{panic: p}
			} else {
				o.done <- groupResult{alone: true}
			}
		}
		for _, o := range rest {
			if o.state.CompareAndSwap(opQueued, opRunning) {
				o.done <- groupResult{alone: true}
			}
		}
		cancel()
		return nil, nil, nil
	}
	for i, op := range batch {
		if !op.state.CompareAndSwap(opQueued, opRunning) {
			continue // its caller gave up while it waited
		}
		ran = append(ran, op)
		switch p, err := runMember(tx, memo, op, dl); {
		case p != nil:
			return fail(op, p, batch[i+1:])
		case err != nil:
			return fail(nil, nil, batch[i+1:])
		}
	}
	if memo.deferred != nil {
		links := make([]trace.Link, len(ran))
		for i, o := range ran {
			links[i] = trace.LinkFromContext(o.ctx)
		}
		if err := memo.deferred.flush(gctx, tx.Statement.ConnPool, links...); err != nil {
			return fail(nil, nil, nil) // as a member's failure: each learns its own outcome alone
		}
	}
	return tx, ran, cancel
}

// runMember runs one member's fn in the group's transaction with the
// member's own context values (tracing, the caller's principal) but not
// its cancellation — a statement cancelled mid-way would break the
// connection, and with it every other member's work — only the group's
// deadline.
func runMember(tx *gorm.DB, memo *groupMemo, op *groupOp, deadline time.Time) (p any, err error) {
	defer func() {
		if v := recover(); v != nil {
			p = v
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	ctx, cancel := context.WithDeadline(context.WithoutCancel(op.ctx), deadline)
	defer cancel()
	ctx = context.WithValue(ctx, groupMemoKey{}, memo)
	return nil, op.fn(context.WithValue(ctx, txKey{}, tx.WithContext(ctx)))
}

// groupMemo holds what the members of one group read once for all
// (EnabledWebhooks); only the executor's goroutine touches it.
type groupMemo struct {
	webhooksRead bool
	webhooks     []domain.Webhook
	deferred     *deferredWrites // PostgreSQL: the members' inserts, sent at the group's end (deferred.go)
}

type groupMemoKey struct{}

// commitGroup commits a group and answers its members: nil to each after
// a COMMIT that returned, "alone" to each otherwise.
func (s *Store) commitGroup(tx *gorm.DB, ran []*groupOp, cancel context.CancelFunc) {
	if tx == nil {
		return
	}
	defer cancel()
	if len(ran) == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit().Error; err != nil {
		for _, op := range ran {
			op.done <- groupResult{alone: true}
		}
		return
	}
	s.group.groups.Add(1)
	s.group.members.Add(int64(len(ran)))
	for _, op := range ran {
		s.writes.record(nil)
		s.recordCommit(op.ctx)
		op.done <- groupResult{}
	}
}

// stopGroups stops the executor, once the groups under way are answered;
// a member arriving later runs alone.
func (s *Store) stopGroups() {
	if s.group == nil {
		return
	}
	for _, l := range s.group.lanes {
		l.once.Do(func() { close(l.stopped) }) // never started: nothing to wait for
		l.closing.Do(func() { close(l.quit) })
		<-l.stopped
	}
}
