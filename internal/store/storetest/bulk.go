package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// bulkDossier is a dossier with two events and an open and a finished slip
// row, as a bulk load would bring it.
func bulkDossier(seq int) (domain.Dossier, []domain.Event, []domain.SlipRow) {
	d := Dossier("000.00.01.H55", "1.000001", seq)
	d.Status, d.Version, d.LastEventSeq, d.LastEventHash = domain.StatusProcessing, 2, 2, fmt.Sprint("h", seq, "-2")
	d.Representative = &domain.Representative{Name: "B", IDNumber: "001090000002", MandateRef: "UQ-1"}
	d.Step = domain.Step{Index: 1, Name: "Ký", UnitCode: "000.01.01.H55", Assignee: "leader-1", StartedAt: t0.Add(time.Hour),
		DueAt: t0.Add(9 * time.Hour)}
	pm := int64(95)
	d.ProcessingMinutes, d.SupplementRounds, d.PaymentsOnline = &pm, 2, 1
	var evs []domain.Event
	for i := int64(1); i <= 2; i++ {
		evs = append(evs, domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: i, Action: domain.ActionForward,
			From: domain.StatusReceived, To: domain.StatusProcessing, StepIndex: int(i - 1), At: t0.Add(time.Duration(i) * time.Minute),
			Note: "n", RequestID: fmt.Sprint("r", seq, "-", i),
			Attribution: domain.Attribution{Channel: domain.ChannelOnline, ActorID: "clerk1", ActorRole: domain.RoleClerk,
				ActorAgency: "000.00.01.H55", ActorKind: domain.ActorStaffOnBehalf, Assurance: domain.AssuranceNone,
				OnBehalfOf: "001090000001", SourceSystem: "s", ClientAddress: "10.0.0.1:5"},
			DossierVersion: i, PrevHash: fmt.Sprint("h", seq, "-", i-1), Hash: fmt.Sprint("h", seq, "-", i)})
	}
	evs[0].Details = map[string]string{"code": d.Code}
	slips := []domain.SlipRow{
		{DossierID: d.ID, StepIndex: 0, StepName: "Tiếp nhận", UnitCode: "000.00.01.H55", Role: domain.RoleClerk, Assignee: "clerk1",
			StartedAt: t0, DueAt: t0.Add(time.Hour), FinishedAt: t0.Add(2 * time.Hour), Outcome: domain.SlipFinished},
		{DossierID: d.ID, StepIndex: 1, StepName: "Ký", UnitCode: "000.01.01.H55", Role: domain.RoleLeader, Assignee: "leader-1",
			StartedAt: t0.Add(time.Hour), DueAt: t0.Add(9 * time.Hour)},
	}
	return *d, evs, slips
}

func testInsertBulk(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	var ds []domain.Dossier
	var evs []domain.Event
	var slips []domain.SlipRow
	for _, seq := range []int{3, 7, 5} {
		d, e, r := bulkDossier(seq)
		ds, evs, slips = append(ds, d), append(evs, e...), append(slips, r...)
	}
	must(t, s.InsertBulk(ctx, nil, nil, nil))
	must(t, s.InsertBulk(ctx, ds, evs, slips))

	// The day's counter is raised to the highest code loaded, and a loader
	// adding to the day reads it back.
	agency, day, _, err := domain.ParseDossierCode(ds[0].Code)
	must(t, err)
	seqs, err := s.DossierSequences(ctx, []string{agency, "000.00.02.H55"}, day, day)
	must(t, err)
	if fmt.Sprint(seqs) != fmt.Sprintf("map[[%s %s]:7]", agency, day) {
		t.Fatalf("dossier sequences after the bulk insert: %v", seqs)
	}
	d, err := time.Parse("060102", day)
	must(t, err)
	if seqs, err := s.DossierSequences(ctx, []string{agency}, "000101", domain.CodeDay(d.AddDate(0, 0, -1))); err != nil || len(seqs) != 0 {
		t.Fatalf("dossier sequences before the loaded day: %v, %v", seqs, err)
	}

	got, err := s.GetDossierByCode(ctx, ds[1].Code)
	must(t, err)
	want := ds[1]
	if got.ID != want.ID || got.Status != domain.StatusProcessing || got.Version != 2 || got.LastEventHash != want.LastEventHash ||
		got.Representative == nil || got.Representative.MandateRef != "UQ-1" || got.Step.Assignee != "leader-1" ||
		!got.Step.DueAt.Equal(want.Step.DueAt) || !got.ReceivedAt.Equal(t0) || !got.SubmittedAt.IsZero() ||
		got.ProcessingMinutes == nil || *got.ProcessingMinutes != 95 || got.SupplementRounds != 2 || got.PaymentsOnline != 1 ||
		got.Result != nil || len(got.Components) != 1 || got.Applicant.Name != "Nguyễn Văn A" {
		t.Fatalf("bulk dossier round trip:\n got %+v\nwant %+v", got, want)
	}
	stored, err := s.ListEvents(ctx, want.ID, 0, 10)
	must(t, err)
	if len(stored) != 2 || stored[0].Details["code"] != want.Code || stored[1].Details == nil ||
		stored[1].Attribution != evs[3].Attribution || !stored[1].At.Equal(evs[3].At) || stored[1].Hash != evs[3].Hash ||
		stored[0].StepIndex != 0 || stored[1].DossierVersion != 2 {
		t.Fatalf("bulk events round trip: %+v", stored)
	}
	rows, err := s.ListSlip(ctx, want.ID)
	must(t, err)
	if len(rows) != 2 || rows[0].Outcome != domain.SlipFinished || !rows[0].FinishedAt.Equal(t0.Add(2*time.Hour)) ||
		!rows[1].FinishedAt.IsZero() || rows[1].Role != domain.RoleLeader {
		t.Fatalf("bulk slip round trip: %+v", rows)
	}

	// The day's counter continues after the highest code inserted.
	seq, err := s.NextSequence(ctx, "000.00.01.H55", domain.CodeDay(t0))
	must(t, err)
	if seq != 8 {
		t.Fatalf("next sequence after bulk codes 3, 7, 5 is %d, want 8", seq)
	}
	// A lower code does not lower the counter.
	low, lowEvs, lowSlips := bulkDossier(1)
	must(t, s.InsertBulk(ctx, []domain.Dossier{low}, lowEvs, lowSlips))
	seq, err = s.NextSequence(ctx, "000.00.01.H55", domain.CodeDay(t0))
	must(t, err)
	if seq != 9 {
		t.Fatalf("next sequence after a lower bulk code is %d, want 9", seq)
	}

	// All or nothing: a batch with one existing dossier stores none of it.
	fresh, freshEvs, freshSlips := bulkDossier(20)
	dup := ds[0]
	err = s.InsertBulk(ctx, []domain.Dossier{fresh, dup}, freshEvs, freshSlips)
	wantErr(t, err, domain.ErrAlreadyExists)
	_, err = s.GetDossier(ctx, fresh.ID)
	wantErr(t, err, domain.ErrNotFound)
	// An event that repeats a stored (dossier, seq).
	again := evs[0]
	again.ID = uuid.NewString()
	wantErr(t, s.InsertBulk(ctx, nil, []domain.Event{again}, nil), domain.ErrAlreadyExists)
	// Unknown procedure version, and events of an unknown dossier.
	bad, _, _ := bulkDossier(21)
	bad.ProcedureVersion = 9
	wantErr(t, s.InsertBulk(ctx, []domain.Dossier{bad}, nil, nil), domain.ErrNotFound)
	orphan := freshEvs[0]
	wantErr(t, s.InsertBulk(ctx, nil, []domain.Event{orphan}, nil), domain.ErrNotFound)

	// Inside a transaction it joins it: a rollback takes the rows back.
	boom := errors.New("boom")
	err = s.InTx(ctx, func(ctx context.Context) error {
		must(t, s.InsertBulk(ctx, []domain.Dossier{fresh}, freshEvs, freshSlips))
		if _, err := s.GetDossier(ctx, fresh.ID); err != nil {
			t.Errorf("bulk rows not visible inside their transaction: %v", err)
		}
		return boom
	})
	wantErr(t, err, boom)
	_, err = s.GetDossier(ctx, fresh.ID)
	wantErr(t, err, domain.ErrNotFound)
	must(t, s.InTx(ctx, func(ctx context.Context) error {
		return s.InsertBulk(ctx, []domain.Dossier{fresh}, freshEvs, freshSlips)
	}))
	if evs, err := s.ListEvents(ctx, fresh.ID, 0, 10); err != nil || len(evs) != 2 {
		t.Fatalf("bulk insert in a committed transaction: %d events, %v", len(evs), err)
	}

	// Many rows: more than one INSERT statement's worth of parameters.
	var many []domain.Dossier
	var manyEvs []domain.Event
	for i := range 1500 {
		d, e, _ := bulkDossier(100 + i)
		many, manyEvs = append(many, d), append(manyEvs, e...)
	}
	must(t, s.InsertBulk(ctx, many, manyEvs, nil))
	n, err := s.CountDossiers(ctx, []string{"000.00.01.H55"}, t0.Add(-time.Hour), t0.Add(time.Hour))
	must(t, err)
	if n != 3+1+1+1500 {
		t.Fatalf("%d dossiers after the bulk inserts, want %d", n, 3+1+1+1500)
	}
}
