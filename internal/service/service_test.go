package service_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixedNow is Friday 13 Feb 2026, 09:00 in Vietnam.
var fixedNow = time.Date(2026, 2, 13, 2, 0, 0, 0, time.UTC)

func forEachStore(t *testing.T, fn func(t *testing.T, e *testenv.Env)) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			fn(t, testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow }}))
		})
	}
}

// wantStatus asserts a gRPC code and, if field is not empty, a BadRequest
// violation of that field.
func wantStatus(t *testing.T, err error, code codes.Code, field string) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("got %v (%q), want %v", st.Code(), st.Message(), code)
	}
	if field == "" {
		return st
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
				if v.GetField() == field {
					return st
				}
			}
		}
	}
	t.Fatalf("no violation of field %q; violations: %v (message %q)", field, fields, st.Message())
	return st
}

func reason(st *status.Status) string {
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei.GetReason()
		}
	}
	return ""
}

func TestConcurrentSubmitCodesAreGapFreeAndReplaysCreateNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		const n = 200
		submit := func() []*pb.SubmitDossierResponse {
			out := make([]*pb.SubmitDossierResponse, n)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					id := testenv.CitizenID(i + 1)
					ctx := e.As(t, testenv.Citizen(id))
					resp, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{
						RequestId: fmt.Sprintf("submit-%d", i), Dossier: testenv.Draft(id)})
					if err != nil {
						errs <- err
						return
					}
					out[i] = resp
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			return out
		}
		first := submit()
		var seqs []int
		for _, r := range first {
			code := r.GetDossier().GetCode()
			var seq int
			if _, err := fmt.Sscanf(strings.TrimPrefix(code, seed.OneStopCentre+"-260213-"), "%d", &seq); err != nil {
				t.Fatalf("code %q: %v", code, err)
			}
			seqs = append(seqs, seq)
		}
		sort.Ints(seqs)
		for i, s := range seqs {
			if s != i+1 {
				t.Fatalf("codes are not 1..%d without gaps: position %d holds %d", n, i, s)
			}
		}
		if !strings.HasSuffix(first[0].GetDossier().GetCode(), fmt.Sprintf("-%04d", seqs[0])) && len(first[0].GetDossier().GetCode()) != len(seed.OneStopCentre)+12 {
			t.Fatalf("code not zero-padded: %s", first[0].GetDossier().GetCode())
		}
		before := e.CountRows(t)
		if before["dossiers"] != n || before["dossier_events"] != n || before["requests"] != n {
			t.Fatalf("after %d submissions: %v", n, before)
		}
		again := submit()
		for i := range first {
			if !proto.Equal(first[i], again[i]) {
				t.Fatalf("replay %d answered differently:\n%v\n%v", i, first[i], again[i])
			}
		}
		if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("replays changed the database: %v -> %v", before, after)
		}
	})
}

func TestMalformedRequestsChangeNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		cit := testenv.CitizenID(7)
		ctx := e.As(t, testenv.Citizen(cit))
		clerk := e.As(t, testenv.Clerk)
		otherProvince := "000.00.01.H56"
		if _, err := e.Catalog.CreateAgency(e.As(t, testenv.Admin), &pb.CreateAgencyRequest{RequestId: "a1",
			Agency: &pb.Agency{Code: otherProvince, Name: "Another province's centre"}}); err != nil {
			t.Fatal(err)
		}
		draft := func(edit func(d *pb.DossierDraft)) *pb.SubmitDossierRequest {
			d := testenv.Draft(cit)
			edit(d)
			return &pb.SubmitDossierRequest{RequestId: "bad-1", Dossier: d}
		}
		submit := func(r *pb.SubmitDossierRequest) error {
			_, err := e.Dossiers.SubmitDossier(ctx, r)
			return err
		}
		cases := []struct {
			name  string
			call  func() error
			code  codes.Code
			field string
		}{
			{"missing request_id", func() error { r := draft(func(*pb.DossierDraft) {}); r.RequestId = ""; return submit(r) },
				codes.InvalidArgument, "request_id"},
			{"missing dossier", func() error { return submit(&pb.SubmitDossierRequest{RequestId: "bad-1"}) },
				codes.InvalidArgument, "dossier"},
			{"missing applicant", func() error { return submit(draft(func(d *pb.DossierDraft) { d.Applicant = nil })) },
				codes.InvalidArgument, "dossier.applicant"},
			{"short citizen id", func() error { return submit(draft(func(d *pb.DossierDraft) { d.Applicant.IdNumber = "12345" })) },
				codes.InvalidArgument, "dossier.applicant.id_number"},
			{"unknown province in citizen id", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Applicant.IdNumber = "003090000007" }))
			}, codes.InvalidArgument, "dossier.applicant.id_number"},
			{"enterprise check digit", func() error {
				return submit(draft(func(d *pb.DossierDraft) {
					d.Applicant.Kind, d.Applicant.IdNumber = pb.ApplicantKind_APPLICANT_KIND_ENTERPRISE, "0100112438"
				}))
			}, codes.InvalidArgument, "dossier.applicant.id_number"},
			{"oversized summary", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Summary = strings.Repeat("x", 1001) }))
			}, codes.InvalidArgument, "dossier.summary"},
			{"oversized name", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Applicant.Name = strings.Repeat("Ă", 201) }))
			}, codes.InvalidArgument, "dossier.applicant.name"},
			{"bad hash", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Components[0].FileSha256 = "XYZ" }))
			}, codes.InvalidArgument, "dossier.components[0].file_sha256"},
			{"unknown component", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Components[1].Code = "NOPE" }))
			}, codes.InvalidArgument, "dossier.components[1].code"},
			{"missing mandatory component", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Components = d.Components[:1] }))
			}, codes.InvalidArgument, "dossier.components"},
			{"paper filed online", func() error {
				return submit(draft(func(d *pb.DossierDraft) {
					d.Components[0].Source, d.Components[0].FileRef, d.Components[0].FileSha256 = pb.ComponentSource_COMPONENT_SOURCE_PAPER, "", ""
				}))
			}, codes.InvalidArgument, "dossier.components[0].source"},
			{"unknown procedure", func() error { return submit(draft(func(d *pb.DossierDraft) { d.ProcedureCode = "9.999999" })) },
				codes.NotFound, ""},
			{"unknown agency", func() error { return submit(draft(func(d *pb.DossierDraft) { d.AgencyCode = "000.00.99.H55" })) },
				codes.NotFound, ""},
			{"agency does not handle procedure", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.AgencyCode = otherProvince }))
			}, codes.InvalidArgument, "dossier.agency_code"},
			{"offline procedure filed online", func() error {
				return submit(draft(func(d *pb.DossierDraft) {
					d.ProcedureCode = seed.ProcCopy
					d.Components = []*pb.DossierComponent{
						{Code: "BC", Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED, FileRef: "f", FileSha256: testenv.Sha256("a")},
						{Code: "BS", Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED, FileRef: "g", FileSha256: testenv.Sha256("b")}}
				}))
			}, codes.FailedPrecondition, ""},
			{"someone else's dossier", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Applicant.IdNumber = testenv.CitizenID(8) }))
			}, codes.PermissionDenied, ""},
			{"page size 10^9", func() error {
				_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{PageSize: 1_000_000_000})
				return err
			}, codes.InvalidArgument, "page_size"},
			{"forged page token", func() error {
				_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{PageToken: "bm90LWEtdG9rZW4"})
				return err
			}, codes.InvalidArgument, "page_token"},
			{"status out of range", func() error {
				_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{Statuses: []pb.DossierStatus{42}})
				return err
			}, codes.InvalidArgument, "statuses[0]"},
			{"filed_by unspecified", func() error {
				_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{FiledBy: []pb.ActorKind{0}})
				return err
			}, codes.InvalidArgument, "filed_by[0]"},
			{"channel out of range", func() error {
				_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{Channel: 42})
				return err
			}, codes.InvalidArgument, "channel"},
			{"resolution out of range", func() error {
				_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{Resolution: 9})
				return err
			}, codes.InvalidArgument, "resolution"},
			{"dossier id not a uuid", func() error {
				_, err := e.Dossiers.GetDossier(ctx, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: "1; DROP TABLE dossiers"}})
				return err
			}, codes.InvalidArgument, "id"},
			{"get without key", func() error { _, err := e.Dossiers.GetDossier(ctx, &pb.GetDossierRequest{}); return err },
				codes.InvalidArgument, "key"},
			{"staff read without purpose", func() error {
				_, err := e.Dossiers.ListDossiers(clerk, &pb.ListDossiersRequest{})
				return err
			}, codes.InvalidArgument, "purpose"},
			{"accept without expected_version", func() error {
				_, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "x",
					Target: &pb.ReceiveDossierRequest_DossierId{DossierId: "01a21b58-3ac9-74c9-872e-d32392643906"}})
				return err
			}, codes.InvalidArgument, "expected_version"},
			{"intake through the online channel", func() error {
				_, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "x",
					Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: testenv.CounterDraft(cit)}, Channel: pb.Channel_CHANNEL_ONLINE})
				return err
			}, codes.InvalidArgument, "channel"},
			{"citizen cannot take in at the counter", func() error {
				_, err := e.Dossiers.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: "x",
					Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: testenv.CounterDraft(cit)}})
				return err
			}, codes.PermissionDenied, ""},
			{"unknown enum value", func() error {
				return submit(draft(func(d *pb.DossierDraft) { d.Components[0].Source = 99 }))
			}, codes.InvalidArgument, "dossier.components[0].source"},
		}
		before := e.CountRows(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { wantStatus(t, c.call(), c.code, c.field) })
		}
		if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("rejected requests changed the database: %v -> %v", before, after)
		}
	})
}

func TestIdempotencyAndVersions(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		cit := testenv.CitizenID(11)
		ctx := e.As(t, testenv.Citizen(cit))
		first, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "k1", Dossier: testenv.Draft(cit)})
		if err != nil {
			t.Fatal(err)
		}
		// Same request_id, different payload.
		other := testenv.Draft(cit)
		other.Summary = "something else"
		_, err = e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "k1", Dossier: other})
		if st := wantStatus(t, err, codes.AlreadyExists, ""); reason(st) != "REQUEST_ID_REUSED" {
			t.Fatalf("reason %q", reason(st))
		}
		// Same request_id on another method.
		clerk := e.As(t, testenv.Clerk)
		id := first.GetDossier().GetId()
		acc := &pb.ReceiveDossierRequest{RequestId: "k1", Target: &pb.ReceiveDossierRequest_DossierId{DossierId: id}, ExpectedVersion: 1}
		// The key belongs to the principal: the clerk's "k1" is a new request.
		got, err := e.Dossiers.ReceiveDossier(clerk, acc)
		if err != nil {
			t.Fatal(err)
		}
		if got.GetDossier().GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RECEIVED || got.GetDossier().GetVersion() != 2 {
			t.Fatalf("accepted: %v", got.GetDossier())
		}
		// Replaying the acceptance returns the same answer, not a conflict.
		again, err := e.Dossiers.ReceiveDossier(clerk, acc)
		if err != nil || !proto.Equal(got, again) {
			t.Fatalf("replay: %v %v", err, again)
		}
		// A new request with the stale version is ABORTED with the current one.
		acc2 := proto.Clone(acc).(*pb.ReceiveDossierRequest)
		acc2.RequestId = "k2"
		_, err = e.Dossiers.ReceiveDossier(clerk, acc2)
		st := wantStatus(t, err, codes.Aborted, "")
		if reason(st) != "VERSION_CONFLICT" || !strings.Contains(st.Message(), "current version is 2") {
			t.Fatalf("conflict: %v", st)
		}
		// Accepting again at the current version is not allowed by the status.
		acc2.ExpectedVersion = 2
		_, err = e.Dossiers.ReceiveDossier(clerk, acc2)
		if st := wantStatus(t, err, codes.FailedPrecondition, ""); reason(st) != "ACTION_NOT_ALLOWED_IN_STATUS" {
			t.Fatalf("reason %q", reason(st))
		}
		evs, err := e.Dossiers.ListDossierEvents(ctx, &pb.ListDossierEventsRequest{DossierId: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs.GetEvents()) != 2 || evs.GetEvents()[1].GetPrevHash() != evs.GetEvents()[0].GetHash() ||
			evs.GetEvents()[1].GetAttribution().GetActorKind() != pb.ActorKind_ACTOR_KIND_STAFF {
			t.Fatalf("events: %v", evs)
		}
	})
}

func TestAuthenticationRequired(t *testing.T) {
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{})
	_, err := e.Catalog.ListAgencies(context.Background(), &pb.ListAgenciesRequest{})
	wantStatus(t, err, codes.Unauthenticated, "")
	_, err = e.Catalog.ListAgencies(testenv.WithToken(context.Background(), "not-a-token"), &pb.ListAgenciesRequest{})
	wantStatus(t, err, codes.Unauthenticated, "")
	// Health needs no token.
	h, err := healthpb.NewHealthClient(e.Conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", h, err)
	}
}

func TestServerRefusesAStaleSchemaUntilMigrated(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			url := testenv.StoreURL(t, kind)
			if kind == "postgres" {
				url = pgtest.NewEmptyDatabase(t)
			}
			e := testenv.Start(t, url, testenv.Options{NoMigrate: true})
			health := healthpb.NewHealthClient(e.Conn)
			h, err := health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "motcua.v1"})
			if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
				t.Fatalf("health before migrate: %v %v", h, err)
			}
			_, err = e.Catalog.ListAgencies(e.As(t, testenv.Admin), &pb.ListAgenciesRequest{})
			st := wantStatus(t, err, codes.Unavailable, "")
			if !strings.Contains(st.Message(), "motcua migrate") {
				t.Fatalf("message does not say what to do: %q", st.Message())
			}
			if _, err := e.Store.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				h, err = health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "motcua.v1"})
				if err == nil && h.GetStatus() == healthpb.HealthCheckResponse_SERVING {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("still not serving after migrate: %v %v", h, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if _, err := e.Catalog.ListAgencies(e.As(t, testenv.Admin), &pb.ListAgenciesRequest{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
