package service_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// forEachStoreAndBlobs runs fn on every store × every file store.
func forEachStoreAndBlobs(t *testing.T, fn func(t *testing.T, e *testenv.Env)) {
	for _, kind := range testenv.Stores {
		for _, blobs := range []string{"dir", "s3"} {
			t.Run(kind+"/"+blobs, func(t *testing.T) {
				fn(t, testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow }, Blobs: blobs}))
			})
		}
	}
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sendChunks sends content[from:to] to the upload in 1 MiB chunks.
func sendChunks(t *testing.T, st grpc.ClientStreamingClient[pb.UploadChunksRequest, pb.UploadChunksResponse], id string, content []byte, from, to int) {
	t.Helper()
	for off := from; off < to; off += 1 << 20 {
		end := min(off+1<<20, to)
		if err := st.Send(&pb.UploadChunksRequest{UploadId: id, Offset: int64(off), Data: content[off:end]}); err != nil {
			t.Fatalf("send at %d: %v", off, err)
		}
	}
}

// A 50 MB file sent in chunks survives a connection killed half-way: the
// client reads the offset, resumes, and the server checks the whole hash.
func TestUploadResumesAfterABrokenConnection(t *testing.T) {
	forEachStoreAndBlobs(t, func(t *testing.T, e *testenv.Env) {
		const size = 50 << 20
		dr := e.NewDriver(t)
		content := make([]byte, size)
		copy(content, "%PDF-1.7\n")
		if _, err := rand.Read(content[9:]); err != nil {
			t.Fatal(err)
		}
		sha := hashOf(content)
		clerk := dr.ClerkCtx(&pb.Dossier{AgencyCode: seed.OneStopCentre}) // the clerk Driver.Intake acts as
		cu, err := e.Files.CreateUpload(clerk, &pb.CreateUploadRequest{RequestId: "big", Sha256: sha, Size: size, MediaType: "application/pdf"})
		if err != nil {
			t.Fatal(err)
		}
		id := cu.GetUpload().GetUploadId()

		// A second connection, killed after 25 MB.
		conn, err := grpc.NewClient(e.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		st, err := pb.NewDocumentServiceClient(conn).UploadChunks(clerk)
		if err != nil {
			t.Fatal(err)
		}
		sendChunks(t, st, id, content, 0, 25<<20)
		conn.Close()

		// The server keeps what arrived: wait until it has noticed the break
		// and its offset has settled.
		getReceived := func() int64 {
			g, err := e.Files.GetUpload(clerk, &pb.GetUploadRequest{UploadId: id})
			if err != nil {
				t.Fatal(err)
			}
			return g.GetUpload().GetReceived()
		}
		received, stableSince := getReceived(), time.Now()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if r := getReceived(); r != received {
				received, stableSince = r, time.Now()
			} else if received > 0 && time.Since(stableSince) > time.Second {
				break
			}
		}
		if received == 0 || received > 25<<20 {
			t.Fatalf("after the break the server holds %d bytes; want some of the 25 MiB sent", received)
		}

		// Another citizen cannot see or continue it.
		other := e.As(t, testenv.Citizen(testenv.CitizenID(77)))
		if _, err := e.Files.GetUpload(other, &pb.GetUploadRequest{UploadId: id}); status.Code(err) != codes.NotFound {
			t.Fatalf("another's GetUpload: %v", err)
		}
		st, err = pb.NewDocumentServiceClient(conn2(t, e)).UploadChunks(other)
		if err == nil {
			// Bytes that are not the file's: had they been kept, the final
			// hash check below would fail.
			_ = st.Send(&pb.UploadChunksRequest{UploadId: id, Offset: received, Data: bytes.Repeat([]byte{0xAA}, 10)})
			_, err = st.CloseAndRecv()
		}
		if status.Code(err) != codes.NotFound {
			t.Fatalf("another's UploadChunks: %v", err)
		}
		// A late flush of the broken stream may still move the offset on a
		// loaded machine; the other principal's 10 bytes must not.
		if got := getReceived(); got == received+10 {
			t.Fatal("another principal's chunk moved the upload")
		} else if got > received {
			received = got
		}

		// Resume from the offset the server reports, as a client does: if the
		// server says the offset moved (a late flush of the broken stream),
		// read it again and go on from there.
		var r *pb.UploadChunksResponse
		for attempt := 0; ; attempt++ {
			st, err = e.Files.UploadChunks(clerk)
			if err != nil {
				t.Fatal(err)
			}
			for off := int(received); off < size; off += 1 << 20 {
				if st.Send(&pb.UploadChunksRequest{UploadId: id, Offset: int64(off), Data: content[off:min(off+1<<20, size)]}) != nil {
					break // the server answered; CloseAndRecv says what
				}
			}
			r, err = st.CloseAndRecv()
			if err == nil || status.Code(err) != codes.FailedPrecondition || attempt == 3 {
				break
			}
			received = getReceived()
		}
		if err != nil {
			t.Fatalf("resume from %d: %v", received, err)
		}
		if u := r.GetUpload(); u.GetState() != pb.UploadState_UPLOAD_STATE_DONE || u.GetReceived() != size {
			t.Fatalf("after resuming: %v", u)
		}
		rc, n, err := e.Blobs.Open(context.Background(), sha)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if n != size || hex.EncodeToString(h.Sum(nil)) != sha {
			t.Fatalf("stored %d bytes hashing to %x", n, h.Sum(nil))
		}

		// Attached as the scan of a counter filing, it downloads whole.
		draft := testenv.CounterDraft(testenv.CitizenID(78))
		draft.Components[0].FileRef, draft.Components[0].FileSha256 = "", sha
		d := dr.Intake(draft)
		if c := d.GetComponents()[0]; !c.GetVerified() || c.GetSize() != size || c.GetMediaType() != "application/pdf" {
			t.Fatalf("component after intake: %v", c)
		}
		got := download(t, e, e.As(t, testenv.Citizen(testenv.CitizenID(78))), d.GetId(), "TK-LLTP", "")
		if !bytes.Equal(got, content) {
			t.Fatalf("downloaded %d bytes, not the %d uploaded", len(got), size)
		}
	})
}

// conn2 is a second connection to e's server.
func conn2(t *testing.T, e *testenv.Env) *grpc.ClientConn {
	c, err := grpc.NewClient(e.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// download fetches a component's file (or a result's, with result set).
func download(t *testing.T, e *testenv.Env, ctx context.Context, dossierID, code, purpose string) []byte {
	t.Helper()
	b, _, err := tryDownload(e, ctx, &pb.DownloadFileRequest{DossierId: dossierID, File: &pb.DownloadFileRequest_ComponentCode{ComponentCode: code}, Purpose: purpose})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tryDownload(e *testenv.Env, ctx context.Context, req *pb.DownloadFileRequest) ([]byte, *pb.FileInfo, error) {
	st, err := e.Files.DownloadFile(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	var info *pb.FileInfo
	for {
		m, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return buf.Bytes(), info, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if m.GetInfo() != nil {
			info = m.GetInfo()
		}
		buf.Write(m.GetData())
	}
}

// Bytes that do not hash to the declared SHA-256 are refused and nothing
// is kept: no blob, no row, the upload failed for good.
func TestUploadWithAWrongHashKeepsNothing(t *testing.T) {
	forEachStoreAndBlobs(t, func(t *testing.T, e *testenv.Env) {
		ctx := e.As(t, testenv.Citizen(testenv.CitizenID(5)))
		content := []byte("%PDF-1.7 the real file")
		declared := hashOf([]byte("%PDF-1.7 another file"))
		before := e.CountRows(t)
		cu, err := e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: "w", Sha256: declared, Size: int64(len(content)), MediaType: "application/pdf"})
		if err != nil {
			t.Fatal(err)
		}
		st, _ := e.Files.UploadChunks(ctx)
		sendChunks(t, st, cu.GetUpload().GetUploadId(), content, 0, len(content))
		_, err = st.CloseAndRecv()
		wantStatus(t, err, codes.InvalidArgument, "sha256")
		for _, sha := range []string{declared, hashOf(content)} {
			if _, err := e.Blobs.Stat(context.Background(), sha); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("blob %s after a refused upload: %v", sha, err)
			}
		}
		after := e.CountRows(t)
		if after["blobs"] != before["blobs"] {
			t.Fatalf("blob rows %d → %d", before["blobs"], after["blobs"])
		}
		g, err := e.Files.GetUpload(ctx, &pb.GetUploadRequest{UploadId: cu.GetUpload().GetUploadId()})
		if err != nil || g.GetUpload().GetState() != pb.UploadState_UPLOAD_STATE_FAILED {
			t.Fatalf("upload after the mismatch: %v %v", g.GetUpload(), err)
		}
		// A file whose content is not its declared type is refused too.
		cu, _ = e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: "x", Sha256: hashOf([]byte("MZ not a pdf")), Size: 12, MediaType: "application/pdf"})
		st, _ = e.Files.UploadChunks(ctx)
		sendChunks(t, st, cu.GetUpload().GetUploadId(), []byte("MZ not a pdf"), 0, 12)
		_, err = st.CloseAndRecv()
		wantStatus(t, err, codes.InvalidArgument, "media_type")
		// Too big, and an unaccepted type, are refused at the start.
		_, err = e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: "y", Sha256: declared, Size: 1 << 40, MediaType: "application/pdf"})
		wantStatus(t, err, codes.InvalidArgument, "size")
		_, err = e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: "z", Sha256: declared, Size: 10, MediaType: "application/x-msdownload"})
		wantStatus(t, err, codes.InvalidArgument, "media_type")
	})
}

// Citizen B asking for citizen A's file gets exactly the answer for a
// dossier that does not exist; staff downloads are in the access log.
func TestDownloadIsAuthorisedLikeGetDossier(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		a, b := testenv.CitizenID(11), testenv.CitizenID(12)
		d := e.NewDriver(t).Submit(testenv.Draft(a))
		if !d.GetComponents()[0].GetVerified() {
			t.Fatalf("uploaded component not verified: %v", d.GetComponents()[0])
		}
		if got := download(t, e, e.As(t, testenv.Citizen(a)), d.GetId(), "TK-LLTP", ""); string(got) != d.GetComponents()[0].GetFileRef() {
			t.Fatalf("A downloads %q", got)
		}
		asB := e.As(t, testenv.Citizen(b))
		req := func(id string) *pb.DownloadFileRequest {
			return &pb.DownloadFileRequest{DossierId: id, File: &pb.DownloadFileRequest_ComponentCode{ComponentCode: "TK-LLTP"}}
		}
		_, _, errA := tryDownload(e, asB, req(d.GetId()))
		const absent = "0190a1b2-0000-7000-8000-00000000dead"
		_, _, errAbsent := tryDownload(e, asB, req(absent))
		sa, sb := status.Convert(errA), status.Convert(errAbsent)
		if sa.Code() != codes.NotFound || sb.Code() != codes.NotFound ||
			strings.ReplaceAll(sa.Message(), d.GetId(), "ID") != strings.ReplaceAll(sb.Message(), absent, "ID") {
			t.Fatalf("B on A's file: %v; B on an absent dossier: %v", errA, errAbsent)
		}
		// B naming A's hash in B's own filing gets a reference, not A's file.
		draft := testenv.Draft(b)
		draft.Components[0].FileRef, draft.Components[0].FileSha256 = "elsewhere", d.GetComponents()[0].GetFileSha256()
		rb, err := e.Dossiers.SubmitDossier(asB, &pb.SubmitDossierRequest{RequestId: "b", Dossier: draft})
		if err != nil {
			t.Fatal(err)
		}
		if rb.GetDossier().GetComponents()[0].GetVerified() {
			t.Fatal("a hash B never uploaded was verified for B")
		}
		if _, _, err := tryDownload(e, asB, req(rb.GetDossier().GetId())); status.Code(err) != codes.NotFound {
			t.Fatalf("B downloads A's file through B's own dossier: %v", err)
		}
		// Staff need a purpose, and the read is logged like GetDossier's.
		clerk := e.As(t, testenv.Clerk)
		_, _, err = tryDownload(e, clerk, req(d.GetId()))
		wantStatus(t, err, codes.InvalidArgument, "purpose")
		download(t, e, clerk, d.GetId(), "TK-LLTP", "kiểm tra bản scan")
		acc, err := pb.NewAuditServiceClient(e.Conn).ListDossierAccesses(e.As(t, testenv.Citizen(a)),
			&pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: d.GetId()}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range acc.GetAccesses() {
			found = found || x.GetPurpose() == "kiểm tra bản scan"
		}
		if !found {
			t.Fatalf("the clerk's download is not in the access log: %v", acc.GetAccesses())
		}
	})
}

// resolveWith resolves d (at its last step) with one result document.
func resolveWith(t *testing.T, e *testenv.Env, dr *testenv.Driver, d *pb.Dossier, electronic bool, doc *pb.ResultDocument) (*pb.Dossier, error) {
	t.Helper()
	r, err := e.Dossiers.ResolveDossier(dr.StepCtx(d), &pb.ResolveDossierRequest{RequestId: "res-" + hashOf([]byte(doc.String()))[:12],
		DossierId: d.GetId(), ExpectedVersion: d.GetVersion(),
		Result: &pb.DossierResult{Electronic: electronic, Signer: "Giám đốc", Documents: []*pb.ResultDocument{doc}}})
	return r.GetDossier(), err
}

// A forged signature, an untrusted signer and an unsigned "electronic"
// result are refused; a valid one is recorded with its verdict in the
// sealed event, and the citizen's first fetch is recorded.
func TestElectronicResultsNeedAValidSignature(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		id := testenv.CitizenID(21)
		d := dr.ForwardToLastStep(dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(id))))
		ctx := dr.StepCtx(d)
		content := []byte("%PDF-1.7 Phiếu lý lịch tư pháp số 1")
		good := e.SignedResult(t, ctx, e.NewSigner(t, "Giám đốc Sở Tư pháp"), "LLTP", content)

		// Forged: a valid signature over other bytes, presented for this file.
		other := e.SignedResult(t, ctx, e.NewSigner(t, "Giám đốc Sở Tư pháp"), "LLTP", []byte("%PDF-1.7 another document"))
		forged := &pb.ResultDocument{Code: "LLTP", Name: "Phiếu", FileSha256: good.GetFileSha256(), SignatureSha256: other.GetSignatureSha256()}
		_, err := resolveWith(t, e, dr, d, true, forged)
		if st := wantStatus(t, err, codes.FailedPrecondition, ""); reason(st) != "SIGNATURE_INVALID" {
			t.Fatalf("forged: reason %q (%v)", reason(st), err)
		}
		// Untrusted: signed by a certificate of another CA.
		rogue := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{NoDemo: true}).NewSigner(t, "Giám đốc Sở Tư pháp")
		untrusted := e.SignedResult(t, ctx, rogue, "LLTP", content)
		_, err = resolveWith(t, e, dr, d, true, untrusted)
		if st := wantStatus(t, err, codes.FailedPrecondition, ""); reason(st) != "SIGNER_NOT_TRUSTED" {
			t.Fatalf("untrusted: reason %q (%v)", reason(st), err)
		}
		// "Electronic" without a signature.
		_, err = resolveWith(t, e, dr, d, true, &pb.ResultDocument{Code: "LLTP", Name: "Phiếu", FileSha256: good.GetFileSha256()})
		if st := wantStatus(t, err, codes.FailedPrecondition, ""); reason(st) != "RESULT_NOT_SIGNED" {
			t.Fatalf("unsigned: reason %q (%v)", reason(st), err)
		}
		// Nothing changed.
		g, err := e.Dossiers.GetDossier(e.As(t, testenv.Citizen(id)), &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}})
		if err != nil || g.GetDossier().GetVersion() != d.GetVersion() {
			t.Fatalf("refusals changed the dossier: %v %v", g.GetDossier().GetVersion(), err)
		}

		res, err := resolveWith(t, e, dr, d, true, good)
		if err != nil {
			t.Fatal(err)
		}
		rd := res.GetResult().GetDocuments()[0]
		if !res.GetResult().GetElectronic() || !rd.GetVerified() || rd.GetSignature().GetSigner() != "CN=Giám đốc Sở Tư pháp" {
			t.Fatalf("result: %v", res.GetResult())
		}
		ev, err := e.Dossiers.ListDossierEvents(e.As(t, testenv.Citizen(id)), &pb.ListDossierEventsRequest{DossierId: d.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		last := ev.GetEvents()[len(ev.GetEvents())-1]
		if last.GetDetails()["result_file:LLTP"] != good.GetFileSha256() ||
			!strings.HasPrefix(last.GetDetails()["result_signature:LLTP"], good.GetSignatureSha256()+" valid") {
			t.Fatalf("the sealed event does not carry the file hash and verdict: %v", last.GetDetails())
		}

		// The citizen fetches it; the first fetch is recorded and stays the first.
		citizen := e.As(t, testenv.Citizen(id))
		fetch := func() *pb.FileInfo {
			b, info, err := tryDownload(e, citizen, &pb.DownloadFileRequest{DossierId: d.GetId(), File: &pb.DownloadFileRequest_ResultCode{ResultCode: "LLTP"}})
			if err != nil || !bytes.Equal(b, content) {
				t.Fatalf("fetch: %q %v", b, err)
			}
			return info
		}
		first := fetch().GetFirstFetchTime()
		if first == nil {
			t.Fatal("the first fetch was not recorded")
		}
		if again := fetch().GetFirstFetchTime(); !again.AsTime().Equal(first.AsTime()) {
			t.Fatalf("first fetch moved: %v → %v", first.AsTime(), again.AsTime())
		}
		sig, _, err := tryDownload(e, citizen, &pb.DownloadFileRequest{DossierId: d.GetId(),
			File: &pb.DownloadFileRequest_ResultSignatureCode{ResultSignatureCode: "LLTP"}})
		if err != nil || hashOf(sig) != good.GetSignatureSha256() {
			t.Fatalf("signature download: %v", err)
		}
	})
}

// The digitisation and electronic-result rates move only with real files.
func TestDigitisationAndElectronicRatesNeedRealFiles(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		clerk := e.As(t, testenv.Clerk)
		rates := func() (digitised, eResults *pb.Rate) {
			t.Helper()
			r, err := pb.NewReportServiceClient(e.Conn).GetIndicators(e.As(t, testenv.Auditor),
				&pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026"}})
			if err != nil {
				t.Fatal(err)
			}
			return r.GetIndicators().GetPaperToElectronic(), r.GetIndicators().GetElectronicResults()
		}
		// A claimed scan that was never stored is refused; nothing counts.
		claimed := testenv.CounterDraft(testenv.CitizenID(31))
		_, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "claim",
			Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: claimed}})
		wantStatus(t, err, codes.InvalidArgument, "new_dossier.components[0].file_sha256")
		if dg, _ := rates(); dg.GetNumerator() != 0 || dg.GetDenominator() != 0 {
			t.Fatalf("a refused claim counted: %v", dg)
		}
		// The clerk scans at intake: the scan is stored, and counts.
		d := dr.Intake(testenv.CounterDraft(testenv.CitizenID(32)))
		if dg, _ := rates(); dg.GetNumerator() != 1 || dg.GetDenominator() != 2 {
			t.Fatalf("paper-to-electronic after one stored scan and one paper document: %v", dg)
		}
		ev, _ := e.Dossiers.ListDossierEvents(clerk, &pb.ListDossierEventsRequest{DossierId: d.GetId(), Purpose: "kiểm tra"})
		if first := ev.GetEvents()[0]; first.GetDetails()["file:TK-LLTP"] != d.GetComponents()[0].GetFileSha256() ||
			first.GetAttribution().GetActorRole() != pb.Role_ROLE_CLERK || first.GetAttribution().GetActorKind() != pb.ActorKind_ACTOR_KIND_STAFF {
			t.Fatalf("intake event: %v", first)
		}
		// A paper result does not count as electronic; a signed one does.
		d = dr.ForwardToLastStep(d)
		if _, err := resolveWith(t, e, dr, d, false, &pb.ResultDocument{Code: "KQ", Name: "Kết quả"}); err != nil {
			t.Fatal(err)
		}
		if _, er := rates(); er.GetNumerator() != 0 || er.GetDenominator() != 1 {
			t.Fatalf("e-results after a paper result: %v", er)
		}
		d2 := dr.ForwardToLastStep(dr.Intake(testenv.CounterDraft(testenv.CitizenID(33))))
		if _, err := resolveWith(t, e, dr, d2, true, e.SignedResult(t, dr.StepCtx(d2), e.NewSigner(t, "GĐ"), "KQ", []byte("kq"))); err != nil {
			t.Fatal(err)
		}
		if _, er := rates(); er.GetNumerator() != 1 || er.GetDenominator() != 2 {
			t.Fatalf("e-results after a signed result: %v", er)
		}
	})
}

// A citizen's verified document is reused by reference in a later
// dossier: no upload, the same verified file, recorded on the component
// and counted as reused; another citizen cannot reuse it.
func TestReuseByReference(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		id := testenv.CitizenID(41)
		dr := e.NewDriver(t)
		first := dr.Submit(testenv.Draft(id))
		ref := "dossier:" + first.GetCode() + "/CCCD"
		draft := testenv.Draft(id)
		draft.Components[1] = &pb.DossierComponent{Code: "CCCD", Source: pb.ComponentSource_COMPONENT_SOURCE_REUSED, ReusedFrom: ref}
		r, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{RequestId: "reuse", Dossier: draft})
		if err != nil {
			t.Fatal(err)
		}
		c := r.GetDossier().GetComponents()[1]
		if !c.GetVerified() || c.GetFileSha256() != first.GetComponents()[1].GetFileSha256() || c.GetReusedFrom() != ref {
			t.Fatalf("reused component: %v", c)
		}
		if got := download(t, e, e.As(t, testenv.Citizen(id)), r.GetDossier().GetId(), "CCCD", ""); hashOf(got) != c.GetFileSha256() {
			t.Fatal("the reused file does not download")
		}
		other := testenv.CitizenID(42)
		draft = testenv.Draft(other)
		draft.Components[1] = &pb.DossierComponent{Code: "CCCD", Source: pb.ComponentSource_COMPONENT_SOURCE_REUSED, ReusedFrom: ref}
		_, err = e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(other)), &pb.SubmitDossierRequest{RequestId: "steal", Dossier: draft})
		wantStatus(t, err, codes.InvalidArgument, "dossier.components[1].reused_from")
	})
}

// Unreferenced blobs go after the grace period; referenced ones stay.
func TestBlobGarbageCollection(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		ctx := e.As(t, testenv.Citizen(testenv.CitizenID(51)))
		orphan := e.Upload(t, ctx, []byte("%PDF-1.7 never attached"), "application/pdf")
		d := e.NewDriver(t).Submit(testenv.Draft(testenv.CitizenID(51)))
		kept := d.GetComponents()[0].GetFileSha256()
		n, err := e.App.CollectGarbage(context.Background(), fixedNow.Add(-time.Hour), 100)
		if err != nil || n != 0 {
			t.Fatalf("within the grace period: %d deleted, %v", n, err)
		}
		n, err = e.App.CollectGarbage(context.Background(), fixedNow.Add(time.Hour), 100)
		if err != nil || n != 1 {
			t.Fatalf("after the grace period: %d deleted, %v; want the one orphan", n, err)
		}
		if _, err := e.Blobs.Stat(context.Background(), orphan); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("orphan still stored: %v", err)
		}
		if _, err := e.Blobs.Stat(context.Background(), kept); err != nil {
			t.Fatalf("a referenced file was deleted: %v", err)
		}
	})
}

// An upload abandoned half-way loses its staged bytes once it has made no
// progress for longer than the expiry, and is EXPIRED; a recent one is kept
// and still resumes to the end.
func TestAbandonedUploadsExpire(t *testing.T) {
	for _, kind := range testenv.Stores {
		for _, blobs := range []string{"dir", "s3"} {
			t.Run(kind+"/"+blobs, func(t *testing.T) {
				clk := testenv.NewClock(fixedNow)
				e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clk.Now, Blobs: blobs})
				ctx := e.As(t, testenv.Citizen(testenv.CitizenID(61)))
				content := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 3<<20)...)
				start := func(name string) string {
					cu, err := e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: name, Sha256: hashOf(content),
						Size: int64(len(content)), MediaType: "application/pdf"})
					if err != nil {
						t.Fatal(err)
					}
					id := cu.GetUpload().GetUploadId()
					st, err := e.Files.UploadChunks(ctx)
					if err != nil {
						t.Fatal(err)
					}
					sendChunks(t, st, id, content, 0, 1<<20)
					if r, err := st.CloseAndRecv(); err != nil || r.GetUpload().GetReceived() != 1<<20 {
						t.Fatalf("first part: %v %v", r, err)
					}
					return id
				}
				old := start("abandoned")
				clk.Advance(23 * time.Hour)
				recent := start("recent")
				clk.Advance(2 * time.Hour) // old: 25 h without progress; recent: 2 h

				n, err := e.App.ExpireUploads(context.Background(), clk.Now().Add(-24*time.Hour), 100)
				if err != nil || n != 1 {
					t.Fatalf("expired %d, %v; want the one abandoned upload", n, err)
				}
				if got, err := e.Blobs.Staged(context.Background(), old); err != nil || got != 0 {
					t.Fatalf("the abandoned upload still has %d bytes staged (%v)", got, err)
				}
				if got, err := e.Blobs.Staged(context.Background(), recent); err != nil || got != 1<<20 {
					t.Fatalf("the recent upload has %d bytes staged (%v), want 1 MiB", got, err)
				}
				g, err := e.Files.GetUpload(ctx, &pb.GetUploadRequest{UploadId: old})
				if err != nil || g.GetUpload().GetState() != pb.UploadState_UPLOAD_STATE_EXPIRED {
					t.Fatalf("abandoned upload: %v %v", g, err)
				}
				st, err := e.Files.UploadChunks(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_ = st.Send(&pb.UploadChunksRequest{UploadId: old, Offset: 1 << 20, Data: content[1<<20 : 2<<20]})
				_, err = st.CloseAndRecv()
				if s := wantStatus(t, err, codes.FailedPrecondition, ""); !strings.Contains(s.Message(), "expired") {
					t.Fatalf("resuming an expired upload: %v", s.Message())
				}
				// A second run finds nothing more; the recent upload resumes.
				if n, err := e.App.ExpireUploads(context.Background(), clk.Now().Add(-24*time.Hour), 100); err != nil || n != 0 {
					t.Fatalf("second run expired %d, %v", n, err)
				}
				st, err = e.Files.UploadChunks(ctx)
				if err != nil {
					t.Fatal(err)
				}
				sendChunks(t, st, recent, content, 1<<20, len(content))
				if r, err := st.CloseAndRecv(); err != nil || r.GetUpload().GetState() != pb.UploadState_UPLOAD_STATE_DONE {
					t.Fatalf("resuming the recent upload: %v %v", r, err)
				}
			})
		}
	}
}
