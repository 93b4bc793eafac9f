package service_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// TestSubjectCollisionSeesNothing gives a citizen and an integration tokens
// whose subject equals a clerk's. Identity is issuer + kind + subject, so
// neither reads the clerk's access log, replays the clerk's request ids to
// get the clerk's stored answers, lists the clerk's dossiers, or merges into
// the clerk's proxy-filing signal.
func TestSubjectCollisionSeesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		clerkSpec := testenv.Clerk
		clerk := e.As(t, clerkSpec)
		// The clerk files online for six people (request ids f1…f6) and
		// reads one of those dossiers with a purpose.
		var filed []*pb.Dossier
		drafts := map[string]*pb.DossierDraft{}
		for i := 1; i <= 6; i++ {
			rid := "f" + string(rune('0'+i))
			drafts[rid] = testenv.Draft(testenv.CitizenID(i))
			r, err := e.Dossiers.SubmitDossier(clerk, &pb.SubmitDossierRequest{RequestId: rid, Dossier: drafts[rid]})
			if err != nil {
				t.Fatal(err)
			}
			filed = append(filed, r.GetDossier())
		}
		if _, err := e.Dossiers.GetDossier(clerk, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: filed[0].GetId()}, Purpose: "kiểm tra hồ sơ"}); err != nil {
			t.Fatal(err)
		}
		audit := pb.NewAuditServiceClient(e.Conn)
		own, err := audit.ListDossierAccesses(clerk, &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_ActorId{ActorId: clerkSpec.Subject}})
		if err != nil || len(own.GetAccesses()) != 1 || own.GetAccesses()[0].GetDossierCode() != filed[0].GetCode() {
			t.Fatalf("the clerk's own access log: %v %v", own, err)
		}

		impostorID := testenv.CitizenID(50)
		impostors := map[string]context.Context{
			"citizen": e.As(t, auth.TokenSpec{Subject: clerkSpec.Subject, Role: domain.RoleCitizen, CitizenID: impostorID,
				Assurance: domain.AssuranceVNeID2}),
			"integration": withCitizen(e.As(t, auth.TokenSpec{Subject: clerkSpec.Subject, Role: domain.RoleIntegration}),
				impostorID, "VNEID_2"),
		}
		for name, ctx := range impostors {
			t.Run(name, func(t *testing.T) {
				// The clerk's access log: nothing (other people's dossier
				// codes and purposes).
				got, err := audit.ListDossierAccesses(ctx, &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_ActorId{ActorId: clerkSpec.Subject}})
				if err == nil && len(got.GetAccesses()) != 0 {
					t.Errorf("%s read the clerk's access log: %v", name, got.GetAccesses())
				}
				if err != nil && status.Code(err) != codes.PermissionDenied {
					t.Fatalf("access log: %v", err)
				}
				// Replaying the clerk's request id with the clerk's request
				// runs as the impostor (who may not file for citizen 1), never
				// returns the clerk's stored answer.
				r, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "f1", Dossier: drafts["f1"]})
				if err == nil {
					t.Errorf("%s replayed the clerk's request id and got %s", name, r.GetDossier().GetCode())
					return
				}
				wantStatus(t, err, codes.PermissionDenied, "")
				// Dossier lists: none of the clerk's dossiers.
				l, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{})
				if err != nil || len(l.GetDossiers()) != 0 {
					t.Fatalf("%s lists: %v %v", name, l.GetDossiers(), err)
				}
			})
		}
		// The impostor citizen files their own dossier: it must not join the
		// clerk's account signal.
		if _, err := e.Dossiers.SubmitDossier(impostors["citizen"], &pb.SubmitDossierRequest{RequestId: "own", Dossier: testenv.Draft(impostorID)}); err != nil {
			t.Fatal(err)
		}
		sig, err := audit.ListProxyFilingSignals(e.As(t, testenv.Auditor), &pb.ListProxyFilingSignalsRequest{AgencyCode: seed.Province,
			FromTime: timestamppb.New(fixedNow.Add(-time.Hour)), ToTime: timestamppb.New(fixedNow.Add(time.Hour)), MinApplicants: 1})
		if err != nil {
			t.Fatal(err)
		}
		var clerkSignal *pb.ProxyFilingSignal
		accounts := 0
		for _, s := range sig.GetSignals() {
			if s.GetKind() != pb.ProxyFilingSignal_KIND_ACCOUNT {
				continue
			}
			accounts++
			if s.GetByActorKind()["STAFF_ON_BEHALF"] > 0 {
				clerkSignal = s
			}
		}
		if clerkSignal == nil || clerkSignal.GetDistinctApplicants() != 6 || clerkSignal.GetFilings() != 6 ||
			len(clerkSignal.GetByActorKind()) != 1 || accounts != 2 {
			t.Fatalf("the clerk's account signal absorbed the impostor's filing: %v", sig.GetSignals())
		}
		// The clerk still gets their own stored answer back.
		r, err := e.Dossiers.SubmitDossier(clerk, &pb.SubmitDossierRequest{RequestId: "f1", Dossier: drafts["f1"]})
		if err != nil || r.GetDossier().GetId() != filed[0].GetId() {
			t.Fatalf("the clerk's retry: %v %v", r, err)
		}
		_ = dr
	})
}

// TestOnlinePaymentNeedsProvenance: a clerk cannot declare a payment online
// (the online-payment figure does not move); the payment integration's
// confirmation with the provider's reference counts, with its provenance
// sealed into the event.
func TestOnlinePaymentNeedsProvenance(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		onlinePayments := func() (int64, int64) {
			t.Helper()
			r, err := pb.NewReportServiceClient(e.Conn).GetIndicators(e.As(t, testenv.Auditor), &pb.GetIndicatorsRequest{
				Scope: &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: fixedNow.Format("2006-01")}})
			if err != nil {
				t.Fatal(err)
			}
			op := r.GetIndicators().GetOnlinePayments()
			return op.GetNumerator(), op.GetDenominator()
		}
		awaiting := func(n int) *pb.Dossier {
			return dr.Must(domain.ActionRequestPayment, dr.Intake(testenv.CounterDraft(testenv.CitizenID(n))))
		}
		d := awaiting(1)
		before := e.CountRows(t)
		_, err := e.Dossiers.ConfirmPayment(dr.ClerkCtx(d), &pb.ConfirmPaymentRequest{RequestId: "clerk-online", DossierId: d.GetId(),
			ExpectedVersion: d.GetVersion(), ReceiptRef: "VNPAY-1", Online: true})
		wantStatus(t, err, codes.PermissionDenied, "online")
		if after := e.CountRows(t); after["dossier_events"] != before["dossier_events"] || after["requests"] != before["requests"] {
			t.Fatalf("a refused claim changed rows: %v → %v", before, after)
		}
		if num, den := onlinePayments(); num != 0 || den != 0 {
			t.Fatalf("online payments after the clerk's claim = %d/%d, want 0/0", num, den)
		}
		// The clerk's confirmation is a counter payment.
		pay, err := e.Dossiers.ConfirmPayment(dr.ClerkCtx(d), &pb.ConfirmPaymentRequest{RequestId: "clerk-counter", DossierId: d.GetId(),
			ExpectedVersion: d.GetVersion(), ReceiptRef: "BL-1"})
		if err != nil {
			t.Fatal(err)
		}
		if pay.GetEvent().GetDetails()["paid_online"] != "false" || pay.GetEvent().GetAttribution().GetChannel() == pb.Channel_CHANNEL_ONLINE {
			t.Fatalf("counter payment event: %v", pay.GetEvent())
		}
		if num, den := onlinePayments(); num != 0 || den != 1 {
			t.Fatalf("online payments after a counter payment = %d/%d, want 0/1", num, den)
		}
		// The payment platform confirms the applicant's online payment.
		d2 := awaiting(2)
		platform := withCitizen(e.As(t, auth.TokenSpec{Subject: "payment-platform", Role: domain.RoleIntegration}), testenv.CitizenID(2), "VNEID_2")
		pay, err = e.Dossiers.ConfirmPayment(platform, &pb.ConfirmPaymentRequest{RequestId: "paygov-2", DossierId: d2.GetId(),
			ExpectedVersion: d2.GetVersion(), ReceiptRef: "PAYGOV-0002", Online: true})
		if err != nil {
			t.Fatal(err)
		}
		det := pay.GetEvent().GetDetails()
		if det["paid_online"] != "true" || det["payment_provider"] != auth.DevIssuer+"/payment-platform" || det["payment_reference"] != "PAYGOV-0002" {
			t.Fatalf("online payment provenance: %v", det)
		}
		if num, den := onlinePayments(); num != 1 || den != 2 {
			t.Fatalf("online payments = %d/%d, want 1/2", num, den)
		}
		// The chains still verify and the aggregates agree with the events.
		if broken, _ := verifyChains(t, e, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_DossierId{DossierId: d2.GetId()}}); len(broken) != 0 {
			t.Fatalf("broken: %v", broken)
		}
	})
}
