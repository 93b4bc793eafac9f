package gormstore

import (
	"maps"
	"testing"
)

// A full projection as the seed writes it (one of its events).
var sampleState = map[string]string{
	"agency_code": "000.00.01.H55", "applicant": "d86b37b9f096837e3fa35c13b4003dc9682545592c720be24695a01bf8e9bcec",
	"channel": "1", "clock_started_at": "2026-03-24T00:30:00Z", "code": "000.00.01.H55-260323-0004",
	"components": "4084b83ddbf99268f0563418d8328cc90af8880bf97a164184351eac766e8c27", "components_digitised": "0",
	"components_paper": "2", "components_reused": "0", "components_total": "2", "created_at": "2026-03-23T09:57:38Z",
	"due_at": "2026-03-24T04:30:00Z", "extensions": "0", "filed_by": "3", "finished_at": "", "form": "", "handoff": "",
	"identity": "", "original_due_at": "2026-03-24T04:30:00Z", "paused_at": "", "paused_working_seconds": "0",
	"payment_requests": "0", "payments_confirmed": "0", "payments_online": "0", "procedure_code": "2.000815",
	"procedure_version": "1", "processing_minutes": "", "received_at": "2026-03-23T09:57:38Z", "representative": "",
	"result": "", "result_electronic": "", "resume_status": "0", "return_channel": "1", "returned_at": "",
	"status": "4", "step_assignee": "leader-01@000.00.12.H55", "step_due_at": "2026-03-24T01:58:32Z", "step_index": "1",
	"step_name": "Ký chứng thực", "step_started_at": "2026-03-24T00:58:32Z", "step_unit_code": "000.00.12.H55",
	"submitted_at": "", "summary": "370f51120db0112f3f3537d1f3652ccb60db99623ad4f24aed920c00782b991c",
	"supplement_rounds": "0", "version": "2",
}

func TestStateCodec(t *testing.T) {
	b := packState(sampleState)
	// The point of the format: a quarter of the JSON (1,3xx bytes) or less.
	if len(b) > 420 || b[0] != stateFormatS2V1 {
		t.Fatalf("packed to %d bytes, format %d", len(b), b[0])
	}
	got, err := unpackState(b)
	if err != nil || !maps.Equal(got, sampleState) {
		t.Fatalf("round trip: %v %v", got, err)
	}
	if b := packState(nil); b != nil {
		t.Fatalf("no state packed to %x", b)
	}
	for name, bad := range map[string][]byte{
		"unknown format": append([]byte{2}, b[1:]...),
		"truncated":      b[:len(b)/2],
		"format only":    {stateFormatS2V1},
		"not zstd":       append([]byte{stateFormatS2V1}, stateKV(sampleState)...),
		"empty state":    packKV(nil),
		"length too big": packKV([]byte{6, 's', 't', 'a', 't', 'u', 's', 9, '4'}),
		"key twice":      packKV([]byte{1, 'a', 1, '1', 1, 'a', 1, '2'}),
		"keys unsorted":  packKV([]byte{1, 'b', 1, '1', 1, 'a', 1, '2'}),
		"key, no value":  packKV([]byte{1, 'a'}),
		"over the bound": packKV(make([]byte, maxStateBytes+1)),
	} {
		if m, err := unpackState(bad); err == nil {
			t.Errorf("%s: read as %v", name, m)
		}
	}
	// What a reader does with one: no state, which the event's hash does
	// not match (TestEventStateEditsAreDetected in the service).
	if m := stateOf(&eventRow{StateZ: b[:10], State: &jsonCol[map[string]string]{V: sampleState}}); m != nil {
		t.Fatalf("damaged compact state read as %v", m)
	}
	if m := stateOf(&eventRow{State: &jsonCol[map[string]string]{V: sampleState}}); !maps.Equal(m, sampleState) {
		t.Fatalf("state of an event stored before migration 18: %v", m)
	}
}

// packKV packs raw stateKV bytes, well formed or not.
func packKV(kv []byte) []byte { return append([]byte{stateFormatS2V1}, stateDictV1.Encode(nil, kv)...) }

// FuzzUnpackState: whatever bytes a row holds, reading them answers a
// state or an error, never a panic.
func FuzzUnpackState(f *testing.F) {
	f.Add(packState(sampleState))
	f.Add([]byte{stateFormatS2V1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := unpackState(b); err == nil && len(b) > 0 && len(m) == 0 {
			t.Fatalf("%x: no error and no state", b)
		}
	})
}

func BenchmarkStateCodec(b *testing.B) {
	packed := packState(sampleState)
	b.Run("pack", func(b *testing.B) {
		for b.Loop() {
			_ = packState(sampleState)
		}
	})
	b.Run("unpack", func(b *testing.B) {
		for b.Loop() {
			_, _ = unpackState(packed)
		}
	})
}
