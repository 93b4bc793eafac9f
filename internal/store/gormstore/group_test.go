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

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store"
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

	// catalog creates an agency and a procedure of it, for dossiers.
	catalog := func(t *testing.T, agency, proc string) {
		t.Helper()
		if err := s.CreateAgency(ctx, storetest.Agency(agency, "")); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateProcedure(ctx, storetest.Procedure(proc, agency)); err != nil {
			t.Fatal(err)
		}
	}

	// On PostgreSQL a group keeps its members' intake rows and sends them
	// at its end in one statement (deferred.go); on SQLite they are written
	// at once. Either way: every row lands, aggregate rows are summed, a
	// member reads its own writes and those of the members before it, and
	// a duplicate request id in one group leaves exactly one winner.
	t.Run("intake rows: written, summed, read back, a duplicate refused", func(t *testing.T) {
		const agency, proc = "GD", "9.000001"
		catalog(t, agency, proc)
		intake := func(read bool, requestID func(i int) string) func(ctx context.Context, i int, seq *int64) error {
			return func(ctx context.Context, i int, seq *int64) error {
				var err error
				if *seq, err = s.NextSequence(ctx, agency, "day"); err != nil {
					return err
				}
				d := storetest.Dossier(agency, proc, int(*seq))
				ev := &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: 1, Action: domain.ActionReceive,
					To: domain.StatusReceived, StepIndex: -1, At: d.CreatedAt, DossierVersion: 1, Hash: "h1",
					Details: map[string]string{"code": d.Code}}
				var v indicators.Vector
				v[0] = 1
				for _, err := range []error{
					s.CreateDossier(ctx, d),
					s.PutSlipRow(ctx, &domain.SlipRow{DossierID: d.ID, StepIndex: 0, StepName: "first", UnitCode: agency,
						Role: domain.RoleSpecialist, StartedAt: d.CreatedAt, DueAt: d.DueAt}),
					s.PutSlipRow(ctx, &domain.SlipRow{DossierID: d.ID, StepIndex: 0, StepName: "again", UnitCode: agency,
						Role: domain.RoleSpecialist, StartedAt: d.CreatedAt, DueAt: d.DueAt}), // the last write wins
					s.ApplyStats(ctx, []indicators.Delta{{Key: indicators.KeyOf(d, "HT", time.UTC), Vector: v}}),
					s.AppendEvent(ctx, ev),
					s.SaveRequest(ctx, &store.RequestRecord{Principal: "p", RequestID: requestID(i), Method: "m",
						RequestHash: "x", Response: []byte{byte(i)}, CreatedAt: d.CreatedAt}),
					s.CreateAgency(ctx, storetest.Agency(fmt.Sprintf("GD%s.%02d", requestID(i)[:2], i), "")),
				} {
					if err != nil {
						return err
					}
				}
				if read { // its own rows, and the member's before it
					got, err := s.GetDossier(ctx, d.ID)
					if err != nil || got.Code != d.Code {
						return fmt.Errorf("own dossier read back: %v %v", got, err)
					}
					if evs, err := s.ListEvents(ctx, d.ID, 0, 10); err != nil || len(evs) != 1 {
						return fmt.Errorf("own events read back: %d, %v", len(evs), err)
					}
					if *seq > 1 {
						if _, err := s.GetDossierByCode(ctx, domain.DossierCode(agency, d.CreatedAt, *seq-1)); err != nil {
							return fmt.Errorf("the dossier numbered before it: %v", err)
						}
					}
				}
				return nil
			}
		}
		check := func(t *testing.T, res []result, wantDossiers int64) {
			t.Helper()
			for i, r := range res {
				if r.err != nil {
					t.Fatalf("member %d: %v", i, r.err)
				}
			}
			for _, c := range []struct {
				q    string
				want int64
			}{
				{"SELECT count(*) FROM dossiers WHERE agency_code = 'GD'", wantDossiers},
				{"SELECT count(*) FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id WHERE d.agency_code = 'GD'", wantDossiers},
				{"SELECT count(*) FROM process_control_slips p JOIN dossiers d ON d.id = p.dossier_id WHERE d.agency_code = 'GD' AND p.step_name = 'again'", wantDossiers},
				{"SELECT count(*) FROM requests WHERE principal = 'p'", wantDossiers},
				{"SELECT COALESCE(SUM(filed), 0) FROM dossier_stats WHERE agency_code = 'GD' AND period = 'D'", wantDossiers},
				{"SELECT COALESCE(SUM(filed), 0) FROM dossier_stats WHERE agency_code = 'GD' AND period = 'Y'", wantDossiers},
			} {
				var got int64
				if err := other.DB().Raw(c.q).Scan(&got).Error; err != nil || got != c.want {
					t.Fatalf("%s: %d (%v), want %d", c.q, got, err, c.want)
				}
			}
		}
		res := members(t, "GDw", 8, intake(false, func(i int) string { return fmt.Sprintf("w-%d", i) }))
		check(t, res, 8)
		before := s.GroupCommitStats()
		res = members(t, "GDr", 8, intake(true, func(i int) string { return fmt.Sprintf("r-%d", i) }))
		check(t, res, 16)
		if s.GroupCommitStats().Alone != before.Alone { // a read that missed a write fails its group
			t.Fatal("members that read back what their group wrote were run again alone")
		}

		before = s.GroupCommitStats()
		res = members(t, "GDd", 6, intake(false, func(i int) string { return fmt.Sprintf("d-%d", min(i, 4)) }))
		var dup int
		for i, r := range res {
			var ae *domain.AlreadyExistsError
			switch {
			case errors.As(r.err, &ae) && ae.Kind == "request" && i >= 4:
				dup++
			case r.err != nil:
				t.Fatalf("member %d: %v", i, r.err)
			}
		}
		if dup != 1 {
			t.Fatalf("%d members refused for the request id two of them share, want 1", dup)
		}
		if s.GroupCommitStats().Alone == before.Alone {
			t.Fatal("the group with the duplicate was not run again member by member")
		}
		check(t, nil, 21)
	})

	// The rows a group writes in its one statement (deferred.go, on
	// PostgreSQL) are the rows gorm writes for the same values outside a
	// group, column for column.
	t.Run("a grouped intake stores the rows a lone one does", func(t *testing.T) {
		const agency, proc = "GE", "9.000002"
		catalog(t, agency, proc)
		at := time.Date(2026, 2, 13, 3, 4, 5, 123456000, time.UTC)
		write := func(ctx context.Context, seq int) (string, error) {
			d := storetest.Dossier(agency, proc, seq)
			d.Representative = &domain.Representative{Name: "B", IDNumber: "001090000002", MandateRef: "UQ-1"}
			d.Form = map[string]string{"ten_doanh_nghiep": "An Phát"}
			d.Handoff = &domain.Handoff{Status: domain.HandoffPending, Source: "test", UpdatedAt: at}
			d.Identity = &domain.IdentityVerification{Matched: true, Source: "CSDLQGDC", QueryID: "q1", VerifiedAt: at}
			d.Result = &domain.Result{Electronic: true, Signer: "Chủ tịch", IssuedAt: at}
			d.Step = domain.Step{Index: 0, Name: "first", UnitCode: agency, StartedAt: at, DueAt: at.Add(time.Hour)}
			ev := &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: 1, Action: domain.ActionReceive, To: domain.StatusReceived,
				StepIndex: 0, At: at, Note: "ghi chú", RequestID: "rq", DossierVersion: 1, Hash: "h1",
				Attribution: domain.Attribution{Channel: domain.ChannelCounter, ActorID: "clerk-1", ActorRole: domain.RoleClerk,
					ActorAgency: agency, ActorKind: domain.ActorStaff, OnBehalfOf: "001090000001", ClientAddress: "127.0.0.1:1"},
				Details: map[string]string{"procedure_version": "1"}, State: map[string]string{"status": "RECEIVED"}}
			return d.ID, s.InTx(ctx, func(ctx context.Context) error {
				for _, err := range []error{
					s.CreateDossier(ctx, d),
					s.PutSlipRow(ctx, &domain.SlipRow{DossierID: d.ID, StepIndex: 0, StepName: "first", UnitCode: agency,
						Role: domain.RoleSpecialist, Assignee: "cv1", StartedAt: at, DueAt: at.Add(time.Hour)}),
					s.AppendEvent(ctx, ev),
					s.SaveRequest(ctx, &store.RequestRecord{Principal: "pe", RequestID: d.ID, Method: "m", RequestHash: "x",
						Response: []byte("answer"), CreatedAt: at}),
				} {
					if err != nil {
						return err
					}
				}
				return nil
			})
		}
		grouped, err := write(grouped, 1)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := write(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct{ sql, by string }{
			{"SELECT * FROM dossiers WHERE id = ?", "id"},
			{"SELECT * FROM process_control_slips WHERE dossier_id = ?", "dossier_id"},
			{"SELECT * FROM dossier_events WHERE dossier_id = ?", "dossier_id"},
			{"SELECT * FROM requests WHERE principal = 'pe' AND request_id = ?", "request_id"},
		} {
			rows := [2]map[string]any{}
			for i, id := range []string{grouped, alone} {
				rows[i] = map[string]any{}
				if err := other.DB().Raw(q.sql, id).Scan(&rows[i]).Error; err != nil || len(rows[i]) == 0 {
					t.Fatalf("%s: %v %v", q.sql, rows[i], err)
				}
				for _, k := range []string{q.by, "id", "code", "pos", "tx_id"} { // the columns that differ by construction
					delete(rows[i], k)
				}
			}
			if fmt.Sprint(rows[0]) != fmt.Sprint(rows[1]) {
				t.Errorf("%s\n grouped: %v\n alone:   %v", q.sql, rows[0], rows[1])
			}
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

// Fewer lanes than agencies (Options.GroupLanes): intakes of different
// agencies that share a lane share its groups, and still nothing is
// weakened — every agency's numbers stay gap-free and no group fails (an
// agency maps to one lane, so groups of two lanes never wait for each
// other's locks: no deadlock to break by running members alone).
func TestGroupLanes(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := gormstore.OpenWith(ctx, url, gormstore.Options{GroupLanes: -1}); err == nil {
		t.Fatal("GroupLanes -1 was accepted")
	}
	take := func(s *gormstore.Store, key string) (int64, error) {
		var seq int64
		err := s.InTx(app.WithGroupKey(ctx, key), func(ctx context.Context) (err error) {
			seq, err = s.NextSequence(ctx, key, "lanes")
			return err
		})
		return seq, err
	}

	t.Run("one lane: agencies share its groups", func(t *testing.T) {
		s, err := gormstore.OpenWith(ctx, url, gormstore.Options{GroupLanes: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// A member of agency A holds the one lane: B's intakes wait for it.
		entered, gate, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			held <- s.InTx(app.WithGroupKey(ctx, "A"), func(context.Context) error {
				close(entered)
				<-gate
				return nil
			})
		}()
		<-entered
		release := sync.OnceFunc(func() { close(gate) })
		defer release() // a failure below must not leave the lane held: Close waits for it
		before := s.GroupCommitStats()
		var wg sync.WaitGroup
		var answered atomic.Int32
		seqs := map[string][]int64{}
		var mu sync.Mutex
		for i := range 20 {
			key := []string{"A", "B"}[i%2]
			wg.Go(func() {
				seq, err := take(s, key)
				answered.Add(1)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				seqs[key] = append(seqs[key], seq)
				mu.Unlock()
			})
		}
		time.Sleep(300 * time.Millisecond)
		if n := answered.Load(); n != 0 {
			t.Errorf("%d intakes were answered while the one lane was held: agencies did not share it", n)
		}
		release()
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for key, got := range seqs {
			slices.Sort(got)
			for i, v := range got {
				if v != int64(i+1) {
					t.Fatalf("agency %s: numbers %v are not 1..%d", key, got, len(got))
				}
			}
		}
		after := s.GroupCommitStats()
		if ms, gs := after.Members-before.Members, after.Groups-before.Groups; ms != 21 || gs >= 11 || after.Alone != before.Alone {
			t.Fatalf("%d members in %d groups, %d alone: want 21 in fewer groups than with one agency each, none alone",
				ms, gs, after.Alone-before.Alone)
		}
	})

	t.Run("two lanes, eleven agencies, many clients: gap-free, no group fails", func(t *testing.T) {
		s, err := gormstore.OpenWith(ctx, url, gormstore.Options{GroupLanes: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		before := s.GroupCommitStats()
		const clients, each = 32, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		seqs := map[string][]int64{}
		for c := range clients {
			wg.Go(func() {
				for k := range each {
					key := fmt.Sprintf("L%02d", (c+k)%11)
					seq, err := take(s, key)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seqs[key] = append(seqs[key], seq)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		total := 0
		for key, got := range seqs {
			slices.Sort(got)
			total += len(got)
			for i, v := range got {
				if v != int64(i+1) {
					t.Fatalf("agency %s: numbers %v are not 1..%d", key, got, len(got))
				}
			}
		}
		after := s.GroupCommitStats()
		if total != clients*each || after.Alone != before.Alone || after.Groups-before.Groups >= int64(total) {
			t.Fatalf("%d of %d intakes answered; %d members in %d groups, %d run alone after a failed group",
				total, clients*each, after.Members-before.Members, after.Groups-before.Groups, after.Alone-before.Alone)
		}
	})
}
