package gormstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/klauspost/compress/s2"
)

// An event's sealed state (domain.Event.State, the dossier's projection the
// audit hash covers) is stored compactly since migration 00018, in
// dossier_events.state_z: a format byte, then the state's keys and values
// (stateKV) compressed with S2 (Snappy's successor) against a fixed
// dictionary — the projection's keys with values of their usual shape. A
// state of 1,301 bytes as JSON is stored in about 390 (zstd with the same
// dictionary: 295, but 19 µs to compress on the intake's path against S2's
// 3 µs). The state had been three quarters of an event row and the events
// four fifths of the database (docs/PERFORMANCE.md, "Cost growth"). Events
// written before the migration keep their state in the JSON column
// `state`; readers take whichever is set. The hash is computed from the
// state's keys and values, never from these bytes, so the storage form can
// change without touching a chain: a new form gets a new format byte, and
// the old ones stay readable.

// stateFormatS2V1 is the format byte of S2 with stateDictV1.
const stateFormatS2V1 = 1

// stateDictV1 is the S2 dictionary of format 1: stateTemplateV1 as
// stateKV. It must never change: the stored states of format 1 are decoded
// with it. A projection that gains keys still compresses, a little less
// well.
var stateDictV1 = s2.NewDict(append([]byte{0}, mustKV(stateTemplateV1)...)) // a uvarint repeat offset, then the content

const stateTemplateV1 = `{"agency_code":"000.00.01.H55","applicant":"","channel":"1","clock_started_at":"2026-01-01T00:00:00Z",` +
	`"code":"000.00.01.H55-260101-0001","components":"","components_digitised":"0","components_paper":"0",` +
	`"components_reused":"0","components_total":"0","created_at":"2026-01-01T00:00:00Z","due_at":"2026-01-01T00:00:00Z",` +
	`"extensions":"0","filed_by":"3","finished_at":"","form":"","handoff":"","identity":"","original_due_at":"2026-01-01T00:00:00Z",` +
	`"paused_at":"","paused_working_seconds":"0","payment_requests":"0","payments_confirmed":"0","payments_online":"0",` +
	`"procedure_code":"","procedure_version":"1","processing_minutes":"","received_at":"2026-01-01T00:00:00Z","representative":"",` +
	`"result":"","result_electronic":"","resume_status":"0","return_channel":"1","returned_at":"","status":"4",` +
	`"step_assignee":"","step_due_at":"2026-01-01T00:00:00Z","step_index":"1","step_name":"","step_started_at":"2026-01-01T00:00:00Z",` +
	`"step_unit_code":"","submitted_at":"","summary":"","supplement_rounds":"0","version":"2"}`

// maxStateBytes bounds a decoded state: a row is read from the database, but
// a damaged or forged one must not make a reader allocate without limit.
const maxStateBytes = 1 << 20

func mustKV(template string) []byte {
	var m map[string]string
	if err := json.Unmarshal([]byte(template), &m); err != nil {
		panic(fmt.Sprintf("gormstore: state template: %v", err)) // a constant: a programming error
	}
	return stateKV(m)
}

// stateKV lays a state out for compression: each key, in sorted order, and
// its value, each preceded by its length as a uvarint. Cheaper both ways
// than JSON, and one string holds every key and value read back.
func stateKV(m map[string]string) []byte {
	keys := slices.Sorted(maps.Keys(m))
	n := 0
	for _, k := range keys {
		n += 2*binary.MaxVarintLen32 + len(k) + len(m[k])
	}
	b := make([]byte, 0, n)
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(m[k])))
		b = append(b, m[k]...)
	}
	return b
}

// stateFromKV reads stateKV back; keys must be strictly increasing.
func stateFromKV(b []byte) (map[string]string, error) {
	all := string(b) // one allocation: every key and value is a slice of it
	m := map[string]string{}
	var prev string
	for i := 0; i < len(all); {
		var kv [2]string
		for j := range kv {
			n, w := binary.Uvarint(b[i:])
			if w <= 0 || n > uint64(len(all)-i-w) {
				return nil, errors.New("event state: malformed")
			}
			i += w
			kv[j] = all[i : i+int(n)]
			i += int(n)
		}
		if len(m) > 0 && kv[0] <= prev {
			return nil, errors.New("event state: keys out of order")
		}
		m[kv[0]], prev = kv[1], kv[0]
	}
	return m, nil
}

// packState returns the stored form of a sealed state (nil for none).
func packState(m map[string]string) []byte {
	if len(m) == 0 {
		return nil
	}
	return append([]byte{stateFormatS2V1}, stateDictV1.Encode(nil, stateKV(m))...)
}

// unpackState reads a stored state back. A value it cannot read is an
// error, which stateOf turns into no state, which the audit hash will not
// match: a damaged row shows as a broken chain, not as an outage.
func unpackState(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != stateFormatS2V1 {
		return nil, fmt.Errorf("event state: unknown storage format %d", b[0])
	}
	if n, err := s2.DecodedLen(b[1:]); err != nil || n > maxStateBytes {
		return nil, fmt.Errorf("event state: %d bytes decoded, or %v", n, err)
	}
	kv, err := stateDictV1.Decode(nil, b[1:])
	if err != nil {
		return nil, fmt.Errorf("event state: %w", err)
	}
	m, err := stateFromKV(kv)
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, errors.New("event state: empty")
	}
	return m, nil
}
