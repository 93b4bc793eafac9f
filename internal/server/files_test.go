package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/testenv"
)

// A browser uploads a file with plain HTTP (create, PUT the body, resume
// with an offset), files it, and downloads it; another citizen's GET is
// answered exactly like a GET of a dossier that does not exist.
func TestFilesOverHTTP(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{HTTP: true})
			a, b := testenv.CitizenID(61), testenv.CitizenID(62)
			call := func(method, url, who string, body []byte) (int, http.Header, []byte) {
				t.Helper()
				req, _ := http.NewRequest(method, url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+e.Token(t, testenv.Citizen(who)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header, raw
			}
			content := bytes.Repeat([]byte("%PDF-1.7 tờ khai "), 200000) // 3.6 MB
			sum := sha256.Sum256(content)
			sha := hex.EncodeToString(sum[:])
			code, _, raw := call("POST", e.HTTPURL+"/v1/uploads", a,
				fmt.Appendf(nil, `{"requestId":"h1","sha256":%q,"size":"%d","mediaType":"application/pdf"}`, sha, len(content)))
			var cu pb.CreateUploadResponse
			if code != 200 || protojson.Unmarshal(raw, &cu) != nil {
				t.Fatalf("create upload: %d %s", code, raw)
			}
			id := cu.GetUpload().GetUploadId()
			// The first half, then the rest from the offset the server holds.
			half := len(content) / 2
			if code, _, raw = call("PUT", e.HTTPURL+"/v1/uploads/"+id+"/content?offset=0", a, content[:half]); code != 200 {
				t.Fatalf("first half: %d %s", code, raw)
			}
			code, _, raw = call("GET", e.HTTPURL+"/v1/uploads/"+id, a, nil)
			var gu pb.GetUploadResponse
			if code != 200 || protojson.Unmarshal(raw, &gu) != nil || gu.GetUpload().GetReceived() != int64(half) {
				t.Fatalf("get upload: %d %s", code, raw)
			}
			code, _, raw = call("PUT", fmt.Sprintf("%s/v1/uploads/%s/content?offset=%d", e.HTTPURL, id, half), a, content[half:])
			if code != 200 || !strings.Contains(string(raw), "UPLOAD_STATE_DONE") {
				t.Fatalf("rest: %d %s", code, raw)
			}

			draft := testenv.Draft(a)
			draft.Components[0].FileRef, draft.Components[0].FileSha256 = "", sha
			body, _ := protojson.Marshal(&pb.SubmitDossierRequest{RequestId: "h-submit", Dossier: draft})
			code, _, raw = call("POST", e.HTTPURL+"/v1/dossiers:submit", a, body)
			var sub pb.SubmitDossierResponse
			if code != 200 || protojson.Unmarshal(raw, &sub) != nil {
				t.Fatalf("submit: %d %s", code, raw)
			}
			url := e.HTTPURL + "/v1/dossiers/" + sub.GetDossier().GetId() + "/files/components/TK-LLTP"
			code, hdr, got := call("GET", url, a, nil)
			if code != 200 || !bytes.Equal(got, content) || hdr.Get("Content-Type") != "application/pdf" ||
				hdr.Get("Repr-Digest") != "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":" {
				t.Fatalf("download: %d, %d bytes, headers %v", code, len(got), hdr)
			}
			codeB, _, rawB := call("GET", url, b, nil)
			absent := "0190a1b2-0000-7000-8000-00000000dead"
			codeX, _, rawX := call("GET", e.HTTPURL+"/v1/dossiers/"+absent+"/files/components/TK-LLTP", b, nil)
			norm := func(raw []byte, id string) string {
				s := strings.ReplaceAll(string(raw), id, "ID")
				if i := strings.Index(s, `"trace`); i >= 0 { // a per-call trace id, if any
					s = s[:i]
				}
				return s
			}
			if codeB != 404 || codeX != 404 || norm(rawB, sub.GetDossier().GetId()) != norm(rawX, absent) {
				t.Fatalf("B on A's file: %d %s\nB on an absent dossier: %d %s", codeB, rawB, codeX, rawX)
			}

			// The stored file is offered for reuse to A, not to B.
			ref := "dossier:" + sub.GetDossier().GetCode() + "/TK-LLTP"
			code, _, raw = call("GET", e.HTTPURL+"/v1/reusable-documents?pageSize=10", a, nil)
			var lr pb.ListReusableDocumentsResponse
			if code != 200 || protojson.Unmarshal(raw, &lr) != nil || !strings.Contains(string(raw), ref) {
				t.Fatalf("A's reusable documents: %d %s", code, raw)
			}
			code, _, raw = call("GET", e.HTTPURL+"/v1/reusable-documents?applicantIdNumber="+a, b, nil)
			if code != 200 || strings.Contains(string(raw), ref) {
				t.Fatalf("B's list naming A: %d %s", code, raw)
			}
		})
	}
}
