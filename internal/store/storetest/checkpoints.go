package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// testEventState: an event's sealed state round-trips; an event without
// one reads back without one.
func testEventState(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	d := Dossier("000.00.01.H55", "1.000001", 1)
	must(t, s.CreateDossier(ctx, d))
	for i, state := range []map[string]string{nil, {"status": "2", "filed_by": "4"}} {
		must(t, s.AppendEvent(ctx, &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: int64(i + 1), Action: domain.ActionReceive,
			To: domain.StatusReceived, StepIndex: -1, At: t0, DossierVersion: int64(i + 1), State: state, Hash: "h"}))
	}
	evs, err := s.ListEvents(ctx, d.ID, 0, 10)
	must(t, err)
	if len(evs) != 2 || evs[0].State != nil || evs[1].State["filed_by"] != "4" || len(evs[1].State) != 2 {
		t.Fatalf("states: %v, %v", evs[0].State, evs[1].State)
	}
	all, err := s.ListEventsOf(ctx, []string{d.ID})
	must(t, err)
	if len(all) != 2 || all[1].State["status"] != "2" {
		t.Fatalf("ListEventsOf states: %+v", all)
	}
}

// testCheckpoints: heads of every dossier by id; a checkpoint and its
// leaves stored and read back, the latest by default, old leaves pruned.
func testCheckpoints(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)

	for i := 1; i <= 3; i++ {
		d := Dossier("000.00.01.H55", "1.000001", i)
		d.LastEventSeq, d.LastEventHash = int64(i), "hash"
		must(t, s.CreateDossier(ctx, d))

	}
	heads, err := s.ListAllChainHeads(ctx, "", 2)
	must(t, err)
	if len(heads) != 2 || heads[0].DossierID >= heads[1].DossierID {
		t.Fatalf("heads page 1: %+v", heads)
	}
	rest, err := s.ListAllChainHeads(ctx, heads[1].DossierID, 2)
	must(t, err)
	if len(rest) != 1 || rest[0].LastHash != "hash" {
		t.Fatalf("heads page 2: %+v", rest)
	}
	heads = append(heads, rest...)
	_, err = s.GetCheckpoint(ctx, 0)
	wantErr(t, err, domain.ErrNotFound)
	// Checkpoint 1 has every head; 2 nothing changed; 3 the second head moved.
	moved := heads[1]
	moved.LastSeq, moved.LastHash = 9, "moved"
	for seq, changed := range map[int64][]domain.ChainHead{1: heads, 2: nil, 3: {moved}} {
		must(t, s.PutCheckpoint(ctx, &store.CheckpointRecord{Seq: seq, CreatedAt: t0.Add(time.Duration(seq) * time.Minute),
			TreeSize: int64(len(heads)), RootHash: "root", Note: "note"}, changed))
	}
	wantErr(t, s.PutCheckpoint(ctx, &store.CheckpointRecord{Seq: 3, CreatedAt: t0, Note: "again"}, nil), domain.ErrAlreadyExists)
	latest, err := s.GetCheckpoint(ctx, 0)
	must(t, err)
	if latest.Seq != 3 || latest.TreeSize != 3 || latest.Note != "note" || !latest.CreatedAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("latest: %+v", latest)
	}
	if c, err := s.GetCheckpoint(ctx, 1); err != nil || c.Seq != 1 {
		t.Fatalf("checkpoint 1: %+v %v", c, err)
	}
	for seq, want := range map[int64][]domain.ChainHead{1: heads, 2: heads, 3: {heads[0], moved, heads[2]}} {
		got, err := s.ListCheckpointLeaves(ctx, seq, "", 10)
		must(t, err)
		if len(got) != 3 {
			t.Fatalf("leaves of %d: %+v", seq, got)
		}
		for i := range got {
			if got[i].DossierID != want[i].DossierID || got[i].LastSeq != want[i].LastSeq || got[i].LastHash != want[i].LastHash {
				t.Fatalf("leaf %d of checkpoint %d: %+v, want %+v", i, seq, got[i], want[i])
			}
		}
	}
	page, err := s.ListCheckpointLeaves(ctx, 3, heads[0].DossierID, 1)
	must(t, err)
	if len(page) != 1 || page[0].LastHash != "moved" {
		t.Fatalf("leaves after the first: %+v", page)
	}
}
