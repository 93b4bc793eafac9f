// Package storetest is the conformance suite every store.Store must pass.
// The embedded SQLite default is trustworthy only because it passes the same
// tests as PostgreSQL.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// Factory returns a fresh, migrated, empty store for one test.
type Factory func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Agencies", testAgencies},
		{"Procedures", testProcedures},
		{"DossierRoundTrip", testDossierRoundTrip},
		{"DossierEveryField", testDossierEveryField},
		{"UpdateDossierVersion", testUpdateDossierVersion},
		{"ListDossiers", testListDossiers},
		{"ListDossiersIndicatorFilters", testListDossiersIndicatorFilters},
		{"ListDossiersFigureFlags", testListDossiersFigureFlags},
		{"Events", testEvents},
		{"SequenceGapFreeUnderConcurrency", testSequenceConcurrency},
		{"TransactionRollback", testRollback},
		{"Requests", testRequests},
		{"PruneRequests", testPruneRequests},
		{"Slips", testSlips},
		{"CalendarYears", testCalendarYears},
		{"DeadlineLists", testDeadlineLists},
		{"AuditQueries", testAuditQueries},
		{"SchemaCurrent", testSchemaCurrent},
		{"InsertBulk", testInsertBulk},
		{"StatsAggregates", testStatsAggregates},
		{"StatsBulkApply", testStatsBulkApply},
		{"StatsYearly", testStatsYearly},
		{"StatsUnits", testStatsUnits},
		{"StatsOverdue", testStatsOverdue},
		{"StatsVerificationReads", testStatsVerificationReads},
		{"EventState", testEventState},
		{"Checkpoints", testCheckpoints},
		{"Sync", testSync},
		{"Documents", testDocuments},
		{"IdentityPendingAndQueryLog", testIdentity},
		{"EventFeed", testEventFeed},
		{"GetDossiers", testGetDossiers},
		{"Webhooks", testWebhooks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

var t0 = time.Date(2026, 2, 13, 2, 0, 0, 123456000, time.UTC)

// Agency returns a valid agency for tests.
func Agency(code, parent string) *domain.Agency {
	return &domain.Agency{Code: code, Name: "Agency " + code, ParentCode: parent, TimeZone: domain.DefaultTimeZone,
		WorkingHours: domain.DefaultWorkingHours, CreatedAt: t0}
}

// Procedure returns a valid procedure with one version for tests.
func Procedure(code, agency string) *domain.Procedure {
	cut := 15 * 60
	return &domain.Procedure{Code: code, Name: "Procedure " + code, FieldCode: "HT", FieldName: "Hộ tịch",
		AgencyCode: agency, CreatedAt: t0, Versions: []domain.ProcedureVersion{{
			Version: 1, EffectiveAt: t0.Add(-24 * time.Hour), ServiceLevel: domain.ServiceFullOnline,
			StatutoryMinutes: 3 * domain.MinutesPerWorkingDay, CutoffMinute: &cut,
			Fees:       []domain.Fee{{Code: "LP", Name: "Lệ phí", Kind: 2, AmountVND: 8000}},
			Components: []domain.DocumentComponent{{Code: "TK", Name: "Tờ khai", Mandatory: true, PaperCopies: 1}},
			Workflow:   []domain.WorkflowStep{{Name: "Thẩm định", UnitCode: agency, Role: domain.RoleSpecialist, AllottedMinutes: 480}},
			CreatedAt:  t0,
		}}}
}

// Dossier returns a valid dossier (status RECEIVED, version 1) for tests.
func Dossier(agency, procedure string, seq int) *domain.Dossier {
	id, _ := uuid.NewV7()
	return &domain.Dossier{
		ID: id.String(), Code: domain.DossierCode(agency, t0, int64(seq)), ProcedureCode: procedure, ProcedureVersion: 1,
		AgencyCode: agency,
		Applicant:  domain.Applicant{Kind: domain.ApplicantCitizen, IDNumber: "001090000001", Name: "Nguyễn Văn A"},
		Channel:    domain.ChannelCounter, FiledBy: domain.ActorStaff, Status: domain.StatusReceived,
		Components: []domain.Component{{Code: "TK", Source: domain.SourcePaper}},
		ReceivedAt: t0, ClockStartedAt: t0, DueAt: t0.Add(72 * time.Hour), OriginalDueAt: t0.Add(72 * time.Hour),
		Step: domain.NoStep, ReturnChannel: domain.ChannelCounter, Version: 1, LastEventSeq: 1, LastEventHash: "h1",
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func seedCatalog(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	must(t, s.CreateAgency(ctx, Agency("000.00.01.H55", "")))
	must(t, s.CreateAgency(ctx, Agency("000.01.01.H55", "000.00.01.H55")))
	must(t, s.CreateProcedure(ctx, Procedure("1.000001", "000.00.01.H55")))
	must(t, s.CreateProcedure(ctx, Procedure("1.000002", "000.00.01.H55")))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func testAgencies(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	wantErr(t, s.CreateAgency(ctx, Agency("000.00.01.H55", "")), domain.ErrAlreadyExists)
	wantErr(t, s.CreateAgency(ctx, Agency("000.02.01.H55", "NOPE")), domain.ErrNotFound)
	a, err := s.GetAgency(ctx, "000.01.01.H55")
	must(t, err)
	if a.ParentCode != "000.00.01.H55" || a.TimeZone != domain.DefaultTimeZone || len(a.WorkingHours) != 2 ||
		a.WorkingHours[1].End != 17*60 || !a.CreatedAt.Equal(t0) {
		t.Fatalf("agency round trip: %+v", a)
	}
	_, err = s.GetAgency(ctx, "X")
	wantErr(t, err, domain.ErrNotFound)
	page, err := s.ListAgencies(ctx, store.AgencyFilter{}, "", 1)
	must(t, err)
	if len(page) != 1 || page[0].Code != "000.00.01.H55" {
		t.Fatalf("first page: %+v", page)
	}
	page, err = s.ListAgencies(ctx, store.AgencyFilter{}, page[0].Code, 10)
	must(t, err)
	if len(page) != 1 || page[0].Code != "000.01.01.H55" {
		t.Fatalf("second page: %+v", page)
	}
	kids, err := s.ListAgencies(ctx, store.AgencyFilter{ParentCode: "000.00.01.H55"}, "", 10)
	must(t, err)
	if len(kids) != 1 {
		t.Fatalf("children: %+v", kids)
	}
	must(t, s.CreateAgency(ctx, Agency("000.01.02.H55", "000.01.01.H55")))
	sub, err := s.AgencySubtree(ctx, "000.00.01.H55")
	must(t, err)
	if fmt.Sprint(sub) != "[000.00.01.H55 000.01.01.H55 000.01.02.H55]" {
		t.Fatalf("subtree: %v", sub)
	}
	sub, err = s.AgencySubtree(ctx, "000.01.02.H55")
	must(t, err)
	if len(sub) != 1 {
		t.Fatalf("leaf subtree: %v", sub)
	}
	n, err := s.CountAgencies(ctx)
	must(t, err)
	if n != 3 {
		t.Fatalf("count = %d", n)
	}
}

func testProcedures(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	wantErr(t, s.CreateProcedure(ctx, Procedure("1.000001", "000.00.01.H55")), domain.ErrAlreadyExists)
	wantErr(t, s.CreateProcedure(ctx, Procedure("1.000009", "NOPE")), domain.ErrNotFound)
	p, err := s.GetProcedure(ctx, "1.000001")
	must(t, err)
	v := p.Versions[0]
	if len(p.Versions) != 1 || v.StatutoryMinutes != 1440 || *v.CutoffMinute != 900 || v.Workflow[0].Role != domain.RoleSpecialist ||
		v.Fees[0].AmountVND != 8000 || !v.Components[0].Mandatory || !v.EndAt.IsZero() {
		t.Fatalf("procedure round trip: %+v", p)
	}
	v2 := v
	v2.Version, v2.EffectiveAt, v2.CutoffMinute = 2, t0.Add(time.Hour), nil
	must(t, s.AddProcedureVersion(ctx, "1.000001", &v2))
	wantErr(t, s.AddProcedureVersion(ctx, "1.000001", &v2), domain.ErrAlreadyExists)
	wantErr(t, s.AddProcedureVersion(ctx, "9.999999", &v2), domain.ErrNotFound)
	p, err = s.GetProcedure(ctx, "1.000001")
	must(t, err)
	if len(p.Versions) != 2 || !p.Versions[0].EndAt.Equal(t0.Add(time.Hour)) || p.Versions[1].CutoffMinute != nil {
		t.Fatalf("versions: %+v", p.Versions)
	}
	if p.VersionAt(t0).Version != 1 || p.VersionAt(t0.Add(2*time.Hour)).Version != 2 {
		t.Fatal("VersionAt picks the wrong version")
	}
	list, err := s.ListProcedures(ctx, store.ProcedureFilter{AgencyCode: "000.00.01.H55"}, "1.000001", 10)
	must(t, err)
	if len(list) != 1 || list[0].Code != "1.000002" || len(list[0].Versions) != 1 {
		t.Fatalf("list after 1.000001: %+v", list)
	}
	_, err = s.GetProcedure(ctx, "1.999999")
	wantErr(t, err, domain.ErrNotFound)
}

func testDossierRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	d := Dossier("000.00.01.H55", "1.000001", 1)
	d.Representative = &domain.Representative{Name: "B", IDNumber: "001090000002", MandateRef: "UQ-1"}
	d.Result = &domain.Result{Electronic: true, Signer: "Chủ tịch", IssuedAt: t0,
		Documents: []domain.ResultDocument{{Code: "KQ", Name: "Giấy khai sinh"}}}
	d.Identity = &domain.IdentityVerification{Matched: true, Source: "CSDLQGDC", QueryID: "q1", VerifiedAt: t0}
	d.PausedWorking = 90 * time.Minute
	d.Step = domain.Step{Index: 0, Name: "Thẩm định", UnitCode: "000.00.01.H55", Assignee: "cv1", StartedAt: t0, DueAt: t0.Add(time.Hour)}
	must(t, s.CreateDossier(ctx, d))
	got, err := s.GetDossierByCode(ctx, d.Code)
	must(t, err)
	if got.ID != d.ID || got.Representative.MandateRef != "UQ-1" || !got.Result.Electronic || got.Identity.QueryID != "q1" ||
		got.PausedWorking != 90*time.Minute || got.Step.Assignee != "cv1" || !got.Step.DueAt.Equal(t0.Add(time.Hour)) ||
		!got.ReceivedAt.Equal(t0) || got.ReceivedAt.Location() != time.UTC || !got.SubmittedAt.IsZero() ||
		got.Applicant.Name != "Nguyễn Văn A" || got.Components[0].Source != domain.SourcePaper {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, d)
	}
	wantErr(t, s.CreateDossier(ctx, d), domain.ErrAlreadyExists)
	_, err = s.GetDossier(ctx, uuid.NewString())
	wantErr(t, err, domain.ErrNotFound)
	bad := Dossier("000.00.01.H55", "1.777777", 2)
	wantErr(t, s.CreateDossier(ctx, bad), domain.ErrNotFound)
}

func testUpdateDossierVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	d := Dossier("000.00.01.H55", "1.000001", 1)
	must(t, s.CreateDossier(ctx, d))
	d.Status, d.Version = domain.StatusProcessing, 2
	must(t, s.UpdateDossier(ctx, d, 1))
	d.Version = 3
	err := s.UpdateDossier(ctx, d, 1)
	var ce *domain.ConflictError
	if !errors.As(err, &ce) || ce.Current != 2 {
		t.Fatalf("stale update: %v", err)
	}
	got, err := s.GetDossier(ctx, d.ID)
	must(t, err)
	if got.Version != 2 || got.Status != domain.StatusProcessing {
		t.Fatalf("after update: %+v", got)
	}
	ghost := Dossier("000.00.01.H55", "1.000001", 9)
	wantErr(t, s.UpdateDossier(ctx, ghost, 1), domain.ErrNotFound)

	// Concurrent writers with the same expected version: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.InTx(ctx, func(ctx context.Context) error {
				c := *got
				c.Version = 3
				return s.UpdateDossier(ctx, &c, 2)
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, domain.ErrVersionConflict):
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 19 {
		t.Fatalf("wins=%d conflicts=%d, want 1 and 19", wins, conflicts)
	}
}

// testListDossiersIndicatorFilters checks the filters that make a list equal
// an indicator's figure: channel, filer, filing window, received, on time.
func testListDossiersIndicatorFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	due := t0.Add(72 * time.Hour)
	mk := func(i int, ch domain.Channel, by domain.ActorKind, st domain.Status, finished time.Time) {
		d := Dossier("000.00.01.H55", "1.000001", i)
		d.Channel, d.FiledBy, d.Status = ch, by, st
		d.CreatedAt = t0.Add(time.Duration(i) * time.Hour)
		if st == domain.StatusSubmitted {
			d.ReceivedAt, d.ClockStartedAt = time.Time{}, time.Time{}
		}
		d.FinishedAt = finished
		if i == 1 {
			d.Step = domain.Step{Index: 0, Name: "Thẩm định", UnitCode: "000.03.01.H55"}
		}
		must(t, s.CreateDossier(ctx, d))
	}
	mk(1, domain.ChannelOnline, domain.ActorCitizen, domain.StatusReceived, time.Time{})
	mk(2, domain.ChannelOnline, domain.ActorRepresentative, domain.StatusResolved, due)                 // on time, exactly
	mk(3, domain.ChannelOnline, domain.ActorStaffOnBehalf, domain.StatusReturned, due.Add(time.Second)) // late
	mk(4, domain.ChannelCounter, domain.ActorStaff, domain.StatusResolved, due.Add(-time.Hour))         // on time
	mk(5, domain.ChannelOnline, domain.ActorCitizen, domain.StatusSubmitted, time.Time{})               // not received
	mk(6, domain.ChannelPostal, domain.ActorStaff, domain.StatusStopped, t0)
	genuine := []domain.ActorKind{domain.ActorCitizen, domain.ActorRepresentative}
	yes, no := true, false
	cases := []struct {
		name string
		f    store.DossierFilter
		want int
	}{
		{"online", store.DossierFilter{Channel: domain.ChannelOnline}, 4},
		{"online received", store.DossierFilter{Channel: domain.ChannelOnline, Received: &yes}, 3},
		{"genuine online received", store.DossierFilter{Channel: domain.ChannelOnline, FiledBy: genuine, Received: &yes}, 2},
		{"assisted online", store.DossierFilter{Channel: domain.ChannelOnline, FiledBy: []domain.ActorKind{domain.ActorStaffOnBehalf}}, 1},
		{"received", store.DossierFilter{Received: &yes}, 5},
		{"not received", store.DossierFilter{Received: &no}, 1},
		{"on time", store.DossierFilter{Resolution: store.ResolutionOnTime}, 2},
		{"late", store.DossierFilter{Resolution: store.ResolutionLate}, 1},
		{"running, not overdue", store.DossierFilter{Running: true, DueFrom: due}, 1},
		{"running, not overdue a second later", store.DossierFilter{Running: true, DueFrom: due.Add(time.Second)}, 0},
		// Filed 02:00…05:00, inclusive-exclusive, with microseconds on t0.
		{"filed window", store.DossierFilter{FiledFrom: t0.Add(2 * time.Hour), FiledTo: t0.Add(5 * time.Hour)}, 3},
		{"filed from exact", store.DossierFilter{FiledFrom: t0.Add(6 * time.Hour)}, 1},
		{"filed window and on time", store.DossierFilter{FiledFrom: t0.Add(3 * time.Hour), Resolution: store.ResolutionOnTime}, 1},
		{"held by a unit", store.DossierFilter{StepUnitCode: "000.03.01.H55"}, 1},
		{"held by a unit, filed at the counter", store.DossierFilter{StepUnitCode: "000.03.01.H55", Channel: domain.ChannelCounter}, 0},
		// A filter narrows the scope, never widens it.
		{"scope still applies", store.DossierFilter{ScopeAgencies: []string{"000.01.01.H55"}, Channel: domain.ChannelOnline}, 0},
	}
	for _, c := range cases {
		if c.f.ScopeAgencies == nil {
			c.f.ScopeAll = true
		}
		got, err := s.ListDossiers(ctx, c.f, 100)
		must(t, err)
		if len(got) != c.want {
			t.Errorf("%s: %d dossiers, want %d", c.name, len(got), c.want)
		}
	}
}

func testListDossiers(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	var ids []string
	for i := 1; i <= 7; i++ {
		proc := "1.000001"
		if i%2 == 0 {
			proc = "1.000002"
		}
		d := Dossier("000.00.01.H55", proc, i)
		d.ReceivedAt = t0.Add(time.Duration(i) * time.Hour)
		if i == 6 {
			d.Step = domain.Step{Index: 0, Name: "Thẩm định", UnitCode: "000.01.01.H55"}
			d.Representative = &domain.Representative{Name: "R", IDNumber: "001090000099", MandateRef: "UQ"}
		}
		if i == 7 {
			d.Status, d.ReceivedAt = domain.StatusSubmitted, time.Time{}
			d.Applicant.IDNumber = "079200000007"
		}
		must(t, s.CreateDossier(ctx, d))
		ids = append(ids, d.ID)
	}
	all, err := s.ListDossiers(ctx, store.DossierFilter{ScopeAll: true}, 100)
	must(t, err)
	if len(all) != 7 || all[0].ID != ids[6] || all[6].ID != ids[0] {
		t.Fatal("not newest first")
	}
	// Keyset pages of 3 cover everything once.
	seen := map[string]bool{}
	f := store.DossierFilter{ScopeAll: true}
	for {
		page, err := s.ListDossiers(ctx, f, 3)
		must(t, err)
		for _, d := range page {
			if seen[d.ID] {
				t.Fatalf("%s seen twice", d.ID)
			}
			seen[d.ID] = true
		}
		if len(page) < 3 {
			break
		}
		f.AfterID = page[len(page)-1].ID
	}
	if len(seen) != 7 {
		t.Fatalf("pages covered %d of 7", len(seen))
	}
	cases := []struct {
		name string
		f    store.DossierFilter
		want int
	}{
		{"procedure", store.DossierFilter{ProcedureCode: "1.000002"}, 3},
		{"status", store.DossierFilter{Statuses: []domain.Status{domain.StatusSubmitted}}, 1},
		{"two statuses", store.DossierFilter{Statuses: []domain.Status{domain.StatusSubmitted, domain.StatusReceived}}, 7},
		{"applicant", store.DossierFilter{ApplicantID: "079200000007"}, 1},
		{"agency", store.DossierFilter{AgencyCode: "000.01.01.H55"}, 0},
		// Received 03:00…06:00 inclusive-exclusive, with microseconds on t0.
		{"received range", store.DossierFilter{ReceivedFrom: t0.Add(2 * time.Hour), ReceivedTo: t0.Add(5 * time.Hour)}, 3},
		{"received from", store.DossierFilter{ReceivedFrom: t0.Add(6*time.Hour + time.Microsecond)}, 0},
		{"received from exact", store.DossierFilter{ReceivedFrom: t0.Add(6 * time.Hour)}, 1},
		{"no scope sees nothing", store.DossierFilter{ScopeAgencies: []string{}}, 0},
		{"citizen scope", store.DossierFilter{ScopeCitizenID: "079200000007"}, 1},
		{"representative scope", store.DossierFilter{ScopeCitizenID: "001090000099"}, 1},
		{"agency scope via current step", store.DossierFilter{ScopeAgencies: []string{"000.01.01.H55"}}, 1},
		{"agency scope own", store.DossierFilter{ScopeAgencies: []string{"000.00.01.H55"}}, 7},
		{"step unit scope", store.DossierFilter{ScopeAgencies: []string{"000.01.01.H55"}, ProcedureCode: "1.000002"}, 1},
	}
	for _, c := range cases {
		if c.f.ScopeCitizenID == "" && c.f.ScopeAgencies == nil {
			c.f.ScopeAll = true
		}
		got, err := s.ListDossiers(ctx, c.f, 100)
		must(t, err)
		if len(got) != c.want {
			t.Errorf("%s: got %d dossiers, want %d", c.name, len(got), c.want)
		}
	}
}

func testEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	d := Dossier("000.00.01.H55", "1.000001", 1)
	must(t, s.CreateDossier(ctx, d))
	for i := int64(1); i <= 3; i++ {
		e := &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: i, Action: domain.ActionReceive,
			To: domain.StatusReceived, StepIndex: -1, At: t0.Add(time.Duration(i) * time.Minute), RequestID: fmt.Sprint("r", i),
			Attribution: domain.Attribution{Channel: domain.ChannelCounter, ActorID: "clerk1", ActorRole: domain.RoleClerk,
				ActorKind: domain.ActorStaff, Assurance: domain.AssuranceInPerson, ClientAddress: "127.0.0.1"},
			DossierVersion: i, Details: map[string]string{"k": "v"}, PrevHash: fmt.Sprint("h", i-1), Hash: fmt.Sprint("h", i)}
		must(t, s.AppendEvent(ctx, e))
	}
	dup := &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: 2, At: t0}
	wantErr(t, s.AppendEvent(ctx, dup), domain.ErrAlreadyExists)
	evs, err := s.ListEvents(ctx, d.ID, 1, 10)
	must(t, err)
	if len(evs) != 2 || evs[0].Seq != 2 || evs[1].Details["k"] != "v" || evs[0].Attribution.ActorKind != domain.ActorStaff ||
		evs[0].Attribution.ClientAddress != "127.0.0.1" || !evs[0].At.Equal(t0.Add(2*time.Minute)) || evs[1].PrevHash != "h2" {
		t.Fatalf("events: %+v", evs)
	}
}

func testSequenceConcurrency(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 60
	var wg sync.WaitGroup
	got := make(chan int64, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var seq int64
			err := s.InTx(ctx, func(ctx context.Context) error {
				var err error
				seq, err = s.NextSequence(ctx, "000.00.01.H55", "260213")
				if err != nil {
					return err
				}
				if i%4 == 0 {
					return errors.New("rolled back on purpose")
				}
				return nil
			})
			if err != nil {
				errs <- err
				return
			}
			got <- seq
		}(i)
	}
	wg.Wait()
	close(got)
	close(errs)
	rolledBack := 0
	for err := range errs {
		if err.Error() != "rolled back on purpose" {
			t.Fatalf("unexpected: %v", err)
		}
		rolledBack++
	}
	seen := map[int64]bool{}
	for seq := range got {
		if seen[seq] {
			t.Fatalf("sequence %d issued twice", seq)
		}
		seen[seq] = true
	}
	committed := n - rolledBack
	for i := int64(1); i <= int64(committed); i++ {
		if !seen[i] {
			t.Fatalf("gap: %d missing among %d committed", i, committed)
		}
	}
	// Another day and another agency start at 1.
	for _, k := range [][2]string{{"000.00.01.H55", "260214"}, {"000.01.01.H55", "260213"}} {
		seq, err := s.NextSequence(ctx, k[0], k[1])
		must(t, err)
		if seq != 1 {
			t.Fatalf("%v starts at %d", k, seq)
		}
	}
}

func testRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context) error {
		must(t, s.CreateAgency(ctx, Agency("000.00.09.H55", "")))
		// A nested InTx joins the outer transaction.
		return s.InTx(ctx, func(ctx context.Context) error {
			must(t, s.CreateAgency(ctx, Agency("000.00.08.H55", "")))
			return boom
		})
	})
	wantErr(t, err, boom)
	for _, code := range []string{"000.00.09.H55", "000.00.08.H55"} {
		_, err := s.GetAgency(ctx, code)
		wantErr(t, err, domain.ErrNotFound)
	}
}

func testRequests(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := &store.RequestRecord{Principal: "u1", RequestID: "req-1", Method: "/m", RequestHash: "abc",
		Response: []byte{0, 1, 2, 255}, CreatedAt: t0}
	must(t, s.SaveRequest(ctx, r))
	wantErr(t, s.SaveRequest(ctx, r), domain.ErrAlreadyExists)
	got, err := s.GetRequest(ctx, "u1", "req-1")
	must(t, err)
	if got.Method != "/m" || string(got.Response) != string(r.Response) || got.RequestHash != "abc" {
		t.Fatalf("request round trip: %+v", got)
	}
	_, err = s.GetRequest(ctx, "u2", "req-1")
	wantErr(t, err, domain.ErrNotFound)
}

func testSchemaCurrent(t *testing.T, s store.Store) {
	cur, want, err := s.SchemaStatus(context.Background())
	must(t, err)
	if cur != want || want < 1 {
		t.Fatalf("schema at %d, code wants %d", cur, want)
	}
}

func testSlips(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	d := Dossier("000.00.01.H55", "1.000001", 1)
	must(t, s.CreateDossier(ctx, d))
	r0 := &domain.SlipRow{DossierID: d.ID, StepIndex: 0, StepName: "Tiếp nhận", UnitCode: "000.00.01.H55", Role: domain.RoleClerk,
		StartedAt: t0, DueAt: t0.Add(time.Hour)}
	must(t, s.PutSlipRow(ctx, r0))
	r0.FinishedAt, r0.Outcome, r0.Assignee = t0.Add(2*time.Hour), domain.SlipFinished, "clerk1"
	must(t, s.PutSlipRow(ctx, r0))
	must(t, s.PutSlipRow(ctx, &domain.SlipRow{DossierID: d.ID, StepIndex: 1, StepName: "Thẩm định", UnitCode: "000.01.01.H55",
		Role: domain.RoleSpecialist, StartedAt: t0.Add(2 * time.Hour), DueAt: t0.Add(10 * time.Hour)}))
	rows, err := s.ListSlip(ctx, d.ID)
	must(t, err)
	if len(rows) != 2 || rows[0].Assignee != "clerk1" || rows[0].Timeliness(t0) != domain.Late ||
		!rows[1].FinishedAt.IsZero() || rows[1].Timeliness(t0.Add(11*time.Hour)) != domain.Overdue {
		t.Fatalf("slip: %+v", rows)
	}
}

func testCalendarYears(t *testing.T, s store.Store) {
	ctx := context.Background()
	y := &domain.CalendarYear{Scope: domain.NationalScope, Year: 2026, UpdatedAt: t0, UpdatedBy: "admin",
		Days: []domain.SpecialDay{{Date: "2026-02-16", Name: "Tết"}, {Date: "2026-08-22", WorkDay: true, Name: "Làm bù"}}}
	must(t, s.PutCalendarYear(ctx, y))
	y.Days = y.Days[:1]
	must(t, s.PutCalendarYear(ctx, y))
	must(t, s.PutCalendarYear(ctx, &domain.CalendarYear{Scope: "000.00.01.H55", Year: 2026, UpdatedAt: t0, UpdatedBy: "admin"}))
	got, err := s.ListCalendarYears(ctx, []string{domain.NationalScope})
	must(t, err)
	if len(got) != 1 || len(got[0].Days) != 1 || got[0].Days[0].Name != "Tết" {
		t.Fatalf("years: %+v", got)
	}
	got, err = s.ListCalendarYears(ctx, []string{domain.NationalScope, "000.00.01.H55"})
	must(t, err)
	if len(got) != 2 || got[0].Scope != "000.00.01.H55" || got[0].Days == nil {
		t.Fatalf("years: %+v", got)
	}
}

func testDeadlineLists(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	statuses := []domain.Status{domain.StatusReceived, domain.StatusProcessing, domain.StatusAwaitingSupplement,
		domain.StatusProcessing, domain.StatusResolved, domain.StatusReceived}
	for i, st := range statuses {
		d := Dossier("000.00.01.H55", "1.000001", i+1)
		d.Status = st
		d.OriginalDueAt = t0.Add(time.Duration(10-i) * time.Hour) // later dossiers are due earlier
		must(t, s.CreateDossier(ctx, d))
	}
	// Running ones (indexes 0, 1, 3, 5) by due: 5 (t0+5h), 3 (t0+7h), 1 (t0+9h), 0 (t0+10h).
	f := store.DossierFilter{ScopeAll: true, Running: true, OrderByDue: true}
	var got []time.Time
	for {
		page, err := s.ListDossiers(ctx, f, 3)
		must(t, err)
		for _, d := range page {
			got = append(got, d.OriginalDueAt)
		}
		if len(page) < 3 {
			break
		}
		f.AfterDue, f.AfterID = page[2].OriginalDueAt, page[2].ID
	}
	want := []time.Duration{5, 7, 9, 10}
	if len(got) != len(want) {
		t.Fatalf("running by due: %v", got)
	}
	for i, h := range want {
		if !got[i].Equal(t0.Add(h * time.Hour)) {
			t.Fatalf("position %d due %v, want t0+%dh", i, got[i], h)
		}
	}
	overdue, err := s.ListDossiers(ctx, store.DossierFilter{ScopeAll: true, Running: true, DueBefore: t0.Add(8 * time.Hour)}, 10)
	must(t, err)
	if len(overdue) != 2 {
		t.Fatalf("due before t0+8h: %d", len(overdue))
	}
}

func testAuditQueries(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	var ds []*domain.Dossier
	for i := 1; i <= 3; i++ {
		d := Dossier("000.00.01.H55", "1.000001", i)
		d.CreatedAt = t0.Add(time.Duration(i) * time.Hour)
		must(t, s.CreateDossier(ctx, d))
		ds = append(ds, d)
		must(t, s.AppendEvent(ctx, &domain.Event{ID: uuid.NewString(), DossierID: d.ID, Seq: 1, Action: domain.ActionSubmit,
			To: domain.StatusSubmitted, At: d.CreatedAt, Attribution: domain.Attribution{Channel: domain.ChannelOnline,
				ActorID: "u", ActorRole: domain.RoleClerk, ActorKind: domain.ActorStaffOnBehalf, ClientAddress: "10.0.0.1:5"}}))
	}
	agencies := []string{"000.00.01.H55"}
	n, err := s.CountDossiers(ctx, agencies, t0, t0.Add(3*time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("count in [t0+0h, t0+3h): %d", n)
	}
	heads, err := s.ListChainHeads(ctx, agencies, t0, t0.Add(4*time.Hour), "", 2)
	must(t, err)
	if len(heads) != 2 || heads[0].LastHash != "h1" {
		t.Fatalf("heads: %+v", heads)
	}
	more, err := s.ListChainHeads(ctx, agencies, t0, t0.Add(4*time.Hour), heads[1].DossierID, 2)
	must(t, err)
	if len(more) != 1 {
		t.Fatalf("second page of heads: %+v", more)
	}
	subs, err := s.ListOnlineSubmissions(ctx, agencies, t0.Add(2*time.Hour), t0.Add(4*time.Hour))
	must(t, err)
	if len(subs) != 2 || subs[0].ApplicantID != "001090000001" || subs[0].ActorKind != domain.ActorStaffOnBehalf || subs[0].DossierCode != ds[1].Code ||
		subs[0].ActorRole != domain.RoleClerk {
		t.Fatalf("submissions: %+v", subs)
	}
	must(t, s.LogAccesses(ctx, []domain.Access{
		{DossierID: ds[0].ID, ActorID: "clerk", ActorRole: domain.RoleClerk, Purpose: "p1", Method: "GetDossier", At: t0},
		{DossierID: ds[1].ID, ActorID: "clerk", ActorKey: "iss|staff|clerk", ActorRole: domain.RoleClerk, Purpose: "p2", Method: "ListDossiers", At: t0.Add(time.Minute)},
	}))
	// By identity key: only the row logged with that key.
	got, err := s.ListAccesses(ctx, store.AccessFilter{ActorKey: "iss|staff|clerk"}, 10)
	must(t, err)
	if len(got) != 1 || got[0].Purpose != "p2" || got[0].ActorKey != "iss|staff|clerk" {
		t.Fatalf("accesses by key: %+v", got)
	}
	got, err = s.ListAccesses(ctx, store.AccessFilter{ActorID: "clerk"}, 10)
	must(t, err)
	if len(got) != 2 || got[0].Purpose != "p1" || got[0].DossierCode != ds[0].Code || got[1].ActorRole != domain.RoleClerk {
		t.Fatalf("accesses: %+v", got)
	}
	got, err = s.ListAccesses(ctx, store.AccessFilter{DossierID: ds[1].ID, AfterID: 0}, 10)
	must(t, err)
	if len(got) != 1 || got[0].Method != "ListDossiers" {
		t.Fatalf("accesses of one dossier: %+v", got)
	}
}
