package service_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/lifecycle"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// TestIndicatorsHandBuilt files a known set of dossiers in January 2026 and
// checks every indicator's numerator and denominator exactly, on both
// stores, including a dossier filed at 23:30 on 31 January (January locally)
// and one filed at 06:30 on 1 February (still 31 January in UTC: February
// locally), and a consulate in Paris whose January ends later than Hanoi's.
func TestIndicatorsHandBuilt(t *testing.T) {
	L := testenv.Local
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			clock := testenv.NewClock(L(2026, 1, 5, 8, 0))
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clock.Now})
			dr := e.NewDriver(t)
			admin := e.As(t, testenv.Admin)
			procs := map[string]*pb.Procedure{}
			for _, code := range []string{seed.ProcEnterprise, seed.ProcBuilding} {
				r, err := e.Catalog.GetProcedure(admin, &pb.GetProcedureRequest{Code: code})
				if err != nil {
					t.Fatal(err)
				}
				procs[code] = r.GetProcedure()
			}
			n := 0
			at := func(t0 time.Time) { clock.Set(t0) }
			counter := func(code string, when time.Time, paper bool) *pb.Dossier {
				at(when)
				n++
				draft := testenv.DraftFor(procs[code], testenv.CitizenID(n), false)
				if paper {
					c := draft.Components[1]
					c.Source, c.FileRef, c.FileSha256 = pb.ComponentSource_COMPONENT_SOURCE_PAPER, "", ""
				}
				return dr.Intake(draft)
			}
			online := func(code string, when time.Time) *pb.Dossier {
				at(when)
				n++
				return dr.Submit(testenv.DraftFor(procs[code], testenv.CitizenID(n), true))
			}
			resolve := func(d *pb.Dossier, when time.Time, electronic bool) *pb.Dossier {
				at(when)
				d = dr.ForwardToLastStep(d)
				doc := &pb.ResultDocument{Code: "KQ", Name: "Giấy chứng nhận"}
				if electronic { // an electronic result is a stored file with a valid signature
					doc = e.SignedResult(t, dr.StepCtx(d), e.NewSigner(t, "GĐ"), "KQ", []byte("giấy chứng nhận "+d.GetCode()))
				}
				r, err := e.Dossiers.ResolveDossier(dr.StepCtx(d), &pb.ResolveDossierRequest{RequestId: fmt.Sprint("res-", d.GetCode()),
					DossierId: d.GetId(), ExpectedVersion: d.GetVersion(), Result: &pb.DossierResult{Electronic: electronic, Signer: "GĐ",
						Documents: []*pb.ResultDocument{doc}}})
				if err != nil {
					t.Fatal(err)
				}
				return r.GetDossier()
			}
			act := func(a domain.Action, d *pb.Dossier, when time.Time) *pb.Dossier { at(when); return dr.Must(a, d) }

			// D1 counter, resolved next morning (9 working hours), electronic, returned.
			d1 := counter(seed.ProcEnterprise, L(2026, 1, 5, 9, 0), true)
			act(domain.ActionReturn, resolve(d1, L(2026, 1, 6, 10, 0), true), L(2026, 1, 6, 11, 0))
			// D2 genuine online, resolved late after 49 working hours, paper result.
			d2 := act(domain.ActionReceive, online(seed.ProcEnterprise, L(2026, 1, 6, 9, 0)), L(2026, 1, 6, 9, 0))
			resolve(d2, L(2026, 1, 14, 10, 0), false)
			// D3 filed "online" by a clerk for a citizen at the counter: assisted; still running, overdue.
			at(L(2026, 1, 7, 9, 0))
			n++
			r3, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Clerk), &pb.SubmitDossierRequest{RequestId: "d3",
				Dossier: testenv.DraftFor(procs[seed.ProcEnterprise], testenv.CitizenID(n), true)})
			if err != nil {
				t.Fatal(err)
			}
			act(domain.ActionReceive, r3.GetDossier(), L(2026, 1, 7, 9, 30))
			// D4 genuine online, two supplement rounds, paused now.
			d4 := act(domain.ActionReceive, online(seed.ProcEnterprise, L(2026, 1, 8, 9, 0)), L(2026, 1, 8, 9, 0))
			d4 = act(domain.ActionRequestSupplement, d4, L(2026, 1, 8, 10, 0))
			d4 = act(domain.ActionProvideSupplement, d4, L(2026, 1, 9, 10, 0))
			act(domain.ActionRequestSupplement, d4, L(2026, 1, 9, 11, 0))
			// D5 online, refused at intake.
			act(domain.ActionNotAccept, online(seed.ProcEnterprise, L(2026, 1, 9, 9, 0)), L(2026, 1, 9, 9, 30))
			// D6 counter, withdrawn; D7 counter, stopped.
			act(domain.ActionWithdraw, counter(seed.ProcEnterprise, L(2026, 1, 12, 9, 0), false), L(2026, 1, 12, 10, 0))
			act(domain.ActionStop, counter(seed.ProcEnterprise, L(2026, 1, 13, 9, 0), false), L(2026, 1, 13, 10, 0))
			// D11 counter, payment paused a working day and paid online, resolved on time
			// after 10 h of which 8 h paused: 2 working hours of processing.
			d11 := counter(seed.ProcEnterprise, L(2026, 1, 15, 9, 0), false)
			d11 = act(domain.ActionRequestPayment, d11, L(2026, 1, 15, 10, 0))
			at(L(2026, 1, 16, 10, 0))
			// The payment platform confirms it for the applicant (only it
			// records an online payment).
			platform := withCitizen(e.As(t, auth.TokenSpec{Subject: "payment-platform", Role: domain.RoleIntegration}),
				d11.GetApplicant().GetIdNumber(), "VNEID_2")
			pay, err := e.Dossiers.ConfirmPayment(platform, &pb.ConfirmPaymentRequest{RequestId: "pay-11", DossierId: d11.GetId(),
				ExpectedVersion: d11.GetVersion(), ReceiptRef: "VNPAY-1", Online: true})
			if err != nil {
				t.Fatal(err)
			}
			resolve(pay.GetDossier(), L(2026, 1, 16, 11, 0), true)
			// D10 construction permit (20 days) filed 28 Jan: on time at the query.
			counter(seed.ProcBuilding, L(2026, 1, 28, 9, 0), false)
			// D8 taken in at 23:30 on 31 Jan local: January; overdue at the query.
			counter(seed.ProcEnterprise, L(2026, 1, 31, 23, 30), false)
			// D9 filed at 06:30 on 1 Feb local (23:30 on 31 Jan UTC): February.
			online(seed.ProcEnterprise, L(2026, 2, 1, 6, 30))

			clock.Set(L(2026, 2, 20, 12, 0)) // the query: during Tết
			get := func(sc *pb.ReportScope) *pb.Indicators {
				t.Helper()
				r, err := pb.NewReportServiceClient(e.Conn).GetIndicators(e.As(t, testenv.Auditor), &pb.GetIndicatorsRequest{Scope: sc})
				if err != nil {
					t.Fatal(err)
				}
				return r.GetIndicators()
			}
			in := get(&pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026-01"})
			wantInt := func(name string, got, want int64) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %d, want %d", name, got, want)
				}
			}
			wantRate := func(name string, r *pb.Rate, num, den int64) {
				t.Helper()
				if r.GetNumerator() != num || r.GetDenominator() != den {
					t.Errorf("%s = %d/%d, want %d/%d", name, r.GetNumerator(), r.GetDenominator(), num, den)
				}
			}
			wantInt("filed", in.GetFiled(), 10)
			wantInt("received", in.GetReceived(), 9)
			wantInt("received at the counter", in.GetReceivedCounter(), 6)
			wantInt("received online", in.GetReceivedOnline(), 3)
			wantInt("online genuine", in.GetOnlineGenuine(), 2)
			wantInt("online assisted", in.GetOnlineAssisted(), 1)
			wantInt("resolved on time", in.GetResolvedOnTime(), 2)
			wantInt("resolved late", in.GetResolvedLate(), 1)
			wantInt("overdue now", in.GetOverdueNow(), 2)
			wantInt("in progress on time", in.GetInProgressOnTime(), 1)
			wantInt("paused", in.GetPaused(), 1)
			wantInt("awaiting intake", in.GetAwaitingIntake(), 0)
			wantRate("on time", in.GetOnTime(), 3, 9)
			wantInt("withdrawn", in.GetWithdrawn(), 1)
			wantInt("not accepted", in.GetNotAccepted(), 1)
			wantInt("stopped", in.GetStopped(), 1)
			wantInt("supplement dossiers", in.GetSupplementDossiers(), 1)
			wantInt("supplement rounds", in.GetSupplementRounds(), 2)
			wantRate("online payments", in.GetOnlinePayments(), 1, 1)
			wantRate("electronic results", in.GetElectronicResults(), 2, 3)
			// Counter dossiers (6) have scanned components; D1 also a paper-only one.
			wantRate("digitised dossiers", in.GetDigitisedDossiers(), 6, 9)
			wantRate("reused components", in.GetReusedComponents(), 0, 19)
			wantRate("paper to electronic", in.GetPaperToElectronic(), 12, 13)
			wantRate("genuine online share", in.GetGenuineOnlineShare(), 2, 9)
			wantRate("reported online share", in.GetReportedOnlineShare(), 3, 9)
			wantRate("procedures used online", in.GetProceduresUsedOnline(), 1, 3)
			wantRate("online offered", in.GetOnlineOffered(), 3, 4)
			// (9 h + 49 h + 2 h) / 3 = 20 h = 2.5 days; P90 falls in the bucket of
			// 49 h = 6.125 days, reported as its upper bound: 7 days.
			if in.GetAverageProcessingDays() != 2.5 || in.GetP90ProcessingDays() != 7 {
				t.Errorf("processing days: average %v, p90 %v", in.GetAverageProcessingDays(), in.GetP90ProcessingDays())
			}
			// 766 block: progress 3/9 × 20; online service 1.6 (75% < 80% offered
			// online) + 1/3 × 4 (procedures used online) + 3 (online share < 50%);
			// payment 6 × min(1, 100%/30%); digitisation 2/3 × 6 + 3.2 (67% < 80%
			// digitised) + 1.6 (0% reused).
			s := in.GetScore()
			for name, got := range map[string][2]float64{
				"progress": {s.GetProgress(), 20.0 * 3 / 9}, "online service": {s.GetOnlineService(), 1.6 + 4.0/3 + 3},
				"online payment": {s.GetOnlinePayment(), 6}, "digitisation": {s.GetDigitisation(), 4 + 3.2 + 1.6},
				"measured": {s.GetMeasured(), 20.0*3/9 + 1.6 + 4.0/3 + 3 + 6 + 8.8}, "measured max": {s.GetMeasuredMax(), 50},
			} {
				if math.Abs(got[0]-got[1]) > 1e-9 {
					t.Errorf("766 %s = %v, want %v", name, got[0], got[1])
				}
			}

			// The agency itself without sub-agencies received nothing.
			if got := get(&pb.ReportScope{AgencyCode: seed.Province, Period: "2026-01"}); got.GetFiled() != 0 {
				t.Errorf("province without sub-agencies: %d filed", got.GetFiled())
			}
			// February: only D9, still awaiting intake.
			feb := get(&pb.ReportScope{AgencyCode: seed.OneStopCentre, Period: "2026-02"})
			wantInt("February filed", feb.GetFiled(), 1)
			wantInt("February awaiting intake", feb.GetAwaitingIntake(), 1)
			// Day rows answer a range that is not whole months the same way.
			days := get(&pb.ReportScope{AgencyCode: seed.OneStopCentre, FromDate: "2026-01-05", ToDate: "2026-01-31"})
			if days.GetFiled() != 10 || days.GetReceived() != 9 || days.GetOnTime().GetNumerator() != 3 {
				t.Errorf("day rows: %v", days)
			}
			// Filters: online channel only; one procedure.
			onl := get(&pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026-01", Channel: pb.Channel_CHANNEL_ONLINE})
			wantInt("online filter: filed", onl.GetFiled(), 4)
			wantInt("online filter: received", onl.GetReceived(), 3)
			bld := get(&pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026", ProcedureCode: seed.ProcBuilding})
			wantInt("building permits in 2026", bld.GetFiled(), 1)
			wantRate("building: online offered", bld.GetOnlineOffered(), 1, 1)

			// The series by month: January and February buckets.
			series, err := pb.NewReportServiceClient(e.Conn).GetIndicatorSeries(e.As(t, testenv.Auditor), &pb.GetIndicatorSeriesRequest{
				Scope: &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026-Q1"}, Granularity: pb.Granularity_GRANULARITY_MONTH})
			if err != nil {
				t.Fatal(err)
			}
			pts := series.GetPoints()
			if len(pts) != 3 || pts[0].GetBucket() != "2026-01" || pts[0].GetIndicators().GetReceived() != 9 ||
				pts[0].GetIndicators().GetOverdueNow() != 2 || pts[1].GetIndicators().GetFiled() != 1 || pts[2].GetIndicators().GetFiled() != 0 {
				t.Fatalf("series: %v", pts)
			}

			// Units by late steps: the centre's first steps were forwarded late
			// for D2 (and the justice/finance units' steps too).
			units, err := pb.NewReportServiceClient(e.Conn).ListOverdueByUnit(e.As(t, testenv.Auditor), &pb.ListOverdueByUnitRequest{
				Scope: &pb.ReportScope{AgencyCode: seed.Province, Period: "2026-01"}})
			if err != nil || len(units.GetUnits()) == 0 || units.GetUnits()[0].GetStepsLate() == 0 {
				t.Fatalf("units: %v %v", units, err)
			}

			// A consulate in Paris: 23:30 on 31 January in Paris is already
			// February in Hanoi, but the consulate's own January.
			paris := "G05.99"
			if _, err := e.Catalog.CreateAgency(admin, &pb.CreateAgencyRequest{RequestId: "paris", Agency: &pb.Agency{Code: paris,
				Name: "Tổng lãnh sự quán tại Paris", TimeZone: "Europe/Paris"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Catalog.CreateProcedure(admin, &pb.CreateProcedureRequest{RequestId: "pp", Procedure: &pb.Procedure{Code: "2.000999",
				Name: "Cấp hộ chiếu phổ thông ở nước ngoài", FieldCode: "LS", FieldName: "Lãnh sự", AgencyCode: paris},
				Version: &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_OFFLINE, StatutoryWorkingDays: 5,
					EffectiveTime: timestamppb.New(L(2025, 1, 1, 0, 0)),
					Components:    []*pb.DocumentComponent{{Code: "TK", Name: "Tờ khai", Mandatory: true}}}}); err != nil {
				t.Fatal(err)
			}
			parisLoc, _ := time.LoadLocation("Europe/Paris")
			clock.Set(time.Date(2026, 1, 31, 23, 30, 0, 0, parisLoc))
			pd := &pb.DossierDraft{ProcedureCode: "2.000999", AgencyCode: paris, Applicant: &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN,
				IdNumber: testenv.CitizenID(500), Name: "Lê Văn C"}, Components: []*pb.DossierComponent{{Code: "TK", Source: pb.ComponentSource_COMPONENT_SOURCE_PAPER}}}
			dr.Intake(pd)
			clock.Set(L(2026, 2, 20, 12, 0))
			for period, want := range map[string]int64{"2026-01": 1, "2026-02": 0} {
				r, err := pb.NewReportServiceClient(e.Conn).GetIndicators(admin, &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: paris, Period: period}})
				if err != nil || r.GetIndicators().GetFiled() != want {
					t.Errorf("Paris %s: %v %v, want %d filed", period, r, err, want)
				}
			}
		})
	}
}

// TestAggregatesMatchARandomizedRun performs 10,000 mixed actions, then
// recomputes every aggregate from the events: no difference. Altering one
// aggregate row directly is then found.
func TestAggregatesMatchARandomizedRun(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			clock := testenv.NewClock(testenv.Local(2026, 3, 2, 8, 0))
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clock.Now})
			dr := e.NewDriver(t)
			procs, err := e.Catalog.ListProcedures(e.As(t, testenv.Admin), &pb.ListProceduresRequest{})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, 7))
			var live []*pb.Dossier
			actions, n, succeeded := 0, 0, map[domain.Action]int{}
			// The full 10,000 on PostgreSQL; SQLite, fsyncing every commit
			// under the race detector, gets a fifth of them.
			target := 10000
			if kind == "sqlite" {
				target = 2000
			}
			for actions < target {
				clock.Advance(time.Duration(rng.IntN(90)) * time.Minute)
				if len(live) < 40 || rng.IntN(6) == 0 {
					n++
					p := procs.GetProcedures()[rng.IntN(len(procs.GetProcedures()))]
					onl := p.GetVersions()[0].GetServiceLevel() != pb.ServiceLevel_SERVICE_LEVEL_OFFLINE && rng.IntN(2) == 0
					var d *pb.Dossier
					if onl {
						d = dr.Submit(testenv.DraftFor(p, testenv.CitizenID(n), true))
					} else {
						d = dr.Intake(testenv.DraftFor(p, testenv.CitizenID(n), false))
					}
					live = append(live, d)
					actions++
					continue
				}
				i := rng.IntN(len(live))
				a := pickAction(rng, domain.Status(live[i].GetStatus()))
				d, err := dr.Do(a, live[i])
				actions++
				if err != nil {
					continue // not allowed now: that is part of the mix
				}
				succeeded[a]++
				if domain.Status(d.GetStatus()).Terminal() {
					live = append(live[:i], live[i+1:]...)
				} else {
					live[i] = d
				}
			}
			// The mix really exercised every action.
			for _, a := range domain.Actions[1:] {
				if succeeded[a] < target/500 {
					t.Fatalf("only %d successful %s in the mix: %v", succeeded[a], a, succeeded)
				}
			}
			diffs, err := e.App.VerifyStats(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) > 0 {
				for _, d := range diffs[:min(len(diffs), 20)] {
					t.Error(d)
				}
				t.Fatalf("%d differences after %d actions on %d dossiers", len(diffs), actions, n)
			}
			if err := e.Store.DB().Exec(`UPDATE dossier_stats SET received = received + 1 WHERE period = 'M' AND filed > 0 AND day = (SELECT MIN(day) FROM dossier_stats WHERE period = 'M')`).Error; err != nil {
				t.Fatal(err)
			}
			diffs, err = e.App.VerifyStats(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) == 0 || diffs[0].Metric != "received" || diffs[0].Stored != diffs[0].Recomputed+1 {
				t.Fatalf("altered row not found: %v", diffs)
			}
		})
	}
}

// pickAction mostly picks an action the table allows in status st (so that
// dossiers travel all the way to a returned result), sometimes any action.
func pickAction(rng *rand.Rand, st domain.Status) domain.Action {
	if rng.IntN(10) > 0 {
		var allowed []domain.Action
		for _, a := range domain.Actions[1:] {
			if lifecycle.Allowed(st, a) {
				allowed = append(allowed, a)
			}
		}
		// Forward and resolve drive dossiers to their end: weigh them up.
		for _, a := range allowed {
			if a == domain.ActionForward || a == domain.ActionResolve || a == domain.ActionReturn {
				allowed = append(allowed, a, a, a)
			}
		}
		if len(allowed) > 0 {
			return allowed[rng.IntN(len(allowed))]
		}
	}
	return domain.Actions[1+rng.IntN(len(domain.Actions)-1)]
}
