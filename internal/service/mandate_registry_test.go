package service_test

import (
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/connectjobs"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/mandatereg"
	"github.com/motcua/motcua/internal/mandatesim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/store"
	"github.com/motcua/motcua/internal/testenv"
)

// TestMandateRegistry: with a mandate registry connected, a
// representative's mandate is checked at intake: a valid one makes the
// filing genuine online at once, a revoked or out-of-scope one is flagged
// and stays unverified, and an official verifying it anyway must say why
// and leaves the registry's answer visible. With the registry down the
// intake completes, the check is pending, and the job records the answer
// once (by SYSTEM, sealed) when the registry is back; replays change
// nothing.
func TestMandateRegistry(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			sim, err := mandatesim.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sim.Close() })
			cl, err := mandatereg.New(mandatereg.Config{BaseURL: sim.URL(), ClientID: mandatesim.ClientID,
				ClientSecret: mandatesim.ClientSecret, Timeout: time.Second, BreakerFailures: 1000})
			if err != nil {
				t.Fatal(err)
			}
			ref := &connectjobs.Ref{}
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow },
				AppOptions: []app.Option{app.WithMandateRegistry(cl, time.Second)}, Jobs: connectorJobs(ref),
				AppReady: func(a *app.Service) { ref.App = a }})
			pe := &popEnv{Env: e, dr: e.NewDriver(t), ids: pb.NewIdentityServiceClient(e.Conn)}

			principal, rep := testenv.CitizenID(60), testenv.CitizenID(61)
			mandate := func(ref string, change func(*mandatereg.UyQuyen)) {
				m := mandatereg.UyQuyen{SoUyQuyen: ref, NguoiUyQuyen: principal, NguoiDuocUyQuyen: rep,
					PhamVi: "nộp hồ sơ và nhận kết quả", HieuLucTu: "2026-01-01", HieuLucDen: "2026-12-31"}
				if change != nil {
					change(&m)
				}
				sim.Add(m)
			}
			mandate("UQ-T-VALID", nil)
			mandate("UQ-T-REVOKED", func(m *mandatereg.UyQuyen) { m.DaThuHoi = true })
			mandate("UQ-T-SCOPE", func(m *mandatereg.UyQuyen) { m.MaThuTuc = []string{"9.999999"} })
			mandate("UQ-T-LATER", nil)
			file := func(rid, mandateRef string) *pb.Dossier {
				t.Helper()
				draft := testenv.Draft(principal)
				draft.Representative = &pb.Representative{Name: "Trần Văn Bảo", IdNumber: rep, MandateRef: mandateRef,
					MandateScope: "nộp hồ sơ", MandateValidUntil: "2026-12-31", PrincipalIdNumber: principal}
				r, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(rep)), &pb.SubmitDossierRequest{RequestId: rid, Dossier: draft})
				if err != nil {
					t.Fatal(err)
				}
				return r.GetDossier()
			}
			genuine := func() int64 {
				t.Helper()
				in, err := pb.NewReportServiceClient(e.Conn).GetIndicators(e.As(t, testenv.Auditor),
					&pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026-02"}})
				if err != nil {
					t.Fatal(err)
				}
				return in.GetIndicators().GetOnlineGenuine()
			}
			countEvents := func(d *pb.Dossier, a pb.Action) (n int, last *pb.DossierEvent) {
				for _, ev := range pe.events(t, d) {
					if ev.GetAction() == a {
						n, last = n+1, ev
					}
				}
				return n, last
			}

			// Valid: verified at intake with the registry's provenance and
			// record; genuine online.
			valid := file("m-valid", "UQ-T-VALID")
			c := valid.GetRepresentative().GetMandateCheck()
			if valid.GetFiledBy() != pb.ActorKind_ACTOR_KIND_REPRESENTATIVE || c.GetStatus() != pb.MandateStatus_MANDATE_STATUS_VERIFIED ||
				c.GetMethod() != "REGISTRY" || c.GetSource() != domain.SourceMandateRegistry || c.GetQueryId() == "" ||
				c.GetAssurance() != domain.AssuranceMandateRegistry || c.GetRecord().GetValidUntil() != "2026-12-31" ||
				c.GetRecord().GetPrincipalIdNumber() != principal || c.GetFlag() != "" || c.GetCheckTime() == nil {
				t.Fatalf("valid mandate: filed by %v, check %v", valid.GetFiledBy(), c)
			}
			if _, ev := countEvents(valid, pb.Action_ACTION_SUBMIT); ev.GetDetails()["mandate"] != "VERIFIED" ||
				ev.GetDetails()["mandate_query_id"] != c.GetQueryId() {
				t.Fatalf("intake event: %v", ev.GetDetails())
			}
			// The registry was asked about the day of filing in the agency's
			// zone, by the filer, for the dossier.
			if q := sim.Requests()[0]; q.NgayKiemTra != "2026-02-13" || q.MaYeuCau != valid.GetId() || q.MaThuTuc != valid.GetProcedureCode() {
				t.Fatalf("registry request: %+v", q)
			}

			// Revoked and out of scope: flagged, unverified.
			revoked := file("m-revoked", "UQ-T-REVOKED")
			scope := file("m-scope", "UQ-T-SCOPE")
			for d, reason := range map[*pb.Dossier]string{revoked: domain.MandateRevoked, scope: domain.MandateOutOfScope} {
				c := d.GetRepresentative().GetMandateCheck()
				if d.GetFiledBy() != pb.ActorKind_ACTOR_KIND_REPRESENTATIVE_UNVERIFIED || c.GetStatus() != pb.MandateStatus_MANDATE_STATUS_REJECTED ||
					c.GetReason() != reason || c.GetFlag() != domain.FlagMandateInvalid || c.GetQueryId() == "" {
					t.Fatalf("%s: filed by %v, check %v", reason, d.GetFiledBy(), c)
				}
			}
			for _, d := range []*pb.Dossier{valid, revoked, scope} {
				pe.dr.Must(domain.ActionReceive, pe.get(t, d))
			}
			if g := genuine(); g != 1 {
				t.Fatalf("genuine online: %d, want 1 (the valid mandate only)", g)
			}

			// An official cannot silently override the registry's "invalid":
			// a reason is required, and the registry's answer and flag stay.
			cur := pe.get(t, revoked)
			req := &pb.CheckMandateRequest{RequestId: "override-1", DossierId: cur.GetId(), ExpectedVersion: cur.GetVersion(),
				Decision: pb.MandateStatus_MANDATE_STATUS_VERIFIED}
			_, err = pe.ids.CheckMandate(pe.dr.ClerkCtx(cur), req)
			wantStatus(t, err, 3, "note")
			req.RequestId, req.Note = "override-2", "người ủy quyền có mặt, xác nhận lại ủy quyền"
			m, err := pe.ids.CheckMandate(pe.dr.ClerkCtx(cur), req)
			if err != nil {
				t.Fatal(err)
			}
			oc := m.GetDossier().GetRepresentative().GetMandateCheck()
			if oc.GetMethod() != "CLERK" || oc.GetRegistry().GetReason() != domain.MandateRevoked || oc.GetFlag() != domain.FlagMandateInvalid ||
				m.GetEvent().GetDetails()["overrides_registry"] != "REJECTED REVOKED" {
				t.Fatalf("override: %v, event %v", oc, m.GetEvent().GetDetails())
			}

			// The registry down: intake completes, pending; the job records
			// the answer once the registry is back.
			sim.SetDown(true)
			later := file("m-later", "UQ-T-LATER")
			if c := later.GetRepresentative().GetMandateCheck(); c.GetStatus() != pb.MandateStatus_MANDATE_STATUS_PENDING ||
				c.GetReason() != mandatereg.FailureUnavailable || later.GetFiledBy() != pb.ActorKind_ACTOR_KIND_REPRESENTATIVE_UNVERIFIED {
				t.Fatalf("pending: %v", later)
			}
			time.Sleep(300 * time.Millisecond) // a few failed attempts
			if got := pe.get(t, later); got.GetRepresentative().GetMandateCheck().GetStatus() != pb.MandateStatus_MANDATE_STATUS_PENDING ||
				got.GetVersion() != later.GetVersion() {
				t.Fatalf("while down: %v", got.GetRepresentative())
			}
			// An official who saw a mandate the registry has not answered
			// about decides it; the retry then leaves it alone.
			mandate("UQ-T-CLERK", nil)
			byClerk := file("m-clerk", "UQ-T-CLERK")
			cm, err := pe.ids.CheckMandate(pe.dr.ClerkCtx(byClerk), &pb.CheckMandateRequest{RequestId: "clerk-pending",
				DossierId: byClerk.GetId(), ExpectedVersion: byClerk.GetVersion(), Decision: pb.MandateStatus_MANDATE_STATUS_VERIFIED})
			if err != nil || cm.GetDossier().GetRepresentative().GetMandateCheck().GetMethod() != "CLERK" {
				t.Fatalf("clerk on a pending check: %v %v", cm, err)
			}
			sim.SetDown(false)
			if err := e.App.VerifyMandate(t.Context(), byClerk.GetId()); err != nil {
				t.Fatal(err)
			}
			if n, _ := countEvents(byClerk, pb.Action_ACTION_CHECK_MANDATE); n != 1 ||
				pe.get(t, byClerk).GetRepresentative().GetMandateCheck().GetMethod() != "CLERK" {
				t.Fatalf("after the registry came back: %d CHECK_MANDATE events, %v", n, pe.get(t, byClerk).GetRepresentative())
			}
			deadline := time.Now().Add(20 * time.Second)
			for pe.get(t, later).GetRepresentative().GetMandateCheck().GetStatus() == pb.MandateStatus_MANDATE_STATUS_PENDING {
				if time.Now().After(deadline) {
					t.Fatal("the pending mandate check was not answered in 20s")
				}
				time.Sleep(50 * time.Millisecond)
			}
			got := pe.get(t, later)
			gc := got.GetRepresentative().GetMandateCheck()
			if gc.GetStatus() != pb.MandateStatus_MANDATE_STATUS_VERIFIED || gc.GetAttempts() < 1 || gc.GetQueryId() == "" ||
				got.GetFiledBy() != pb.ActorKind_ACTOR_KIND_REPRESENTATIVE {
				t.Fatalf("answered: %v", got)
			}
			n, ev := countEvents(got, pb.Action_ACTION_CHECK_MANDATE)
			if n != 1 || ev.GetAttribution().GetActorKind() != pb.ActorKind_ACTOR_KIND_SYSTEM || ev.GetDetails()["mandate"] != "VERIFIED" ||
				ev.GetDetails()["mandate_source"] != domain.SourceMandateRegistry {
				t.Fatalf("%d CHECK_MANDATE events, last %v", n, ev)
			}
			// Replays: the sweep, the job and the intake again change nothing.
			if n, err := e.App.RetryPendingMandates(t.Context()); err != nil || n != 0 {
				t.Fatalf("sweep after the answer: %d %v", n, err)
			}
			if err := e.App.VerifyMandate(t.Context(), got.GetId()); err != nil {
				t.Fatal(err)
			}
			again := file("m-later", "UQ-T-LATER")
			if again.GetId() != later.GetId() || again.GetVersion() != later.GetVersion() {
				t.Fatalf("intake replay: %s v%d, want %s v%d", again.GetId(), again.GetVersion(), later.GetId(), later.GetVersion())
			}
			if n, _ := countEvents(got, pb.Action_ACTION_CHECK_MANDATE); n != 1 || pe.get(t, later).GetVersion() != got.GetVersion() {
				t.Fatalf("after replays: %d CHECK_MANDATE events", n)
			}
			pe.dr.Must(domain.ActionReceive, got)
			pe.dr.Must(domain.ActionReceive, pe.get(t, byClerk))
			if g := genuine(); g != 4 {
				t.Fatalf("genuine online: %d, want 4 (valid, overridden, confirmed by a clerk, answered later)", g)
			}
			pe.chainIntact(t, got)
			pe.chainIntact(t, m.GetDossier())

			// Every registry query is in the query log, with its purpose.
			qs, err := e.App.ListPopulationQueries(t.Context(), domain.Principal{Subject: "auditor-1", Role: domain.RoleAuditor,
				AgencyCode: seed.Province}, store.PopulationQueryFilter{DossierID: later.GetId()}, 100)
			if err != nil || len(qs) < 2 || qs[0].Kind != "MANDATE" || qs[0].Outcome != "FAILED" || qs[len(qs)-1].Outcome != "VALID" ||
				qs[len(qs)-1].ActorRole != domain.RoleSystem {
				t.Fatalf("query log: %+v %v", qs, err)
			}
		})
	}
}
