package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/testenv"
)

// The fuzz targets below drive a real server (SQLite in a temporary
// directory, the full interceptor chain, the JSON gateway) with arbitrary
// input; `make fuzz` runs each briefly. The property is the same for both:
// whatever arrives, the answer is a deliberate status — never INTERNAL or
// UNKNOWN, never HTTP 500 — and the server does not panic (a panic would be
// INTERNAL from the recovery interceptor).

// fuzzMethods are the RPCs FuzzGRPCDecode sends bytes to: reads and writes of
// every service, unary and streaming.
var fuzzMethods = []struct {
	name   string
	stream bool
}{
	{pb.DossierService_SubmitDossier_FullMethodName, false},
	{pb.DossierService_ReceiveDossier_FullMethodName, false},
	{pb.DossierService_GetDossier_FullMethodName, false},
	{pb.DossierService_ListDossiers_FullMethodName, false},
	{pb.DossierService_ExtendDeadline_FullMethodName, false},
	{pb.DossierService_NotAcceptDossier_FullMethodName, false},
	{pb.DossierService_ResolveDossier_FullMethodName, false},
	{pb.DossierService_ExplainDeadline_FullMethodName, false},
	{pb.CatalogService_CreateAgency_FullMethodName, false},
	{pb.CatalogService_CreateProcedure_FullMethodName, false},
	{pb.CatalogService_ListAgencies_FullMethodName, false},
	{pb.CalendarService_SetCalendarYear_FullMethodName, false},
	{pb.AuditService_ListDossierAccesses_FullMethodName, false},
	{pb.ReportService_GetIndicators_FullMethodName, false},
	{pb.AuditService_VerifyAuditChain_FullMethodName, true},
}

// fuzzEnv starts the server a fuzz worker sends to, with one dossier on file.
func fuzzEnv(f *testing.F) (*testenv.Env, []string) {
	e := testenv.Start(f, "sqlite:"+filepath.Join(f.TempDir(), "fuzz.db"), testenv.Options{HTTP: true})
	dr := e.NewDriver(f)
	dr.Submit(testenv.Draft(testenv.CitizenID(1)))
	toks := []string{"", e.Token(f, testenv.Admin), e.Token(f, testenv.Clerk), e.Token(f, testenv.Auditor),
		e.Token(f, testenv.Citizen(testenv.CitizenID(1)))}
	return e, toks
}

func deliberate(code codes.Code) bool {
	return code != codes.Internal && code != codes.Unknown
}

func FuzzGRPCDecode(f *testing.F) {
	e, toks := fuzzEnv(f)
	for i, m := range []proto.Message{
		&pb.SubmitDossierRequest{RequestId: "f1", Dossier: testenv.Draft(testenv.CitizenID(2))},
		&pb.ReceiveDossierRequest{RequestId: "f2", Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: testenv.CounterDraft(testenv.CitizenID(3))}},
		&pb.GetDossierRequest{Key: &pb.GetDossierRequest_Code{Code: "000.00.01.H55-260213-0001"}, Purpose: "kiểm tra"},
		&pb.ListDossiersRequest{Purpose: "x", ReceivedAfter: &timestamppb.Timestamp{Seconds: 1 << 40}},
		&pb.ExtendDeadlineRequest{RequestId: "f3", DossierId: "01a21b58-3ac9-74c9-872e-d32392643906", ExpectedVersion: 1, Reason: "x",
			NewDueTime: &timestamppb.Timestamp{Seconds: 253402214400}},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), uint8(1+i%4), b)
	}
	f.Add(uint8(2), uint8(3), []byte{0x0a, 0x02, 0xff, 0xfe})
	f.Add(uint8(14), uint8(3), []byte{0x0a, 0x7f})
	f.Fuzz(func(t *testing.T, which, who uint8, body []byte) {
		m := fuzzMethods[int(which)%len(fuzzMethods)]
		ctx := context.Background()
		if tok := toks[int(who)%len(toks)]; tok != "" {
			ctx = testenv.WithToken(ctx, tok)
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var err error
		if m.stream {
			err = streamRaw(ctx, e.Conn, m.name, body)
		} else {
			err = invokeRaw(ctx, e.Conn, m.name, body)
		}
		if st := status.Convert(err); !deliberate(st.Code()) {
			t.Fatalf("%s with % x: %v %q", m.name, body, st.Code(), st.Message())
		}
	})
}

func FuzzGateway(f *testing.F) {
	e, toks := fuzzEnv(f)
	client := &http.Client{Timeout: 20 * time.Second}
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	seeds := []struct {
		method uint8
		path   string
		body   string
	}{
		{0, "v1/dossiers/%ff%fe?purpose=x", ""},
		{0, "v1/dossiers?purpose=a%00b&page_size=lots", ""},
		{0, "v1/dossiers:byCode/000.00.01.H55-260213-0001?purpose=ki%E1%BB%83m", ""},
		{0, "v1/agencies/%80", ""},
		{0, "v1/calendars/99999999999", ""},
		{1, "v1/dossiers:submit", `{"request_id":"g1","dossier":{"procedure_code":"1.001193","agency_code":"000.00.01.H55","summary":"a\u0000b"}}`},
		{1, "v1/dossiers:submit", "{\"request_id\": \"r1\", \"dossier\": {\"summary\": \"\xff\"}}"},
		{1, "v1/dossiers/01a21b58-3ac9-74c9-872e-d32392643906:extend",
			`{"request_id":"g2","expected_version":1,"reason":"x","new_due_time":"9999-12-31T00:00:00Z"}`},
		{1, "v1/agencies", `{"request_id":"g3","agency":{"code":"000.00.01.H56","name":"   "}}`},
		{2, "v1/calendars/2026", `{"request_id":"g4","days":[{"date":"2026-13-45","kind":"DAY_KIND_DAY_OFF"}]}`},
		{3, "v1/dossiers/x", ""},
		{0, "v1/reports/indicators?scope.agency_code=%ff", ""},
	}
	for i, s := range seeds {
		f.Add(s.method, uint8(i), s.path, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, who uint8, path string, body []byte) {
		u, err := url.Parse(e.HTTPURL + "/" + path)
		if err != nil || u.Host != e.HTTPURL[len("http://"):] || !validTarget(u.RequestURI()) {
			return // not a request a client can send to this server
		}
		req, err := http.NewRequest(methods[int(method)%len(methods)], u.String(), bytes.NewReader(body))
		if err != nil {
			return
		}
		if tok := toks[int(who)%len(toks)]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) && ue.Timeout() {
				t.Fatalf("%s %s: no answer: %v", req.Method, u, err)
			}
			return // the HTTP client refused to send it
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: HTTP %d %s", req.Method, u, body, resp.StatusCode, raw)
		}
		if resp.StatusCode >= 400 && u.Path != "/" && len(u.Path) > 3 && u.Path[:4] == "/v1/" {
			var e struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			if json.Unmarshal(raw, &e) != nil || e.Code == 0 || e.Message == "" {
				t.Fatalf("%s %s: HTTP %d with a body that is not a JSON error: %q", req.Method, u, resp.StatusCode, raw)
			}
		}
	})
}

// validTarget reports whether a request-target may stand in an HTTP/1.1
// request line (RFC 9112 §3.2: no spaces or control bytes). Go's client
// sends such a URL as it is; net/http's server then refuses the malformed
// line itself, with a plain-text 400, before any handler of ours runs.
func validTarget(target string) bool {
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
