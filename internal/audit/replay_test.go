package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// TestV1HashUnchanged pins the hash of an event without a sealed state to
// the value the code before the state existed computed (a chain written
// then must verify now).
func TestV1HashUnchanged(t *testing.T) {
	e := domain.Event{ID: "0190a1b2-0000-7000-8000-000000000001", DossierID: "0190a1b2-0000-7000-8000-0000000000d1", Seq: 2,
		Action: domain.ActionReceive, From: domain.StatusSubmitted, To: domain.StatusReceived, StepIndex: 0,
		At: time.Date(2026, 3, 2, 8, 30, 0, 123456000, time.UTC), Note: "tiếp nhận", RequestID: "r-1",
		Attribution: domain.Attribution{Channel: domain.ChannelOnline, ActorID: "clerk-1", ActorRole: domain.RoleClerk, ActorAgency: "000.00.01.H55",
			ActorKind: domain.ActorStaff, ClientAddress: "10.0.0.1:5000"},
		DossierVersion: 2, Details: map[string]string{"due_at": "2026-03-05T08:30:00Z", "clock_start": "at receipt"}}
	Seal(&e, "abc")
	if e.Hash != "cc00d02d1d5b8e460bfad51420ac0b3b832c2d8d6b80eed6504405ae0e4c849d" {
		t.Fatalf("v1 hash changed: %s", e.Hash)
	}
	// With a state the encoding is v2 and the state is covered.
	e.State = Projection{FStatus: "2"}
	Seal(&e, "abc")
	h := e.Hash
	e.State[FStatus] = "10"
	if Hash(&e) == h {
		t.Fatal("the sealed state is not covered by the hash")
	}
}

// dossierEvents builds a dossier's events the way the server does: each
// event seals the projection of the dossier after it.
func dossierEvents(t *testing.T) (*domain.Dossier, []domain.Event) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	d := &domain.Dossier{ID: "d", Code: "X-1", AgencyCode: "A", ProcedureCode: "P", ProcedureVersion: 1, Channel: domain.ChannelOnline,
		FiledBy: domain.ActorStaffOnBehalf, Status: domain.StatusSubmitted, Step: domain.NoStep, Version: 1, CreatedAt: t0, SubmittedAt: t0,
		Components: []domain.Component{{Code: "c", Source: domain.SourceUploaded, FileRef: "f", FileSHA256: "s"}}}
	var evs []domain.Event
	prev := ""
	add := func(a domain.Action, from domain.Status, at time.Time, details map[string]string) {
		d.Version = int64(len(evs) + 1)
		e := domain.Event{ID: "e", DossierID: "d", Seq: int64(len(evs) + 1), Action: a, From: from, To: d.Status, StepIndex: d.Step.Index,
			At: at, DossierVersion: d.Version, Details: details, State: ProjectionOf(d),
			Attribution: domain.Attribution{Channel: domain.ChannelOnline, ActorKind: d.FiledBy}}
		Seal(&e, prev)
		prev = e.Hash
		evs = append(evs, e)
		d.LastEventSeq, d.LastEventHash = e.Seq, e.Hash
	}
	add(domain.ActionSubmit, 0, t0, map[string]string{"code": "X-1", "procedure_version": "1"})
	t1 := t0.Add(time.Hour)
	d.Status, d.ReceivedAt, d.ClockStartedAt = domain.StatusReceived, t1, t1
	d.DueAt, d.OriginalDueAt = t1.Add(72*time.Hour+time.Microsecond*7), t1.Add(72*time.Hour+time.Microsecond*7)
	d.Step = domain.Step{Index: 0, Name: "s", UnitCode: "U", Assignee: "a", StartedAt: t1, DueAt: t1.Add(time.Hour)}
	add(domain.ActionReceive, domain.StatusSubmitted, t1, map[string]string{"due_at": d.DueAt.Format(time.RFC3339)})
	return d, evs
}

func TestReplay(t *testing.T) {
	d, evs := dossierEvents(t)
	replayed, problems := Replay(evs)
	if len(problems) != 0 {
		t.Fatalf("honest chain: %v", problems)
	}
	if diffs := CompareRow(ProjectionOf(d), replayed); len(diffs) != 0 {
		t.Fatalf("honest row: %v", diffs)
	}
	// Every field of the row is compared.
	for _, f := range Fields {
		if _, ok := replayed[f]; !ok {
			t.Errorf("field %s not replayed", f)
		}
	}
	row := *d
	row.FiledBy, row.Status = domain.ActorCitizen, domain.StatusReturned
	diffs := CompareRow(ProjectionOf(&row), replayed)
	if len(diffs) != 2 || diffs[0].Field != FStatus || diffs[1].Field != FFiledBy ||
		!strings.Contains(diffs[1].Description, "STAFF_ON_BEHALF") {
		t.Fatalf("edited row: %v", diffs)
	}

	// Without sealed states (events before the state existed) the replay
	// still knows what the events record.
	v1 := make([]domain.Event, len(evs))
	copy(v1, evs)
	for i := range v1 {
		v1[i].State = nil
	}
	replayed, problems = Replay(v1)
	if len(problems) != 0 {
		t.Fatalf("v1 chain: %v", problems)
	}
	for _, f := range []string{FStatus, FFiledBy, FChannel, FVersion, FReceivedAt, FDueAt, FOriginalDueAt, FStepIndex, FCreatedAt} {
		if _, ok := replayed[f]; !ok {
			t.Errorf("v1 replay does not know %s", f)
		}
	}
	if diffs := CompareRow(ProjectionOf(d), replayed); len(diffs) != 0 {
		t.Fatalf("honest row against a v1 replay: %v", diffs)
	}
	if diffs := CompareRow(ProjectionOf(&row), replayed); len(diffs) != 2 {
		t.Fatalf("edited row against a v1 replay: %v", diffs)
	}

	// A forged state that contradicts its own event.
	forged := make([]domain.Event, len(evs))
	copy(forged, evs)
	st := Projection{}
	for k, v := range forged[1].State {
		st[k] = v
	}
	st[FStatus] = "10"
	forged[1].State = st
	if _, problems := Replay(forged); len(problems) != 1 || problems[0].Problem != StateMismatch || problems[0].Field != FStatus || problems[0].Seq != 2 {
		t.Fatalf("forged state: %v", problems)
	}
}

func TestApplyTo(t *testing.T) {
	d, evs := dossierEvents(t)
	replayed, _ := Replay(evs)
	var got domain.Dossier
	replayed.ApplyTo(&got)
	if got.Status != d.Status || got.FiledBy != d.FiledBy || got.Channel != d.Channel || !got.ReceivedAt.Equal(d.ReceivedAt) ||
		!got.OriginalDueAt.Equal(d.OriginalDueAt) || len(got.Components) != 1 || got.Components[0].Source != domain.SourceUploaded {
		t.Fatalf("ApplyTo: %+v", got)
	}
}
