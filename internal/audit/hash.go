// Package audit makes the dossier trail tamper-evident: every event stores
// the SHA-256 of its canonical encoding, which includes the hash of the
// previous event of the same dossier, so editing, deleting, inserting or
// reordering a stored event breaks the chain at a findable place.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strconv"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// encodingVersion is the first field of every canonical encoding, so that the
// encoding can evolve without making old chains unverifiable. v1 events
// carry no sealed row state; v2 events append their State after Details.
const (
	encodingVersion   = "motcua.event.v1"
	encodingVersionV2 = "motcua.event.v2"
)

// Hash returns the lower-case hex SHA-256 of e's canonical encoding. It
// covers every stored field of the event (not Hash itself, nor DossierCode,
// which is not stored on the event), including the sealed row state.
func Hash(e *domain.Event) string {
	var b []byte
	put := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n int64) { put(strconv.FormatInt(n, 10)) }
	a := e.Attribution
	if len(e.State) > 0 {
		put(encodingVersionV2)
	} else {
		put(encodingVersion)
	}
	put(e.ID)
	put(e.DossierID)
	num(e.Seq)
	num(int64(e.Action))
	num(int64(e.From))
	num(int64(e.To))
	num(int64(e.StepIndex))
	put(e.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	put(e.Note)
	put(e.RequestID)
	num(int64(a.Channel))
	put(a.ActorID)
	num(int64(a.ActorRole))
	put(a.ActorAgency)
	num(int64(a.ActorKind))
	num(int64(a.Assurance))
	put(a.OnBehalfOf)
	put(a.MandateRef)
	put(a.SourceSystem)
	put(a.ClientAddress)
	num(e.DossierVersion)
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	num(int64(len(keys)))
	for _, k := range keys {
		put(k)
		put(e.Details[k])
	}
	if len(e.State) > 0 {
		skeys := make([]string, 0, len(e.State))
		for k := range e.State {
			skeys = append(skeys, k)
		}
		sort.Strings(skeys)
		num(int64(len(skeys)))
		for _, k := range skeys {
			put(k)
			put(e.State[k])
		}
	}
	put(e.PrevHash)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Seal links e to the dossier's chain and sets its hash.
func Seal(e *domain.Event, prevHash string) {
	e.PrevHash = prevHash
	e.Hash = Hash(e)
}
