package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/popdb"
	"github.com/motcua/motcua/internal/popsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// popEnv is a server connected to a population-database simulator over
// loopback, with its own connector (short timeouts, no cache so that every
// intake really asks).
type popEnv struct {
	*testenv.Env
	sim *popsim.Sim
	dr  *testenv.Driver
	ids pb.IdentityServiceClient
}

func forEachStoreWithPopulation(t *testing.T, budget time.Duration, fn func(t *testing.T, e *popEnv)) {
	forEachStoreWithPopulationTimeout(t, budget, 2*time.Second, fn)
}

// forEachStoreWithPopulationTimeout is forEachStoreWithPopulation with the
// population client's own time limit on a call.
func forEachStoreWithPopulationTimeout(t *testing.T, budget, clientTimeout time.Duration, fn func(t *testing.T, e *popEnv)) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			sim, err := popsim.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sim.Close() })
			cl, err := popdb.New(popdb.Config{BaseURL: sim.URL(), ClientID: popsim.ClientID, ClientSecret: popsim.ClientSecret,
				Timeout: clientTimeout, CacheTTL: -1, BreakerFailures: 1000})
			if err != nil {
				t.Fatal(err)
			}
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow },
				AppOptions: []app.Option{app.WithPopulationDB(cl, budget)}})
			fn(t, &popEnv{Env: e, sim: sim, dr: e.NewDriver(t), ids: pb.NewIdentityServiceClient(e.Conn)})
		})
	}
}

// register adds the citizen testenv.Draft files for (name Nguyễn Văn An).
func (e *popEnv) register(id string) {
	e.sim.Add(popdb.CongDan{SoDinhDanh: id, HoVaTen: "Nguyễn Văn An", NgayThangNamSinh: "1990-05-12", GioiTinh: "NAM",
		NoiThuongTru: "12 Hàng Bạc, Hoàn Kiếm, Hà Nội", NoiOHienTai: "12 Hàng Bạc, Hoàn Kiếm, Hà Nội"})
}

func (e *popEnv) events(t *testing.T, d *pb.Dossier) []*pb.DossierEvent {
	t.Helper()
	r, err := e.Dossiers.ListDossierEvents(e.dr.ClerkCtx(d), &pb.ListDossierEventsRequest{DossierId: d.GetId(), Purpose: "test", PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetEvents()
}

func (e *popEnv) get(t *testing.T, d *pb.Dossier) *pb.Dossier {
	t.Helper()
	r, err := e.Dossiers.GetDossier(e.dr.ClerkCtx(d), &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetDossier()
}

func (e *popEnv) chainIntact(t *testing.T, d *pb.Dossier) {
	t.Helper()
	breaks, sum, err := allBreaks(t, e.Env, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_DossierId{DossierId: d.GetId()}})
	if err != nil || !sum.GetIntact() || len(breaks) > 0 {
		t.Fatalf("chain of %s: err %v, summary %v, breaks %v", d.GetCode(), err, sum, breaks)
	}
}

// TestIntakeVerifiesIdentityAgainstThePopulationDatabase: match, mismatch
// and not found at online and counter intake, each with its provenance
// sealed into the event chain and a line in the query log.
func TestIntakeVerifiesIdentityAgainstThePopulationDatabase(t *testing.T) {
	forEachStoreWithPopulation(t, 2*time.Second, func(t *testing.T, e *popEnv) {
		match, wrongName, unknown := testenv.CitizenID(1), testenv.CitizenID(2), testenv.CitizenID(3)
		e.register(match)
		e.sim.Add(popdb.CongDan{SoDinhDanh: wrongName, HoVaTen: "Phạm Thị Dung", NgayThangNamSinh: "1990-01-01"})

		d := e.dr.Submit(testenv.Draft(match))
		v := d.GetIdentityVerification()
		if v.GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_MATCH || !v.GetMatched() || v.GetSource() != domain.SourcePopulationDB ||
			v.GetQueryId() == "" || v.GetApplicant().GetAssurance() != "ID_NAME" || v.GetFlag() != "" ||
			len(v.GetApplicant().GetFieldsMatched()) != 2 || v.GetApplicant().GetCheckTime() == nil {
			t.Fatalf("match: %v", v)
		}
		e.chainIntact(t, d)

		draft := testenv.CounterDraft(wrongName)
		draft.Applicant.BirthDate = "1990-01-01"
		bad := e.dr.Intake(draft)
		v = bad.GetIdentityVerification()
		if v.GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_NO_MATCH || v.GetMatched() || v.GetFlag() != domain.FlagIdentityMismatch ||
			len(v.GetApplicant().GetFieldsMismatched()) != 1 || v.GetApplicant().GetFieldsMismatched()[0] != "name" {
			t.Fatalf("mismatch: %v", v)
		}
		if bad.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RECEIVED {
			t.Fatalf("a mismatch does not block intake: %v", bad.GetStatus())
		}
		e.chainIntact(t, bad)

		nf := e.dr.Submit(testenv.Draft(unknown)).GetIdentityVerification()
		if nf.GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_NOT_FOUND || nf.GetFlag() != domain.FlagIdentityNotFound {
			t.Fatalf("not found: %v", nf)
		}

		// The query log: who asked about whom, for which dossier, why.
		log, err := e.ids.ListPopulationQueries(e.As(t, testenv.Auditor), &pb.ListPopulationQueriesRequest{SubjectIdNumber: match})
		if err != nil {
			t.Fatal(err)
		}
		if q := log.GetQueries(); len(q) != 1 || q[0].GetDossierId() != d.GetId() || q[0].GetKind() != "VERIFY" ||
			q[0].GetPurpose() != app.PurposeIntake || q[0].GetOutcome() != "MATCH" || q[0].GetActorRole() != pb.Role_ROLE_CITIZEN {
			t.Fatalf("query log: %v", q)
		}
		// A citizen sees the queries about themself, and only those.
		mine, err := e.ids.ListPopulationQueries(e.As(t, testenv.Citizen(match)), &pb.ListPopulationQueriesRequest{})
		if err != nil || len(mine.GetQueries()) != 1 {
			t.Fatalf("citizen's own log: %v %v", mine, err)
		}
		_, err = e.ids.ListPopulationQueries(e.As(t, testenv.Citizen(match)), &pb.ListPopulationQueriesRequest{SubjectIdNumber: unknown})
		wantStatus(t, err, 7 /* PERMISSION_DENIED */, "")
		// The simulator saw who asked and why.
		reqs := e.sim.Requests()
		if len(reqs) != 3 || reqs[0].MucDich != app.PurposeIntake || reqs[0].MaYeuCau != d.GetId() {
			t.Fatalf("simulator log: %+v", reqs)
		}
	})
}

// TestPopulationDatabaseDownNeverBlocksIntake: 100 intakes while the
// database is down all complete, pending; when it returns, the retry
// verifies every one exactly once (two workers at once), by SYSTEM, and
// flags the mismatch planted in the simulator.
func TestPopulationDatabaseDownNeverBlocksIntake(t *testing.T) {
	forEachStoreWithPopulation(t, 500*time.Millisecond, func(t *testing.T, e *popEnv) {
		const n = 100
		e.sim.SetDown(true)
		var ds []*pb.Dossier
		for i := range n {
			id := testenv.CitizenID(100 + i)
			e.register(id)
			var d *pb.Dossier
			if i%2 == 0 {
				d = e.dr.Submit(testenv.Draft(id))
			} else {
				d = e.dr.Intake(testenv.CounterDraft(id))
			}
			if v := d.GetIdentityVerification(); v.GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_PENDING ||
				v.GetApplicant().GetProblem() != popdb.ReasonUnavailable {
				t.Fatalf("intake %d while down: %v", i, v)
			}
			ds = append(ds, d)
		}
		admin := e.As(t, testenv.Admin)
		// Still down: nothing resolved, nothing recorded.
		if r, err := e.ids.RetryPendingVerifications(admin, &pb.RetryPendingVerificationsRequest{}); err != nil || r.GetResolved() != 0 {
			t.Fatalf("retry while down: %v %v", r, err)
		}
		// The database returns, with a wrong answer planted for one citizen.
		planted := ds[7]
		e.sim.SetMismatch(planted.GetApplicant().GetIdNumber(), true)
		e.sim.SetDown(false)
		var wg sync.WaitGroup
		total := make([]int, 2)
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.App.RetryPendingVerifications(context.Background())
				if err != nil {
					t.Error(err)
				}
				total[w] = r
			}()
		}
		wg.Wait()
		if total[0]+total[1] != n {
			t.Fatalf("resolved %v, want %d in all", total, n)
		}
		for _, d := range ds {
			got := e.get(t, d)
			v := got.GetIdentityVerification()
			want := pb.VerificationOutcome_VERIFICATION_OUTCOME_MATCH
			if d.GetId() == planted.GetId() {
				want = pb.VerificationOutcome_VERIFICATION_OUTCOME_NO_MATCH
				if v.GetFlag() != domain.FlagIdentityMismatch {
					t.Fatalf("planted mismatch not flagged: %v", v)
				}
			}
			if v.GetOutcome() != want || v.GetAttempts() < 1 {
				t.Fatalf("%s after the retry: %v", d.GetCode(), v)
			}
			var verified []*pb.DossierEvent
			for _, ev := range e.events(t, got) {
				if ev.GetAction() == pb.Action_ACTION_VERIFY_IDENTITY {
					verified = append(verified, ev)
				}
			}
			if len(verified) != 1 || verified[0].GetAttribution().GetActorKind() != pb.ActorKind_ACTOR_KIND_SYSTEM ||
				verified[0].GetToStatus() != d.GetStatus() {
				t.Fatalf("%s: want one VERIFY_IDENTITY event by SYSTEM, got %v", d.GetCode(), verified)
			}
		}
		e.chainIntact(t, planted)
		// Nothing left pending; another run does nothing.
		if r, err := e.ids.RetryPendingVerifications(admin, &pb.RetryPendingVerificationsRequest{}); err != nil || r.GetResolved() != 0 {
			t.Fatalf("second retry: %v %v", r, err)
		}
	})
}

// TestSlowPopulationDatabaseLeavesIntakePending: an answer slower than the
// intake's budget does not hold the intake. The answer would take 20 s and the
// client would wait 30 s for it, so an intake that ends within 10 s (the
// 200 ms budget with room for a loaded machine) waited for neither.
func TestSlowPopulationDatabaseLeavesIntakePending(t *testing.T) {
	forEachStoreWithPopulationTimeout(t, 200*time.Millisecond, 30*time.Second, func(t *testing.T, e *popEnv) {
		id := testenv.CitizenID(5)
		e.register(id)
		e.sim.SetDelay(20 * time.Second)
		start := time.Now()
		d := e.dr.Submit(testenv.Draft(id))
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("intake waited %v for a slow database", took)
		}
		if v := d.GetIdentityVerification(); v.GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_PENDING ||
			v.GetApplicant().GetProblem() != app.ProblemNoAnswerInTime {
			t.Fatalf("slow: %v", v)
		}
	})
}

// TestCounterPrefillFromPopulationDatabase: a clerk looks a citizen up and
// takes the dossier in with the registered data; those fields are marked
// pre-filled, and both queries are in the log with the clerk's purpose.
func TestCounterPrefillFromPopulationDatabase(t *testing.T) {
	forEachStoreWithPopulation(t, 2*time.Second, func(t *testing.T, e *popEnv) {
		id := testenv.CitizenID(9)
		e.register(id)
		clerk := e.dr.ClerkCtx(&pb.Dossier{AgencyCode: seed.OneStopCentre})
		z, err := e.ids.LookupCitizen(clerk, &pb.LookupCitizenRequest{IdNumber: id, Purpose: "counter intake"})
		if err != nil {
			t.Fatal(err)
		}
		c := z.GetCitizen()
		if c.GetFullName() != "Nguyễn Văn An" || c.GetBirthDate() != "1990-05-12" || c.GetQueryId() == "" {
			t.Fatalf("lookup: %v", c)
		}
		draft := testenv.CounterDraft(id)
		draft.Applicant.Name, draft.Applicant.BirthDate, draft.Applicant.Address = c.GetFullName(), c.GetBirthDate(), c.GetCurrentAddress()
		e.StoreFiles(t, clerk, draft.GetComponents()) // a scan at intake must be stored first (docs/documents.md)
		r, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "prefill-1",
			Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: draft}, PrefillFromPopulationDb: true})
		if err != nil {
			t.Fatal(err)
		}
		v := r.GetDossier().GetIdentityVerification()
		if len(v.GetPrefilledFields()) != 3 || v.GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_MATCH ||
			v.GetApplicant().GetAssurance() != "ID_NAME_BIRTHDATE" {
			t.Fatalf("prefilled: %v", v)
		}
		e.chainIntact(t, r.GetDossier())
		// A citizen may not look people up.
		_, err = e.ids.LookupCitizen(e.As(t, testenv.Citizen(id)), &pb.LookupCitizenRequest{IdNumber: id, Purpose: "x"})
		wantStatus(t, err, 7, "")
		// An invalid number is refused before anything is asked.
		before := e.sim.Queries()
		_, err = e.ids.LookupCitizen(clerk, &pb.LookupCitizenRequest{IdNumber: "999000000001", Purpose: "x"})
		wantStatus(t, err, 3, "id_number")
		if e.sim.Queries() != before {
			t.Fatal("an invalid number reached the database")
		}
		// A number the database does not hold: the clerk is told which field.
		_, err = e.ids.LookupCitizen(clerk, &pb.LookupCitizenRequest{IdNumber: testenv.CitizenID(11), Purpose: "x"})
		wantStatus(t, err, 3, "id_number")
		_, err = e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "prefill-unknown",
			Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: testenv.CounterDraft(testenv.CitizenID(11))}, PrefillFromPopulationDb: true})
		wantStatus(t, err, 3, "new_dossier.applicant.id_number")
		// The database down: the clerk is told (UNAVAILABLE), not INTERNAL.
		e.sim.SetDown(true)
		_, err = e.ids.LookupCitizen(clerk, &pb.LookupCitizenRequest{IdNumber: testenv.CitizenID(10), Purpose: "x"})
		wantStatus(t, err, 14, "")
		log, err := e.ids.ListPopulationQueries(e.As(t, testenv.Auditor), &pb.ListPopulationQueriesRequest{SubjectIdNumber: id})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, q := range log.GetQueries() {
			kinds[q.GetKind()]++
			if q.GetActorRole() != pb.Role_ROLE_CLERK {
				t.Fatalf("asked by %v", q)
			}
		}
		if kinds["LOOKUP"] != 2 || kinds["VERIFY"] != 1 { // the unknown number's queries are about another person
			t.Fatalf("query log kinds: %v", kinds)
		}
	})
}

// TestUnverifiedMandateIsNotGenuineOnline: a representative's online filing
// counts as REPRESENTATIVE_UNVERIFIED (not genuine online) until a clerk
// verifies the mandate; the change is an event and the chain verifies.
func TestUnverifiedMandateIsNotGenuineOnline(t *testing.T) {
	forEachStoreWithPopulation(t, 2*time.Second, func(t *testing.T, e *popEnv) {
		applicant, rep := testenv.CitizenID(20), testenv.CitizenID(21)
		e.register(applicant)
		e.sim.Add(popdb.CongDan{SoDinhDanh: rep, HoVaTen: "Trần Văn Bảo", NgayThangNamSinh: "1990-02-02"})
		draft := testenv.Draft(applicant)
		draft.Representative = &pb.Representative{Name: "Trần Văn Bảo", IdNumber: rep, MandateRef: "UQ-2026-17",
			MandateScope: "nộp hồ sơ và nhận kết quả", MandateValidUntil: "2026-12-31", PrincipalIdNumber: applicant,
			MandateCheck: &pb.MandateCheck{Status: pb.MandateStatus_MANDATE_STATUS_VERIFIED}} // claimed: ignored
		r, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(rep)), &pb.SubmitDossierRequest{RequestId: "rep-1", Dossier: draft})
		if err != nil {
			t.Fatal(err)
		}
		d := r.GetDossier()
		if d.GetFiledBy() != pb.ActorKind_ACTOR_KIND_REPRESENTATIVE_UNVERIFIED ||
			d.GetRepresentative().GetMandateCheck().GetStatus() != pb.MandateStatus_MANDATE_STATUS_UNVERIFIED ||
			d.GetIdentityVerification().GetRepresentative().GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_MATCH {
			t.Fatalf("representative filing: %v", d)
		}
		own := e.dr.Submit(testenv.Draft(testenv.CitizenID(22)))
		genuine := func() int64 {
			t.Helper()
			in, err := pb.NewReportServiceClient(e.Conn).GetIndicators(e.As(t, testenv.Auditor),
				&pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026-02"}})
			if err != nil {
				t.Fatal(err)
			}
			return in.GetIndicators().GetOnlineGenuine()
		}
		for _, x := range []*pb.Dossier{d, own} {
			e.dr.Must(domain.ActionReceive, e.get(t, x))
		}
		if g := genuine(); g != 1 {
			t.Fatalf("genuine online with an unverified mandate: %d, want 1 (the citizen's own)", g)
		}
		// An expired mandate is refused at intake.
		old := testenv.Draft(testenv.CitizenID(23))
		old.Representative = &pb.Representative{Name: "Trần Văn Bảo", IdNumber: rep, MandateRef: "UQ-1", MandateValidUntil: "2025-12-31"}
		_, err = e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(rep)), &pb.SubmitDossierRequest{RequestId: "rep-old", Dossier: old})
		wantStatus(t, err, 3, "dossier.representative.mandate_valid_until")

		cur := e.get(t, d)
		clerk := e.dr.ClerkCtx(cur)
		req := &pb.CheckMandateRequest{RequestId: "mandate-1", DossierId: cur.GetId(), ExpectedVersion: cur.GetVersion(),
			Decision: pb.MandateStatus_MANDATE_STATUS_VERIFIED, Note: "bản gốc giấy ủy quyền đã đối chiếu"}
		m, err := e.ids.CheckMandate(clerk, req)
		if err != nil {
			t.Fatal(err)
		}
		md := m.GetDossier()
		if md.GetFiledBy() != pb.ActorKind_ACTOR_KIND_REPRESENTATIVE || md.GetRepresentative().GetMandateCheck().GetMethod() != "CLERK" ||
			md.GetRepresentative().GetMandateCheck().GetCheckedBy() == "" || m.GetEvent().GetAction() != pb.Action_ACTION_CHECK_MANDATE {
			t.Fatalf("checked: %v", m)
		}
		// Idempotent by request id; a stale version is ABORTED.
		again, err := e.ids.CheckMandate(clerk, req)
		if err != nil || again.GetDossier().GetVersion() != md.GetVersion() {
			t.Fatalf("replay: %v %v", again, err)
		}
		req.RequestId = "mandate-2"
		_, err = e.ids.CheckMandate(clerk, req)
		wantStatus(t, err, 10, "")
		// A citizen cannot verify a mandate.
		_, err = e.ids.CheckMandate(e.As(t, testenv.Citizen(rep)), &pb.CheckMandateRequest{RequestId: "m3", DossierId: md.GetId(),
			ExpectedVersion: md.GetVersion(), Decision: pb.MandateStatus_MANDATE_STATUS_VERIFIED})
		wantStatus(t, err, 7, "")
		if g := genuine(); g != 2 {
			t.Fatalf("genuine online after the mandate was verified: %d, want 2", g)
		}
		e.chainIntact(t, md)
	})
}
