package server_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/telemetry"
	"github.com/motcua/motcua/internal/testenv"
)

// collector is an in-process OTLP/gRPC trace collector on 127.0.0.1.
type collector struct {
	collectorpb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) Export(_ context.Context, r *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range r.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

func startCollector(t *testing.T) (*collector, string) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	g := grpc.NewServer()
	collectorpb.RegisterTraceServiceServer(g, c)
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(g.Stop)
	return c, lis.Addr().String()
}

func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.GetAttributes() {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// TestTracesFromHandlerToSQL: with an OTLP endpoint configured, a call is
// exported as a server span whose descendants are the SQL statements it
// ran (without their arguments); the access log line at info and the error
// details carry the trace id; no token is logged.
func TestTracesFromHandlerToSQL(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			col, addr := startCollector(t)
			tp, err := telemetry.NewTracerProvider(context.Background(), telemetry.TracingConfig{Endpoint: "http://" + addr, SampleRatio: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			var logs syncBuffer
			log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Log: log, Operations: server.Operations{TracerProvider: tp}})
			id := testenv.CitizenID(7)
			token := e.Token(t, testenv.Citizen(id))
			_, err = e.Dossiers.SubmitDossier(testenv.WithToken(context.Background(), token),
				&pb.SubmitDossierRequest{RequestId: "traced-1", Dossier: testenv.Draft(id)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Dossiers.GetDossier(e.As(t, testenv.Citizen(id)), &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: "0190b4a0-0000-7000-8000-000000000000"}})
			if status.Code(err) != codes.NotFound {
				t.Fatalf("GetDossier of an unknown id: %v", err)
			}
			var errTrace string
			for _, d := range status.Convert(err).Details() {
				if ri, ok := d.(*errdetails.RequestInfo); ok {
					errTrace = ri.GetRequestId()
				}
			}
			if len(errTrace) != 32 {
				t.Fatalf("error details carry no trace id: %v", status.Convert(err).Details())
			}
			// A server span ends when the RPC's end is handled, which may come
			// after the client has its answer: flush until it is exported.
			var spans []*tracepb.Span
			for deadline := time.Now().Add(10 * time.Second); ; {
				if err := tp.ForceFlush(context.Background()); err != nil {
					t.Fatal(err)
				}
				col.mu.Lock()
				spans = col.spans
				col.mu.Unlock()
				if slices.ContainsFunc(spans, func(s *tracepb.Span) bool {
					return s.GetName() == "motcua.v1.DossierService/SubmitDossier" && s.GetKind() == tracepb.Span_SPAN_KIND_SERVER
				}) || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			byID := map[string]*tracepb.Span{}
			var submit *tracepb.Span
			traces := map[string]bool{}
			for _, s := range spans {
				byID[hex.EncodeToString(s.GetSpanId())] = s
				traces[hex.EncodeToString(s.GetTraceId())] = true
				if s.GetName() == "motcua.v1.DossierService/SubmitDossier" && s.GetKind() == tracepb.Span_SPAN_KIND_SERVER {
					submit = s
				}
			}
			if submit == nil {
				t.Fatalf("no server span for SubmitDossier among %d spans", len(spans))
			}
			if !traces[errTrace] {
				t.Errorf("the trace id in the error details (%s) names no exported trace", errTrace)
			}
			var sqlSpans int
			for _, s := range spans {
				if attr(s, "db.system.name") == "" {
					continue
				}
				for p := s; p != nil; p = byID[hex.EncodeToString(p.GetParentSpanId())] {
					if p == submit {
						sqlSpans++
						q := attr(s, "db.query.text")
						if strings.Contains(q, id) {
							t.Fatalf("a SQL span records personal data: %s", q)
						}
						break
					}
				}
			}
			if sqlSpans < 3 {
				t.Fatalf("%d SQL spans under the SubmitDossier span, want the intake's statements", sqlSpans)
			}

			// The access log: one info line per call with who, what, how it
			// ended, from where, and the trace id; never the token.
			out := logs.String()
			if strings.Contains(out, token) || strings.Contains(out, token[strings.LastIndex(token, ".")+1:]) {
				t.Fatal("the log contains the bearer token")
			}
			submitTrace := hex.EncodeToString(submit.GetTraceId())
			var line map[string]any
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && m["grpc.method"] == "SubmitDossier" {
					line = m
				}
			}
			if line == nil {
				t.Fatalf("no access log line for SubmitDossier:\n%s", out)
			}
			want := map[string]any{"level": "INFO", "msg": "finished call", "grpc.service": "motcua.v1.DossierService",
				"grpc.code": "OK", "principal": "citizen-" + id, "role": "citizen", "trace_id": submitTrace}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("access log %s = %v, want %v (line %v)", k, line[k], v, line)
				}
			}
			if _, ok := line["grpc.time_ms"].(float64); !ok || !strings.HasPrefix(line["peer.address"].(string), "127.0.0.1:") {
				t.Errorf("access log line lacks duration or peer: %v", line)
			}
			t.Logf("%d spans exported; %d SQL spans under SubmitDossier", len(spans), sqlSpans)
		})
	}
}
