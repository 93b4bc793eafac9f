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
	for seq := int64(1); seq <= 3; seq++ {
		must(t, s.PutCheckpoint(ctx, &store.CheckpointRecord{Seq: seq, CreatedAt: t0.Add(time.Duration(seq) * time.Minute),
			TreeSize: int64(len(heads)), RootHash: "root", Note: "note"}, heads, 2))
	}
	wantErr(t, s.PutCheckpoint(ctx, &store.CheckpointRecord{Seq: 3, CreatedAt: t0, Note: "again"}, nil, 2), domain.ErrAlreadyExists)
	latest, err := s.GetCheckpoint(ctx, 0)
	must(t, err)
	if latest.Seq != 3 || latest.TreeSize != 3 || latest.Note != "note" || !latest.CreatedAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("latest: %+v", latest)
	}
	if c, err := s.GetCheckpoint(ctx, 1); err != nil || c.Seq != 1 {
		t.Fatalf("checkpoint 1: %+v %v", c, err)
	}
	leaves, err := s.ListCheckpointLeaves(ctx, 3, 1, 10)
	must(t, err)
	if len(leaves) != 2 || leaves[0].DossierID != heads[1].DossierID || leaves[1].LastSeq != heads[2].LastSeq {
		t.Fatalf("leaves of 3 from 1: %+v", leaves)
	}
	if old, err := s.ListCheckpointLeaves(ctx, 1, 0, 10); err != nil || len(old) != 0 {
		t.Fatalf("leaves of checkpoint 1 kept: %d %v", len(old), err)
	}
	if kept, err := s.ListCheckpointLeaves(ctx, 2, 0, 10); err != nil || len(kept) != 3 {
		t.Fatalf("leaves of checkpoint 2: %d %v", len(kept), err)
	}
}
