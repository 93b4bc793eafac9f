package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/store/storetest"
)

// Group commit (group.go): transactions marked with a group key are
// committed several at a time. Every member is answered only after the
// commit holding its writes, gets its own outcome when another member
// fails, and a caller who gives up while queued runs nothing; numbers
// taken from a sequence stay gap-free through a failed group.
func TestGroupCommit(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			var url string
			if kind == "sqlite" {
				url = "sqlite:" + filepath.Join(t.TempDir(), "group.db")
			} else {
				url = pgtest.NewDatabase(t)
			}
			s := open(t, url, kind == "sqlite")
			other := open(t, url, false) // another pool: sees only what is committed
			testMutationGroups(t, s, other)
		})
	}
}

func testMutationGroups(t *testing.T, s, other *gormstore.Store) {
	ctx := context.Background()
	const key = "000.00.01.H55"
	grouped := app.WithGroupKey(ctx, key)

	// hold runs a member that blocks its lane until release is called, so
	// that the members started meanwhile queue and form groups.
	hold := func(t *testing.T) (release func()) {
		entered, gate := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			first := true
			done <- s.InTx(grouped, func(ctx context.Context) error {
				if first {
					first = false
					close(entered)
					<-gate
				}
				return nil
			})
		}()
		<-entered
		return func() {
			close(gate)
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
	// members starts n members; member i runs fn(i) (on every run) and,
	// once answered, finds its agency from the other pool.
	type result struct {
		err     error
		visible bool
		seq     int64
	}
	members := func(t *testing.T, prefix string, n int, fn func(ctx context.Context, i int, seq *int64) error) []result {
		release := hold(t)
		out := make([]result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				defer func() {
					if v := recover(); v != nil {
						out[i].err = fmt.Errorf("panicked: %v", v)
					}
				}()
				var seq int64
				out[i].err = s.InTx(grouped, func(ctx context.Context) error { return fn(ctx, i, &seq) })
				out[i].seq = seq
				_, err := other.GetAgency(ctx, fmt.Sprintf("%s.%02d", prefix, i))
				out[i].visible = err == nil
			})
		}
		time.Sleep(300 * time.Millisecond) // let them queue behind the held member
		release()
		wg.Wait()
		return out
	}
	create := func(prefix string) func(ctx context.Context, i int, seq *int64) error {
		return func(ctx context.Context, i int, seq *int64) error {
			var err error
			if *seq, err = s.NextSequence(ctx, key, prefix); err != nil {
				return err
			}
			return s.CreateAgency(ctx, storetest.Agency(fmt.Sprintf("%s.%02d", prefix, i), ""))
		}
	}

	t.Run("members commit together and are answered after their commit", func(t *testing.T) {
		before := s.GroupCommitStats()
		res := members(t, "G1", 40, create("G1"))
		var seqs []int64
		for i, r := range res {
			if r.err != nil || !r.visible {
				t.Fatalf("member %d: error %v, committed and visible elsewhere when answered: %v", i, r.err, r.visible)
			}
			seqs = append(seqs, r.seq)
		}
		slices.Sort(seqs)
		for i, v := range seqs {
			if v != int64(i+1) {
				t.Fatalf("sequence values %v are not 1..40", seqs)
			}
		}
		after := s.GroupCommitStats()
		groups, ms := after.Groups-before.Groups, after.Members-before.Members
		if ms != 41 || groups >= ms || after.Alone != before.Alone {
			t.Fatalf("%d members in %d groups, %d run alone: nothing was grouped", ms, groups, after.Alone-before.Alone)
		}
	})

	t.Run("a failing member gets its error alone; the others commit; numbers stay gap-free", func(t *testing.T) {
		boom := errors.New("boom")
		before := s.GroupCommitStats()
		res := members(t, "G2", 12, func(ctx context.Context, i int, seq *int64) error {
			if err := create("G2")(ctx, i, seq); err != nil {
				return err
			}
			if i == 5 {
				return boom // after writing: its writes must not stay
			}
			return nil
		})
		var seqs []int64
		for i, r := range res {
			switch {
			case i == 5 && (!errors.Is(r.err, boom) || r.visible):
				t.Fatalf("failing member: error %v, its agency visible: %v", r.err, r.visible)
			case i != 5 && (r.err != nil || !r.visible):
				t.Fatalf("member %d: error %v, visible %v", i, r.err, r.visible)
			case i != 5:
				seqs = append(seqs, r.seq)
			}
		}
		slices.Sort(seqs)
		for i, v := range seqs {
			if v != int64(i+1) {
				t.Fatalf("sequence values of the committed members %v are not 1..11", seqs)
			}
		}
		if s.GroupCommitStats().Alone == before.Alone {
			t.Fatal("no member was run again alone after the group failed")
		}
	})

	t.Run("a member that panics panics in its caller; the others commit", func(t *testing.T) {
		res := members(t, "G3", 6, func(ctx context.Context, i int, seq *int64) error {
			if err := create("G3")(ctx, i, seq); err != nil {
				return err
			}
			if i == 2 {
				panic("member 2")
			}
			return nil
		})
		for i, r := range res {
			switch {
			case i == 2 && (r.err == nil || r.err.Error() != "panicked: member 2" || r.visible):
				t.Fatalf("panicking member: %v, visible %v", r.err, r.visible)
			case i != 2 && (r.err != nil || !r.visible):
				t.Fatalf("member %d: error %v, visible %v", i, r.err, r.visible)
			}
		}
	})

	t.Run("a failed COMMIT re-runs every member alone; each gets its own outcome", func(t *testing.T) {
		// A deferred foreign key is checked at COMMIT: member 3's row
		// fails the group's commit, and then its own.
		for _, q := range []string{
			"CREATE TABLE grp_parent (id INTEGER PRIMARY KEY)",
			"CREATE TABLE grp_child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES grp_parent (id) DEFERRABLE INITIALLY DEFERRED)",
			"INSERT INTO grp_parent (id) VALUES (1)",
		} {
			if err := s.DB().Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		before := s.GroupCommitStats()
		res := members(t, "G5", 8, func(ctx context.Context, i int, seq *int64) error {
			if err := create("G5")(ctx, i, seq); err != nil {
				return err
			}
			parent := 1
			if i == 3 {
				parent = 999
			}
			return gormstore.TxOf(ctx).Exec("INSERT INTO grp_child (id, parent) VALUES (?, ?)", i, parent).Error
		})
		for i, r := range res {
			switch {
			case i == 3 && (r.err == nil || r.visible):
				t.Fatalf("the member whose commit must fail: error %v, visible %v", r.err, r.visible)
			case i != 3 && (r.err != nil || !r.visible):
				t.Fatalf("member %d: error %v, visible %v", i, r.err, r.visible)
			}
		}
		var children int64
		if err := other.DB().Raw("SELECT count(*) FROM grp_child").Scan(&children).Error; err != nil || children != 7 {
			t.Fatalf("%d child rows (%v), want the 7 of the members that may commit", children, err)
		}
		if s.GroupCommitStats().Alone-before.Alone < 8 {
			t.Fatalf("%d members run alone after the failed commit, want all 8", s.GroupCommitStats().Alone-before.Alone)
		}
	})

	t.Run("a caller who gives up while queued runs nothing", func(t *testing.T) {
		release := hold(t)
		cctx, cancel := context.WithCancel(grouped)
		var ran atomic.Bool
		done := make(chan error, 1)
		go func() {
			done <- s.InTx(cctx, func(ctx context.Context) error {
				ran.Store(true)
				return s.CreateAgency(ctx, storetest.Agency("G4.01", ""))
			})
		}()
		time.Sleep(100 * time.Millisecond)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("gave up while queued: %v", err)
		}
		release()
		if ran.Load() {
			t.Fatal("the member of a caller who gave up ran")
		}
		if _, err := other.GetAgency(ctx, "G4.01"); err == nil {
			t.Fatal("its agency exists")
		}
	})
}
