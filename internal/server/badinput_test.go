package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/testenv"
)

// rawCodec sends and receives bytes as they are, so a test can put any byte
// sequence on the wire where a protobuf message is expected.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}

// invokeRaw calls method with body as the request's wire bytes.
func invokeRaw(ctx context.Context, conn *grpc.ClientConn, method string, body []byte) error {
	var out []byte
	return conn.Invoke(ctx, method, &body, &out, grpc.ForceCodec(rawCodec{}))
}

// streamRaw opens a server stream with body as its only request and reads
// it to the end.
func streamRaw(ctx context.Context, conn *grpc.ClientConn, method string, body []byte) error {
	s, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		return err
	}
	if err := s.SendMsg(&body); err != nil {
		return err
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	for {
		var out []byte
		if err := s.RecvMsg(&out); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func forEachStore(t *testing.T, o testenv.Options, fn func(t *testing.T, e *testenv.Env)) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) { fn(t, testenv.Start(t, testenv.StoreURL(t, kind), o)) })
	}
}

// Bytes that are not a valid request must be INVALID_ARGUMENT, not INTERNAL:
// the client sent them, and a retry will not help.
func TestMalformedMessagesAreInvalidArgument(t *testing.T) {
	valid, err := proto.Marshal(&pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: "01a21b58-3ac9-74c9-872e-d32392643906"}, Purpose: "kiểm tra"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body []byte
	}{
		{"truncated", valid[:len(valid)-5]},
		{"length beyond the end", []byte{0x0a, 0x7f, 'a', 'b'}},
		{"invalid UTF-8 in a string", []byte{0x0a, 0x02, 0xff, 0xfe}},
		{"invalid UTF-8 in a nested string", mustRaw(t, &pb.SubmitDossierRequest{RequestId: "r1",
			Dossier: &pb.DossierDraft{Summary: "\xc3\x28"}})},
		{"reserved wire type", []byte{0x0f}},
		{"field number zero", []byte{0x00, 0x01}},
		{"varint too long", []byte{0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	forEachStore(t, testenv.Options{}, func(t *testing.T, e *testenv.Env) {
		ctx, cancel := context.WithTimeout(e.As(t, testenv.Auditor), 10*time.Second)
		defer cancel()
		before := e.CountRows(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, m := range []string{pb.DossierService_GetDossier_FullMethodName, pb.DossierService_SubmitDossier_FullMethodName} {
					err := invokeRaw(ctx, e.Conn, m, c.body)
					if st := status.Convert(err); st.Code() != codes.InvalidArgument {
						t.Errorf("%s: got %v %q, want InvalidArgument", m, st.Code(), st.Message())
					}
				}
				err := streamRaw(ctx, e.Conn, pb.AuditService_VerifyAuditChain_FullMethodName, c.body)
				if st := status.Convert(err); st.Code() != codes.InvalidArgument {
					t.Errorf("stream: got %v %q, want InvalidArgument", st.Code(), st.Message())
				}
			})
		}
		// Without credentials the answer is still about the bytes (the
		// message is decoded before the call is authenticated).
		err := invokeRaw(context.Background(), e.Conn, pb.DossierService_GetDossier_FullMethodName, []byte{0x0a, 0x02, 0xff, 0xfe})
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "UTF-8") {
			t.Errorf("unauthenticated invalid UTF-8: got %v %q", st.Code(), st.Message())
		}
		// A well-formed message still works through the same codec.
		if err := invokeRaw(ctx, e.Conn, pb.CatalogService_ListAgencies_FullMethodName, mustRaw(t, &pb.ListAgenciesRequest{})); err != nil {
			t.Fatalf("valid message: %v", err)
		}
		if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("malformed requests changed the database: %v -> %v", before, after)
		}
	})
}

func mustRaw(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{}.Marshal(m)
	if err == nil {
		return b
	}
	// proto.Marshal refuses invalid UTF-8; build the bytes by hand for the
	// one message that needs it.
	req, ok := m.(*pb.SubmitDossierRequest)
	if !ok {
		t.Fatal(err)
	}
	sum := []byte(req.GetDossier().GetSummary())
	draft := append([]byte{0x2a, byte(len(sum))}, sum...) // DossierDraft.summary = 5
	out := append([]byte{0x0a, byte(len(req.GetRequestId()))}, req.GetRequestId()...)
	out = append(out, 0x12, byte(len(draft)))
	return append(out, draft...)
}

// gatewayCall sends an HTTP request to the JSON gateway as the principal of
// tok and returns the status and decoded JSON body.
func gatewayCall(t testing.TB, e *testenv.Env, tok, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.HTTPURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: status %d with a body that is not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// Undecodable paths, queries and bodies answer 400 with a JSON error that
// says what is wrong; never 500.
func TestGatewayRefusesUndecodableInputWith400(t *testing.T) {
	forEachStore(t, testenv.Options{HTTP: true}, func(t *testing.T, e *testenv.Env) {
		auditor := e.Token(t, testenv.Auditor)
		citizen := e.Token(t, testenv.Citizen(testenv.CitizenID(1)))
		id := "01a21b58-3ac9-74c9-872e-d32392643906"
		cases := []struct {
			name, tok, method, path, body string
			// mention is a word the error message must contain.
			mention string
		}{
			{"invalid UTF-8 in the path", auditor, "GET", "/v1/dossiers/%ff%fe?purpose=x", "", "UTF-8"},
			{"invalid UTF-8 in a path code", auditor, "GET", "/v1/dossiers:byCode/%c3%28?purpose=x", "", "UTF-8"},
			{"invalid UTF-8 in the query", auditor, "GET", "/v1/dossiers?purpose=%ff", "", "UTF-8"},
			{"invalid UTF-8 in an agency path", auditor, "GET", "/v1/agencies/%80", "", "UTF-8"},
			{"NUL in the query", auditor, "GET", "/v1/dossiers?purpose=a%00b", "", "purpose"},
			{"bad JSON", citizen, "POST", "/v1/dossiers:submit", `{"request_id": "r1", "dossier": {`, ""},
			{"wrong type", citizen, "POST", "/v1/dossiers:submit", `{"request_id": 5}`, ""},
			{"invalid UTF-8 in the body", citizen, "POST", "/v1/dossiers:submit", "{\"request_id\": \"r1\", \"dossier\": {\"summary\": \"\xff\"}}", ""},
			{"NUL in the body", citizen, "POST", "/v1/dossiers:submit",
				`{"request_id": "r1", "dossier": {"procedure_code": "1.001", "agency_code": "000.00.01.H55", "summary": "a\u0000b"}}`, "summary"},
			{"number where a version is expected", auditor, "POST", "/v1/dossiers/" + id + ":stop", `{"expected_version": "x"}`, ""},
			{"page size not a number", auditor, "GET", "/v1/dossiers?page_size=lots&purpose=x", "", ""},
			{"timestamp out of range", auditor, "GET", "/v1/dossiers?received_after=10000-01-01T00:00:00Z&purpose=x", "", ""},
		}
		before := e.CountRows(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				code, body := gatewayCall(t, e, c.tok, c.method, c.path, c.body)
				msg, _ := body["message"].(string)
				if code != http.StatusBadRequest {
					t.Fatalf("got HTTP %d %v, want 400", code, body)
				}
				if body["code"] != float64(codes.InvalidArgument) || msg == "" {
					t.Fatalf("error body %v: want code 3 and a message", body)
				}
				if c.mention != "" && !strings.Contains(msg, c.mention) {
					t.Fatalf("message %q does not mention %q", msg, c.mention)
				}
			})
		}
		// Routing errors keep their HTTP status, in the same JSON form.
		for _, c := range []struct {
			method, path string
			want         int
		}{
			{"DELETE", "/v1/dossiers/" + id, http.StatusMethodNotAllowed},
			{"GET", "/v1/no-such-thing", http.StatusNotFound},
		} {
			if code, body := gatewayCall(t, e, auditor, c.method, c.path, ""); code != c.want || body["message"] == "" {
				t.Errorf("%s %s: got HTTP %d %v, want %d", c.method, c.path, code, body, c.want)
			}
		}
		if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("refused requests changed the database: %v -> %v", before, after)
		}
	})
}
