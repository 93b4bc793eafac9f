package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// feedEvent is the next event of d (seq), as the lifecycle appends it.
func feedEvent(d *domain.Dossier, seq int64, a domain.Action) *domain.Event {
	return &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: seq, Action: a, To: domain.StatusReceived, StepIndex: -1,
		At: t0.Add(time.Duration(seq) * time.Minute), DossierVersion: seq, Hash: fmt.Sprint("h", seq)}
}

// readFeed reads f from its position in pages of limit until it holds
// want events (on PostgreSQL a transaction anywhere on the server may hold
// the horizon back for a moment), checking that positions only increase.
func readFeed(t *testing.T, s store.Store, f store.FeedFilter, limit, want int) ([]store.FeedEvent, store.FeedPosition) {
	t.Helper()
	var out []store.FeedEvent
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, horizon, err := s.ReadFeed(context.Background(), f, limit)
		must(t, err)
		if len(page) > limit {
			t.Fatalf("a page of %d events for a limit of %d", len(page), limit)
		}
		for _, e := range page {
			if !f.After.Less(e.Position) || horizon.Less(e.Position) {
				t.Fatalf("event at %+v read after %+v with horizon %+v", e.Position, f.After, horizon)
			}
			f.After = e.Position
		}
		out = append(out, page...)
		if len(page) < limit && f.After.Less(horizon) {
			f.After = horizon
		}
		if len(out) >= want && len(page) < limit {
			return out, f.After
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %d events of %d", len(out), want)
		}
		if len(page) < limit {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func ids(evs []store.FeedEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// testEventFeed: the feed lists committed events in commit order, pages
// without loss or repetition, continues from a horizon with exactly the
// later events, never shows a rolled-back event, and applies the scope and
// the filters in SQL.
func testEventFeed(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	start, err := s.FeedHorizon(ctx)
	must(t, err)
	a := Dossier("000.00.01.H55", "1.000001", 1)
	b := Dossier("000.00.01.H55", "1.000002", 2)
	b.Applicant.IDNumber = "001090000002"
	b.Step = domain.Step{Index: 0, Name: "Thẩm định", UnitCode: "000.01.01.H55", StartedAt: t0, DueAt: t0.Add(time.Hour)}
	must(t, s.CreateDossier(ctx, a))
	must(t, s.CreateDossier(ctx, b))
	var want []string
	// One transaction per event, alternating dossiers: commit order.
	for i := int64(1); i <= 6; i++ {
		d, act := a, domain.ActionReceive
		if i%2 == 0 {
			d, act = b, domain.ActionForward
		}
		e := feedEvent(d, (i+1)/2, act)
		must(t, s.InTx(ctx, func(ctx context.Context) error { return s.AppendEvent(ctx, e) }))
		want = append(want, e.ID)
	}
	// A rolled-back event never appears.
	rollback := errors.New("rolled back")
	if err := s.InTx(ctx, func(ctx context.Context) error {
		must(t, s.AppendEvent(ctx, feedEvent(a, 4, domain.ActionStop)))
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	all := store.FeedFilter{After: start, ScopeAll: true}
	for _, limit := range []int{1, 2, 4, 100} {
		got, _ := readFeed(t, s, all, limit, len(want))
		if !slices.Equal(ids(got), want) {
			t.Fatalf("pages of %d:\n got %v\nwant %v", limit, ids(got), want)
		}
		if got[0].DossierCode != a.Code || got[1].DossierCode != b.Code || got[1].Action != domain.ActionForward || got[1].Seq != 1 {
			t.Fatalf("first events: %+v", got[:2])
		}
	}
	// From the caught-up position: nothing, then exactly what commits next.
	_, caught := readFeed(t, s, all, 100, len(want))
	h, err := s.FeedHorizon(ctx)
	must(t, err)
	if h.Less(caught) {
		t.Fatalf("horizon %+v went back behind %+v", h, caught)
	}
	next := feedEvent(a, 4, domain.ActionResolve)
	must(t, s.AppendEvent(ctx, next))
	got, _ := readFeed(t, s, store.FeedFilter{After: caught, ScopeAll: true}, 100, 1)
	if !slices.Equal(ids(got), []string{next.ID}) {
		t.Fatalf("after the horizon: %v, want only %s", ids(got), next.ID)
	}
	want = append(want, next.ID)

	// Events 1, 3, 5 and the last are a's; 2, 4, 6 are b's.
	wantA := []string{want[0], want[2], want[4], next.ID}
	wantB := []string{want[1], want[3], want[5]}
	cases := []struct {
		name string
		f    store.FeedFilter
		want []string
	}{
		{"citizen of a", store.FeedFilter{ScopeCitizenID: "001090000001"}, wantA},
		{"citizen of b", store.FeedFilter{ScopeCitizenID: "001090000002"}, wantB},
		{"a stranger", store.FeedFilter{ScopeCitizenID: "001090000009"}, nil},
		{"agency at b's step", store.FeedFilter{ScopeAgencies: []string{"000.01.01.H55"}}, wantB},
		{"receiving agency", store.FeedFilter{ScopeAgencies: []string{"000.00.01.H55"}}, want},
		{"no scope", store.FeedFilter{}, nil},
		{"one dossier", store.FeedFilter{ScopeAll: true, DossierID: b.ID}, wantB},
		{"agency filter", store.FeedFilter{ScopeAll: true, AgencyCode: "000.01.01.H55"}, nil},
		{"actions", store.FeedFilter{ScopeAll: true, Actions: []domain.Action{domain.ActionForward, domain.ActionResolve}},
			append(slices.Clone(wantB), next.ID)},
	}
	for _, c := range cases {
		c.f.After = start
		got, _ := readFeed(t, s, c.f, 3, len(c.want))
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, ids(got), c.want)
		}
	}
}

// testGetDossiers: the dossiers with the ids, by id; unknown ids are left
// out.
func testGetDossiers(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	var idsIn []string
	for i := 1; i <= 3; i++ {
		d := Dossier("000.00.01.H55", "1.000001", i)
		must(t, s.CreateDossier(ctx, d))
		idsIn = append(idsIn, d.ID)
	}
	got, err := s.GetDossiers(ctx, []string{idsIn[2], uuid.NewString(), idsIn[0]})
	must(t, err)
	if len(got) != 2 || got[0].ID != idsIn[0] || got[1].ID != idsIn[2] || got[1].Code != domain.DossierCode("000.00.01.H55", t0, 3) ||
		got[0].Applicant.Name != "Nguyễn Văn A" {
		t.Fatalf("GetDossiers: %+v", got)
	}
	if got, err := s.GetDossiers(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %v", got, err)
	}
}
