package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// A citizen lists what they may reuse — their verified components and
// valid signed results, not an expired result, never another citizen's —
// and files a new dossier with a listed reference; a clerk lists for the
// applicant only with a purpose, and the read is in the applicant's access
// log.
func TestListReusableDocuments(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		a, b := testenv.CitizenID(71), testenv.CitizenID(72)
		dr := e.NewDriver(t)
		first := dr.Submit(testenv.Draft(a))
		resolved := func(validUntil time.Time, content string) *pb.Dossier {
			d := dr.ForwardToLastStep(dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(a))))
			doc := e.SignedResult(t, dr.StepCtx(d), e.NewSigner(t, "GĐ"), "KQ", []byte(content))
			doc.ValidUntil = timestamppb.New(validUntil)
			d, err := resolveWith(t, e, dr, d, true, doc)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		valid := resolved(fixedNow.AddDate(1, 0, 0), "kết quả còn hiệu lực")
		expired := resolved(fixedNow.AddDate(0, 0, -1), "kết quả hết hiệu lực")
		theirs := dr.Submit(testenv.Draft(b))

		list := func(ctx context.Context, req *pb.ListReusableDocumentsRequest) ([]*pb.ReusableDocument, error) {
			t.Helper()
			var all []*pb.ReusableDocument
			for {
				r, err := e.Files.ListReusableDocuments(ctx, req)
				if err != nil {
					return nil, err
				}
				all = append(all, r.GetDocuments()...)
				if req.PageToken = r.GetNextPageToken(); req.PageToken == "" {
					return all, nil
				}
			}
		}
		refs := func(docs []*pb.ReusableDocument) []string {
			var out []string
			for _, d := range docs {
				out = append(out, d.GetReference())
			}
			return out
		}

		aCtx := dr.ApplicantCtx(first)
		docs, err := list(aCtx, &pb.ListReusableDocumentsRequest{PageSize: 1}) // a page per dossier
		if err != nil {
			t.Fatal(err)
		}
		got := refs(docs)
		for _, want := range []string{"dossier:" + first.GetCode() + "/CCCD", "result:" + valid.GetCode() + "/KQ"} {
			if !slices.Contains(got, want) {
				t.Fatalf("A's reusable documents %v lack %s", got, want)
			}
		}
		for _, d := range docs {
			if d.GetReference() == "result:"+expired.GetCode()+"/KQ" || d.GetDossierId() == theirs.GetId() {
				t.Fatalf("A's list holds %s (expired or B's)", d.GetReference())
			}
		}
		var res *pb.ReusableDocument
		for _, d := range docs {
			if d.GetReference() == "result:"+valid.GetCode()+"/KQ" {
				res = d
			}
			if d.GetSha256() == "" || d.GetSize() == 0 || d.GetMediaType() == "" || d.GetDossierId() == "" {
				t.Fatalf("incomplete description: %v", d)
			}
		}
		vd := valid.GetResult().GetDocuments()[0]
		if res.GetKind() != pb.ReusableKind_REUSABLE_KIND_ELECTRONIC_RESULT || res.GetSource() != pb.ComponentSource_COMPONENT_SOURCE_REUSED_RESULT ||
			res.GetSha256() != vd.GetFileSha256() || !res.GetValidUntil().AsTime().Equal(fixedNow.AddDate(1, 0, 0)) ||
			res.GetSignature().GetSigner() == "" || res.GetSignature().GetSigner() != vd.GetSignature().GetSigner() {
			t.Fatalf("the result's description: %v", res)
		}

		// B sees none of A's, even naming A.
		bCtx := dr.ApplicantCtx(theirs)
		for _, req := range []*pb.ListReusableDocumentsRequest{{}, {ApplicantIdNumber: a}} {
			docs, err := list(bCtx, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				if d.GetDossierId() != theirs.GetId() {
					t.Fatalf("B (asking %q) sees %v", req.GetApplicantIdNumber(), d)
				}
			}
		}

		// Staff: the applicant and a purpose are required; the read is logged.
		clerk := dr.ClerkCtx(first)
		_, err = e.Files.ListReusableDocuments(clerk, &pb.ListReusableDocumentsRequest{ApplicantIdNumber: a})
		wantStatus(t, err, codes.InvalidArgument, "purpose")
		_, err = e.Files.ListReusableDocuments(clerk, &pb.ListReusableDocumentsRequest{Purpose: "tiếp nhận hồ sơ mới"})
		wantStatus(t, err, codes.InvalidArgument, "applicant_id_number")
		docs, err = list(clerk, &pb.ListReusableDocumentsRequest{ApplicantIdNumber: a, Purpose: "tiếp nhận hồ sơ mới"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(refs(docs), "dossier:"+first.GetCode()+"/CCCD") {
			t.Fatalf("the clerk's list for A: %v", refs(docs))
		}
		acc, err := pb.NewAuditServiceClient(e.Conn).ListDossierAccesses(aCtx, &pb.ListDossierAccessesRequest{
			Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: first.GetId()}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(acc.GetAccesses(), func(x *pb.DossierAccess) bool {
			return x.GetMethod() == "ListReusableDocuments" && x.GetPurpose() == "tiếp nhận hồ sơ mới"
		}) {
			t.Fatalf("the clerk's listing is not in A's access log: %v", acc.GetAccesses())
		}
		// An auditor reads dossiers but takes none in: no list.
		_, err = e.Files.ListReusableDocuments(e.As(t, testenv.Auditor), &pb.ListReusableDocumentsRequest{ApplicantIdNumber: a, Purpose: "xem"})
		wantStatus(t, err, codes.PermissionDenied, "")

		// A listed reference is reused as listed, end to end.
		draft := testenv.Draft(a)
		draft.Components[1] = &pb.DossierComponent{Code: "CCCD", Source: res.GetSource(), ReusedFrom: res.GetReference()}
		r, err := e.Dossiers.SubmitDossier(aCtx, &pb.SubmitDossierRequest{RequestId: "reuse-listed", Dossier: draft})
		if err != nil {
			t.Fatal(err)
		}
		if c := r.GetDossier().GetComponents()[1]; !c.GetVerified() || c.GetFileSha256() != res.GetSha256() {
			t.Fatalf("the reused component: %v", c)
		}
		if got := download(t, e, aCtx, r.GetDossier().GetId(), "CCCD", ""); hashOf(got) != res.GetSha256() {
			t.Fatal("the reused result does not download")
		}
	})
}
