package audit

import (
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

func chain(n int) (domain.ChainHead, []domain.Event) {
	var evs []domain.Event
	prev := ""
	for i := 1; i <= n; i++ {
		e := domain.Event{ID: "e", DossierID: "d", Seq: int64(i), Action: domain.ActionForward, At: time.Unix(int64(i), 0),
			Details: map[string]string{"k": "v"}, Attribution: domain.Attribution{ActorID: "a"}}
		Seal(&e, prev)
		prev = e.Hash
		evs = append(evs, e)
	}
	return domain.ChainHead{DossierID: "d", LastSeq: int64(n), LastHash: prev}, evs
}

func TestVerify(t *testing.T) {
	head, evs := chain(4)
	if b := Verify(head, evs); b != nil {
		t.Fatalf("intact chain broken: %+v", b)
	}
	cases := map[string]struct {
		edit func(h *domain.ChainHead, e []domain.Event) []domain.Event
		want string
		seq  int64
	}{
		"edited note": {func(h *domain.ChainHead, e []domain.Event) []domain.Event { e[1].Note = "x"; return e }, HashMismatch, 2},
		"edited detail": {func(h *domain.ChainHead, e []domain.Event) []domain.Event {
			e[2].Details = map[string]string{"k": "w"}
			return e
		}, HashMismatch, 3},
		"edited actor kind": {func(h *domain.ChainHead, e []domain.Event) []domain.Event { e[0].Attribution.ActorKind = 1; return e }, HashMismatch, 1},
		"deleted middle":    {func(h *domain.ChainHead, e []domain.Event) []domain.Event { return append(e[:1:1], e[2:]...) }, SequenceGap, 2},
		"deleted and renumbered": {func(h *domain.ChainHead, e []domain.Event) []domain.Event {
			e = append(e[:1:1], e[2:]...)
			for i := range e {
				e[i].Seq = int64(i + 1)
			}
			return e
		}, PrevHashMismatch, 2},
		"deleted tail": {func(h *domain.ChainHead, e []domain.Event) []domain.Event { return e[:3] }, HeadMismatch, 3},
		"reordered": {func(h *domain.ChainHead, e []domain.Event) []domain.Event {
			e[1], e[2] = e[2], e[1]
			e[1].Seq, e[2].Seq = 2, 3
			return e
		}, PrevHashMismatch, 2},
		"inserted at end with a valid hash": {func(h *domain.ChainHead, e []domain.Event) []domain.Event {
			x := domain.Event{ID: "x", DossierID: "d", Seq: 5, Action: domain.ActionResolve}
			Seal(&x, e[3].Hash)
			return append(e, x)
		}, HeadMismatch, 5},
		"no events": {func(h *domain.ChainHead, e []domain.Event) []domain.Event { return nil }, NoEvents, 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			h, e := chain(4)
			b := Verify(h, c.edit(&h, e))
			if b == nil || b.Problem != c.want || b.Seq != c.seq {
				t.Fatalf("got %+v, want %s at %d", b, c.want, c.seq)
			}
		})
	}
}
