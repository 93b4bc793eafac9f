package app

import (
	"context"
	"fmt"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/domain"
)

// Problem of a chain that holds but is not the one anchored.
const CheckpointMismatch = "CHECKPOINT_MISMATCH"

// rowVerifier checks, for VerifyAuditChain, what hashing a chain alone
// cannot: that the chain is the one the latest signed checkpoint anchors,
// and that the dossier row says what its events say.
type rowVerifier struct {
	s      *Audit
	loaded bool
	anchor *anchor
}

func (s *Audit) newRowVerifier() *rowVerifier { return &rowVerifier{s: s} }

// verify reports every problem of an intact chain h (events evs) through
// broken; bad is whether there was any.
// d is the dossier's row, nil when there is none.
func (v *rowVerifier) verify(ctx context.Context, h domain.ChainHead, evs []domain.Event, d *domain.Dossier, broken func(ChainBreak) error) (bad bool, err error) {
	if !v.loaded && v.s.checkpoints != nil {
		if v.anchor, err = v.s.loadAnchor(ctx, 0); err != nil {
			return false, err
		}
	}
	v.loaded = true
	report := func(seq int64, problem, field, detail string) error {
		bad = true
		return broken(ChainBreak{Head: h, Break: audit.Break{Seq: seq, Problem: problem, Detail: detail}, Field: field})
	}
	if a := v.anchor; a != nil {
		if i, ok := a.index[h.DossierID]; ok && a.leaves[i].LastSeq >= 1 {
			leaf := a.leaves[i]
			if leaf.LastSeq > int64(len(evs)) || evs[leaf.LastSeq-1].Hash != leaf.LastHash {
				got := "nothing"
				if leaf.LastSeq <= int64(len(evs)) {
					got = fmt.Sprintf("%.12s…", evs[leaf.LastSeq-1].Hash)
				}
				if err := report(leaf.LastSeq, CheckpointMismatch, "", fmt.Sprintf(
					"checkpoint %d (signed %s) anchors event %d with hash %.12s…, the chain now has %s there: the chain was rewritten",
					a.cp.Seq, a.cp.Time.Format("2006-01-02 15:04:05Z"), leaf.LastSeq, leaf.LastHash, got)); err != nil {
					return bad, err
				}
			}
		}
	}
	if d == nil {
		return bad, domain.NotFound("dossier", h.DossierID)
	}
	_, problems := rowProblems(d, evs)
	for _, p := range problems {
		if err := report(p.Seq, p.Problem, p.Field, p.Description); err != nil {
			return bad, err
		}
	}
	return bad, nil
}

// replayDossier returns the dossier as its events describe it (the row's
// fields the events do not know kept) and the row's differences from it.
func replayDossier(row domain.Dossier, evs []domain.Event) (domain.Dossier, []audit.FieldDiff) {
	replayed, problems := rowProblems(&row, evs)
	d := row
	d.Components = append([]domain.Component(nil), row.Components...)
	replayed.ApplyTo(&d)
	return d, problems
}

// rowProblems replays a dossier's events and returns the replayed projection
// with every difference found: the chain's own, and the row's fields and
// filter columns against the replay.
func rowProblems(row *domain.Dossier, evs []domain.Event) (audit.Projection, []audit.FieldDiff) {
	replayed, problems := audit.Replay(evs)
	problems = append(problems, audit.CompareRow(audit.ProjectionOf(row), replayed)...)
	return replayed, append(problems, audit.CompareColumns(row, replayed)...)
}
