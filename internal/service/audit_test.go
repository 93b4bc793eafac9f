package service_test

import (
	"context"
	"google.golang.org/grpc/metadata"
	"io"
	"net/netip"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

func verifyChains(t *testing.T, e *testenv.Env, req *pb.VerifyAuditChainRequest) (map[string]*pb.BrokenLink, *pb.VerifyAuditChainResponse_Summary) {
	t.Helper()
	stream, err := pb.NewAuditServiceClient(e.Conn).VerifyAuditChain(e.As(t, testenv.Auditor), req)
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string]*pb.BrokenLink{}
	var sum *pb.VerifyAuditChainResponse_Summary
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b := m.GetBroken(); b != nil {
			broken[b.GetDossierId()] = b
		}
		if s := m.GetSummary(); s != nil {
			sum = s
		}
	}
	return broken, sum
}

// TestTamperingIsDetected edits, deletes, reorders and inserts event rows
// directly in the database and shows VerifyAuditChain finds each.
func TestTamperingIsDetected(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		db := e.Store.DB()
		mk := func(n int) *pb.Dossier {
			d := dr.Submit(testenv.Draft(testenv.CitizenID(n)))
			d = dr.Must(domain.ActionReceive, d)
			d = dr.Must(domain.ActionForward, d)
			return dr.Must(domain.ActionForward, d) // events 1..4
		}
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := db.Exec(sql, args...).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		cases := []struct {
			name    string
			tamper  func(id string)
			problem string
			seq     int64
		}{
			{"edit a note", func(id string) {
				exec(`UPDATE dossier_events SET note = 'sửa' WHERE dossier_id = ? AND seq = 2`, id)
			}, "HASH_MISMATCH", 2},
			{"turn an assisted filing into a genuine one", func(id string) {
				exec(`UPDATE dossier_events SET actor_kind = ? WHERE dossier_id = ? AND seq = 1`, int(domain.ActorCommunityHelper), id)
			}, "HASH_MISMATCH", 1},
			{"delete an event in the middle", func(id string) {
				exec(`DELETE FROM dossier_events WHERE dossier_id = ? AND seq = 3`, id)
			}, "SEQUENCE_GAP", 3},
			{"delete the last event", func(id string) {
				exec(`DELETE FROM dossier_events WHERE dossier_id = ? AND seq = 4`, id)
			}, "HEAD_MISMATCH", 3},
			{"reorder two events", func(id string) {
				exec(`UPDATE dossier_events SET seq = -2 WHERE dossier_id = ? AND seq = 2`, id)
				exec(`UPDATE dossier_events SET seq = 2 WHERE dossier_id = ? AND seq = 3`, id)
				exec(`UPDATE dossier_events SET seq = 3 WHERE dossier_id = ? AND seq = -2`, id)
			}, "PREV_HASH_MISMATCH", 2},
			{"append a correctly chained forged event", func(id string) {
				// A forger with database access can compute hashes; what they
				// cannot do unnoticed is leave the dossier's recorded head.
				evs, err := e.Store.ListEvents(context.Background(), id, 0, 100)
				if err != nil {
					t.Fatal(err)
				}
				last := evs[len(evs)-1]
				forged := last
				forged.ID, forged.Seq, forged.Action, forged.To = "0190a1b2-0000-7000-8000-000000000001", last.Seq+1, domain.ActionResolve, domain.StatusResolved
				audit.Seal(&forged, last.Hash)
				if err := e.Store.AppendEvent(context.Background(), &forged); err != nil {
					t.Fatal(err)
				}
			}, "HEAD_MISMATCH", 5},
		}
		intact := mk(99)
		tampered := map[string]int{}
		for i, c := range cases {
			d := mk(i + 1)
			tampered[d.GetId()] = i
			c.tamper(d.GetId())
			// One dossier at a time:
			broken, sum := verifyChains(t, e, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_DossierId{DossierId: d.GetId()}})
			b := broken[d.GetId()]
			if b == nil || b.GetProblem() != c.problem || b.GetSequence() != c.seq || sum.GetIntact() {
				t.Errorf("%s: got %v (summary %v), want %s at %d", c.name, b, sum, c.problem, c.seq)
			}
		}
		// The whole agency and period: exactly the tampered ones, each once.
		broken, sum := verifyChains(t, e, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_AgencyPeriod{AgencyPeriod: &pb.AgencyPeriod{
			AgencyCode: seed.Province, FromTime: timestamppb.New(fixedNow.Add(-time.Hour)), ToTime: timestamppb.New(fixedNow.Add(time.Hour))}}})
		if len(broken) != len(cases) || broken[intact.GetId()] != nil || sum.GetDossiersChecked() != int64(len(cases)+1) || sum.GetIntact() {
			t.Fatalf("agency verification: %d broken of %d, summary %v", len(broken), len(cases), sum)
		}
		for id := range broken {
			if _, ok := tampered[id]; !ok {
				t.Fatalf("untouched dossier %s reported broken", id)
			}
		}
	})
}

func TestAccessLog(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		d := dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(1))))
		other := dr.Submit(testenv.Draft(testenv.CitizenID(2)))
		clerk := dr.ClerkCtx(d)
		if _, err := e.Dossiers.GetDossier(clerk, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: "kiểm tra hồ sơ"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Dossiers.ListDossiers(clerk, &pb.ListDossiersRequest{Purpose: "rà soát"}); err != nil {
			t.Fatal(err)
		}
		// The citizen reads their own dossier: not logged.
		if _, err := e.Dossiers.GetDossier(dr.ApplicantCtx(d), &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}}); err != nil {
			t.Fatal(err)
		}
		audit := pb.NewAuditServiceClient(e.Conn)
		got, err := audit.ListDossierAccesses(dr.ApplicantCtx(d), &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: d.GetId()}})
		if err != nil {
			t.Fatal(err)
		}
		as := got.GetAccesses()
		if len(as) != 2 || as[0].GetPurpose() != "kiểm tra hồ sơ" || as[0].GetMethod() != "GetDossier" || as[1].GetMethod() != "ListDossiers" ||
			as[0].GetActorRole() != pb.Role_ROLE_CLERK || as[0].GetActorAgency() != seed.OneStopCentre || as[0].GetDossierCode() != d.GetCode() {
			t.Fatalf("accesses: %v", as)
		}
		// Someone else's access log is not found; a clerk may not read it.
		_, err = audit.ListDossierAccesses(dr.ApplicantCtx(other), &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: d.GetId()}})
		wantStatus(t, err, codes.NotFound, "")
		_, err = audit.ListDossierAccesses(clerk, &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: d.GetId()}})
		wantStatus(t, err, codes.PermissionDenied, "")
		// An auditor lists a staff member's reads: both dossiers were listed.
		byActor, err := audit.ListDossierAccesses(e.As(t, testenv.Auditor), &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_ActorId{ActorId: "clerk@" + seed.OneStopCentre}})
		if err != nil || len(byActor.GetAccesses()) != 3 {
			t.Fatalf("by actor: %v %v", byActor, err)
		}
	})
}

func TestProxyFilingSignals(t *testing.T) {
	counter := netip.MustParsePrefix("127.0.0.0/8")
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow }, CounterNetworks: []netip.Prefix{counter}})
			// A clerk files "online" for six people; two citizens file their own.
			clerk := e.As(t, testenv.Clerk)
			for i := 1; i <= 6; i++ {
				if _, err := e.Dossiers.SubmitDossier(clerk, &pb.SubmitDossierRequest{RequestId: "p" + string(rune('0'+i)), Dossier: testenv.Draft(testenv.CitizenID(i))}); err != nil {
					t.Fatal(err)
				}
			}
			for i := 7; i <= 8; i++ {
				id := testenv.CitizenID(i)
				if _, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{RequestId: "own", Dossier: testenv.Draft(id)}); err != nil {
					t.Fatal(err)
				}
			}
			audit := pb.NewAuditServiceClient(e.Conn)
			period := func() (*timestamppb.Timestamp, *timestamppb.Timestamp) {
				return timestamppb.New(fixedNow.Add(-time.Hour)), timestamppb.New(fixedNow.Add(time.Hour))
			}
			from, to := period()
			sig, err := audit.ListProxyFilingSignals(e.As(t, testenv.Auditor), &pb.ListProxyFilingSignalsRequest{AgencyCode: seed.Province, FromTime: from, ToTime: to})
			if err != nil {
				t.Fatal(err)
			}
			var account, network *pb.ProxyFilingSignal
			for _, s := range sig.GetSignals() {
				switch s.GetKind() {
				case pb.ProxyFilingSignal_KIND_ACCOUNT:
					account = s
				case pb.ProxyFilingSignal_KIND_NETWORK:
					network = s
				}
			}
			if account == nil || account.GetKey() != testenv.Clerk.Subject || account.GetDistinctApplicants() != 6 ||
				account.GetByActorKind()["STAFF_ON_BEHALF"] != 6 || len(sig.GetSignals()) != 2 {
				t.Fatalf("account signal: %v", sig.GetSignals())
			}
			if network == nil || network.GetKey() != "127.0.0.0/24" || network.GetDistinctApplicants() != 8 || network.GetByActorKind()["CITIZEN"] != 2 {
				t.Fatalf("network signal: %v", network)
			}
			cn, err := audit.ListCounterNetworkFilings(e.As(t, testenv.Auditor), &pb.ListCounterNetworkFilingsRequest{AgencyCode: seed.Province, FromTime: from, ToTime: to})
			if err != nil {
				t.Fatal(err)
			}
			// Only the two filings recorded as the citizens' own are suspect;
			// the clerk's are already counted as assisted.
			if len(cn.GetFilings()) != 2 || cn.GetFilings()[0].GetActorKind() != pb.ActorKind_ACTOR_KIND_CITIZEN ||
				cn.GetFilings()[0].GetNetwork() != "127.0.0.0/8" || cn.GetCounterNetworks()[0] != "127.0.0.0/8" {
				t.Fatalf("counter-network filings: %v", cn)
			}
			// Outside the auditor's jurisdiction: refused.
			outsider := e.As(t, auth.TokenSpec{Subject: "aud-2", Role: domain.RoleAuditor, Agency: "000.00.01.H56"})
			_, err = audit.ListProxyFilingSignals(outsider, &pb.ListProxyFilingSignalsRequest{AgencyCode: seed.Province, FromTime: from, ToTime: to})
			wantStatus(t, err, codes.PermissionDenied, "")
		})
	}
}

// TestAttributionIsDerived files the same dossier with a citizen token and
// with a clerk token; the clerk's token even carries the citizen's id. The
// filings are CITIZEN and STAFF_ON_BEHALF: no request field or claim can
// make a staff filing count as genuine online.
func TestAttributionIsDerived(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		id := testenv.CitizenID(5)
		own, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{RequestId: "a", Dossier: testenv.Draft(id)})
		if err != nil {
			t.Fatal(err)
		}
		clerkWithCitizenClaim := testenv.Clerk
		clerkWithCitizenClaim.CitizenID, clerkWithCitizenClaim.Assurance = id, domain.AssuranceVNeID2
		assisted, err := e.Dossiers.SubmitDossier(e.As(t, clerkWithCitizenClaim), &pb.SubmitDossierRequest{RequestId: "b", Dossier: testenv.Draft(id)})
		if err != nil {
			t.Fatal(err)
		}
		if k := own.GetEvent().GetAttribution().GetActorKind(); k != pb.ActorKind_ACTOR_KIND_CITIZEN || own.GetDossier().GetFiledBy() != k {
			t.Fatalf("citizen's filing: %v", own.GetEvent().GetAttribution())
		}
		a := assisted.GetEvent().GetAttribution()
		if a.GetActorKind() != pb.ActorKind_ACTOR_KIND_STAFF_ON_BEHALF || assisted.GetDossier().GetFiledBy() != a.GetActorKind() ||
			a.GetOnBehalfOf() != id || a.GetActorId() != testenv.Clerk.Subject || a.GetActorAgency() != seed.OneStopCentre {
			t.Fatalf("clerk's filing: %v", a)
		}
		// A portal relaying a citizen: CITIZEN, with the portal as source.
		portal := e.As(t, auth.TokenSpec{Subject: "dvc-portal", Role: domain.RoleIntegration})
		relayed, err := e.Dossiers.SubmitDossier(withCitizen(portal, id, "VNEID_2"), &pb.SubmitDossierRequest{RequestId: "c", Dossier: testenv.Draft(id)})
		if err != nil {
			t.Fatal(err)
		}
		if r := relayed.GetEvent().GetAttribution(); r.GetActorKind() != pb.ActorKind_ACTOR_KIND_CITIZEN || r.GetSourceSystem() != "motcua-dev/dvc-portal" ||
			r.GetAssurance() != pb.AssuranceLevel_ASSURANCE_LEVEL_VNEID_2 {
			t.Fatalf("relayed filing: %v", r)
		}
		// A portal without a citizen cannot file for anyone.
		_, err = e.Dossiers.SubmitDossier(portal, &pb.SubmitDossierRequest{RequestId: "d", Dossier: testenv.Draft(id)})
		wantStatus(t, err, codes.PermissionDenied, "")
	})
}

func withCitizen(ctx context.Context, id, assurance string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, auth.MDCitizenID, id, auth.MDCitizenAssurance, assurance)
}
