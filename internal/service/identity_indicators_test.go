package service_test

import (
	"fmt"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// provinceIndicators reads the province's indicators for fixedNow's month
// and checks that `report verify` agrees with the aggregates they come from.
func provinceIndicators(t *testing.T, e *testenv.Env) *pb.Indicators {
	t.Helper()
	r, err := pb.NewReportServiceClient(e.Conn).GetIndicators(e.As(t, testenv.Auditor),
		&pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026-02"}})
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := e.App.VerifyStats(t.Context(), nil)
	if err != nil || len(diffs) > 0 {
		t.Fatalf("report verify disagrees with the aggregates: %v %v", diffs, err)
	}
	return r.GetIndicators()
}

// identityFigures is the identity block of the indicators, as one
// comparable string.
func identityFigures(in *pb.Indicators) string {
	r := func(x *pb.Rate) string { return fmt.Sprintf("%d/%d", x.GetNumerator(), x.GetDenominator()) }
	return fmt.Sprintf("checked=%d verified=%s pending=%d while_pending=%d mismatches=%d entered_once=%s prefilled=%s",
		in.GetIdentityChecked(), r(in.GetIdentityVerified()), in.GetIdentityPending(), in.GetProcessedWhilePending(),
		in.GetIdentityMismatches(), r(in.GetEnteredOnce()), r(in.GetPrefilledFields()))
}

// TestIdentityIndicatorsMoveWithTheChecks: the identity figures of
// GetIndicators move exactly when a check matches, mismatches, stays
// pending (and the dossier is acted on meanwhile), is answered later, and
// when a counter intake pre-fills fields; `report verify` agrees at each
// step.
func TestIdentityIndicatorsMoveWithTheChecks(t *testing.T) {
	forEachStoreWithPopulation(t, 500*time.Millisecond, func(t *testing.T, e *popEnv) {
		want := func(step, figures string) {
			t.Helper()
			if got := identityFigures(provinceIndicators(t, e.Env)); got != figures {
				t.Fatalf("%s:\n got %s\nwant %s", step, got, figures)
			}
		}
		want("nothing filed", "checked=0 verified=0/0 pending=0 while_pending=0 mismatches=0 entered_once=0/0 prefilled=0/0")

		match, wrong, late, prefill := testenv.CitizenID(60), testenv.CitizenID(61), testenv.CitizenID(62), testenv.CitizenID(63)
		for _, id := range []string{match, wrong, late, prefill} {
			e.register(id)
		}
		e.dr.Submit(testenv.Draft(match))
		want("a match", "checked=1 verified=1/1 pending=0 while_pending=0 mismatches=0 entered_once=0/1 prefilled=0/3")

		e.sim.SetMismatch(wrong, true)
		if v := e.dr.Submit(testenv.Draft(wrong)).GetIdentityVerification(); v.GetFlag() != domain.FlagIdentityMismatch {
			t.Fatalf("planted mismatch: %v", v)
		}
		want("a mismatch", "checked=2 verified=1/2 pending=0 while_pending=0 mismatches=1 entered_once=0/2 prefilled=0/6")

		e.sim.SetDown(true)
		d := e.dr.Submit(testenv.Draft(late))
		want("pending", "checked=3 verified=1/3 pending=1 while_pending=0 mismatches=1 entered_once=0/3 prefilled=0/9")
		// Accepted while the database is still down: counted when the answer
		// comes (the sealed pending_while_processed mark is set then).
		e.dr.Must(domain.ActionReceive, d)
		want("received while pending", "checked=3 verified=1/3 pending=1 while_pending=0 mismatches=1 entered_once=0/3 prefilled=0/9")
		e.sim.SetDown(false)
		if n, err := e.App.RetryPendingVerifications(t.Context()); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		if v := e.get(t, d).GetIdentityVerification(); !v.GetPendingWhileProcessed() {
			t.Fatalf("not marked processed while pending: %v", v)
		}
		want("answered later", "checked=3 verified=2/3 pending=0 while_pending=1 mismatches=1 entered_once=0/3 prefilled=0/9")

		// A counter intake pre-fills the three applicant fields.
		clerk := e.dr.ClerkCtx(&pb.Dossier{AgencyCode: seed.OneStopCentre})
		z, err := e.ids.LookupCitizen(clerk, &pb.LookupCitizenRequest{IdNumber: prefill, Purpose: "counter intake"})
		if err != nil {
			t.Fatal(err)
		}
		c := z.GetCitizen()
		draft := testenv.CounterDraft(prefill)
		draft.Applicant.Name, draft.Applicant.BirthDate, draft.Applicant.Address = c.GetFullName(), c.GetBirthDate(), c.GetCurrentAddress()
		e.StoreFiles(t, clerk, draft.GetComponents())
		if _, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "ind-prefill",
			Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: draft}, PrefillFromPopulationDb: true}); err != nil {
			t.Fatal(err)
		}
		want("pre-filled", "checked=4 verified=3/4 pending=0 while_pending=1 mismatches=1 entered_once=1/4 prefilled=3/12")

		// A typed field that differs from the register is not pre-filled:
		// two of three fields count.
		other := testenv.CitizenID(64)
		e.register(other)
		typed := testenv.CounterDraft(other)
		typed.Applicant.Name, typed.Applicant.BirthDate, typed.Applicant.Address = c.GetFullName(), c.GetBirthDate(), "Số 1 phố khác"
		e.StoreFiles(t, clerk, typed.GetComponents())
		if _, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "ind-prefill-2",
			Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: typed}, PrefillFromPopulationDb: true}); err != nil {
			t.Fatal(err)
		}
		want("partly pre-filled", "checked=5 verified=4/5 pending=0 while_pending=1 mismatches=1 entered_once=2/5 prefilled=5/15")
	})
}
