package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// testSync: the portal sync state — wanted versions only grow, a due
// delivery is claimed by one deliverer, failures back off and dead-letter,
// a success acknowledges the status changes up to its version, retry and
// resend re-arm, and the counts and reports read back.
func testSync(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	d1, d2 := Dossier("000.00.01.H55", "1.000001", 1), Dossier("000.00.01.H55", "1.000001", 2)
	must(t, s.CreateDossier(ctx, d1))
	must(t, s.CreateDossier(ctx, d2))
	mark := func(d *domain.Dossier, v int64, at time.Time, status bool) {
		t.Helper()
		must(t, s.InTx(ctx, func(ctx context.Context) error {
			return s.MarkSyncWanted(ctx, []store.SyncChange{{DossierID: d.ID, Version: v, Status: domain.StatusReceived, At: at, StatusChange: status}})
		}))
	}
	mark(d1, 2, t0, true)
	mark(d1, 1, t0.Add(-time.Hour), true) // an older change committed late never lowers the wanted version
	mark(d2, 1, t0.Add(time.Minute), true)
	st, err := s.GetSyncState(ctx, d1.ID)
	must(t, err)
	if st.WantedVersion != 2 || !st.WantedAt.Equal(t0) || st.DossierCode != d1.Code || !st.Pending() {
		t.Fatalf("state: %+v", st)
	}
	due, err := s.DueSyncs(ctx, t0, 10)
	must(t, err)
	if len(due) != 2 || due[0] != d1.ID {
		t.Fatalf("due: %v", due)
	}

	// One claim wins among concurrent deliverers.
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimSync(ctx, d1.ID, t0, t0.Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d claims won", wins)
	}
	if due, _ := s.DueSyncs(ctx, t0, 10); len(due) != 1 {
		t.Fatalf("a claimed dossier is still due: %v", due)
	}
	// A failure backs off, then dead-letters.
	must(t, s.FinishSync(ctx, d1.ID, store.SyncOutcome{Version: 2, At: t0, Err: "HTTP 503", NextAttemptAt: t0.Add(time.Minute)}))
	if due, _ := s.DueSyncs(ctx, t0.Add(30*time.Second), 10); len(due) != 1 || due[0] != d2.ID {
		t.Fatalf("due during backoff: %v", due)
	}
	must(t, s.FinishSync(ctx, d1.ID, store.SyncOutcome{Version: 2, At: t0.Add(time.Hour), Err: "gave up", DeadLetter: true}))
	st, _ = s.GetSyncState(ctx, d1.ID)
	if st.Attempts != 2 || st.LastError != "gave up" || !st.FirstFailedAt.Equal(t0) || !st.DeadLetteredAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("dead letter: %+v", st)
	}
	if due, _ := s.DueSyncs(ctx, t0.Add(2*time.Hour), 10); len(due) != 1 {
		t.Fatalf("a dead letter is due: %v", due)
	}
	dead, err := s.ListSyncStates(ctx, store.SyncFilter{View: store.SyncDeadLettered}, "", 10)
	must(t, err)
	if len(dead) != 1 || dead[0].DossierID != d1.ID {
		t.Fatalf("dead letters: %+v", dead)
	}
	c, err := s.CountSync(ctx, store.SyncFilter{Agencies: []string{"000.00.01.H55"}})
	must(t, err)
	if c.Dossiers != 2 || c.DeadLettered != 1 || c.OutOfSync != 2 || c.Synced != 0 || c.NeverSent != 2 {
		t.Fatalf("counts: %+v", c)
	}
	n, err := s.RetrySyncs(ctx, store.SyncFilter{}, t0.Add(2*time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("retried %d", n)
	}
	// A success acknowledges the status changes up to its version.
	must(t, s.FinishSync(ctx, d1.ID, store.SyncOutcome{Version: 2, At: t0.Add(3 * time.Hour)}))
	st, _ = s.GetSyncState(ctx, d1.ID)
	if st.Pending() || st.AckedVersion != 2 || st.Attempts != 0 || st.LastError != "" || !st.DeadLetteredAt.IsZero() {
		t.Fatalf("after success: %+v", st)
	}
	changes, err := s.ListSyncChanges(ctx, store.SyncFilter{DossierID: d1.ID}, time.Time{}, time.Time{})
	must(t, err)
	if len(changes) != 2 || changes[0].AckedAt.IsZero() || changes[1].AckedAt.IsZero() {
		t.Fatalf("changes: %+v", changes)
	}
	if cs, _ := s.ListSyncChanges(ctx, store.SyncFilter{}, t0, t0.Add(time.Hour)); len(cs) != 2 {
		t.Fatalf("changes in the hour from t0: %+v", cs)
	}
	// d1's stored version is 1; acknowledging 2 counts it synced.
	c, _ = s.CountSync(ctx, store.SyncFilter{})
	if c.Synced != 1 || c.OutOfSync != 1 || c.DeadLettered != 0 || c.NeverSent != 1 {
		t.Fatalf("counts after success: %+v", c)
	}
	// Resend re-arms an acknowledged dossier.
	n, err = s.ResendSyncs(ctx, store.SyncFilter{DossierID: d1.ID}, t0.Add(4*time.Hour))
	must(t, err)
	if st, _ := s.GetSyncState(ctx, d1.ID); n != 1 || !st.Resend || !st.Pending() {
		t.Fatalf("resend: %d %+v", n, st)
	}
	// Reconciliation reports round-trip.
	r := &store.Reconciliation{ID: uuid.NewString(), AgencyCode: "000.00.01.H55", StartedAt: t0, FinishedAt: t0.Add(time.Second),
		Checked: 2, Matched: 1, Missing: 1, Findings: []store.Finding{{DossierID: d2.ID, DossierCode: d2.Code, Kind: "MISSING"}}}
	must(t, s.PutReconciliation(ctx, r))
	got, err := s.GetReconciliation(ctx, r.ID)
	must(t, err)
	if got.Missing != 1 || len(got.Findings) != 1 || got.Findings[0].DossierCode != d2.Code || !got.StartedAt.Equal(t0) {
		t.Fatalf("report: %+v", got)
	}
	list, err := s.ListReconciliations(ctx, []string{"000.00.01.H55"}, 5)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("reports: %+v", list)
	}
	_, err = s.GetReconciliation(ctx, uuid.NewString())
	wantErr(t, err, domain.ErrNotFound)
}
