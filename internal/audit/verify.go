package audit

import (
	"fmt"

	"github.com/motcua/motcua/internal/domain"
)

// Problems a chain can have.
const (
	HashMismatch      = "HASH_MISMATCH"      // an event's stored fields no longer give its hash: edited
	PrevHashMismatch  = "PREV_HASH_MISMATCH" // an event does not follow the one before it: removed, inserted or moved
	SequenceGap       = "SEQUENCE_GAP"       // a sequence number is missing
	SequenceDuplicate = "SEQUENCE_DUPLICATE" // two events claim one place
	HeadMismatch      = "HEAD_MISMATCH"      // the chain does not end where the dossier says it does
	NoEvents          = "NO_EVENTS"          // a dossier without its creation event
)

// Break is the first place a dossier's chain does not hold.
type Break struct {
	Seq     int64 // event sequence, 0 for the dossier row
	Problem string
	Detail  string
}

// Verify checks one dossier's events (read in sequence order) against each
// other and against the chain head recorded on the dossier. It returns the
// first break, or nil when the chain is intact.
func Verify(head domain.ChainHead, events []domain.Event) *Break {
	if len(events) == 0 {
		return &Break{Problem: NoEvents, Detail: "the dossier has no events; its creation was removed"}
	}
	prev := ""
	for i := range events {
		e := &events[i]
		want := int64(i + 1)
		switch {
		case e.Seq < want:
			return &Break{Seq: e.Seq, Problem: SequenceDuplicate, Detail: fmt.Sprintf("sequence %d appears twice", e.Seq)}
		case e.Seq > want:
			return &Break{Seq: want, Problem: SequenceGap, Detail: fmt.Sprintf("event %d is missing (next stored is %d)", want, e.Seq)}
		}
		if e.PrevHash != prev {
			return &Break{Seq: e.Seq, Problem: PrevHashMismatch,
				Detail: fmt.Sprintf("event %d says its predecessor hashed to %.12s…, but it hashed to %.12s…", e.Seq, e.PrevHash, prev)}
		}
		if got := Hash(e); got != e.Hash {
			return &Break{Seq: e.Seq, Problem: HashMismatch,
				Detail: fmt.Sprintf("event %d (%s) hashes to %.12s… but stores %.12s…: its fields were changed", e.Seq, e.Action, got, e.Hash)}
		}
		prev = e.Hash
	}
	last := events[len(events)-1]
	if last.Seq != head.LastSeq || last.Hash != head.LastHash {
		return &Break{Seq: last.Seq, Problem: HeadMismatch,
			Detail: fmt.Sprintf("the chain ends at event %d (%.12s…) but the dossier records event %d (%.12s…)",
				last.Seq, last.Hash, head.LastSeq, head.LastHash)}
	}
	return nil
}
