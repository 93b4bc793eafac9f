package service_test

import (
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/testenv"
)

// Verifying an agency's chains reads the dossier rows a batch at a time
// (GetDossiers), not with one query per dossier: the statements against
// dossiers do not grow with the number of dossiers.
func TestVerifyAuditChainReadsRowsInBatches(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e, rec := startTraced(t, kind)
			dr := e.NewDriver(t)
			const n = 12
			for i := range n {
				dr.Submit(testenv.Draft(testenv.CitizenID(800 + i)))
			}
			before := len(rec.Ended())
			_, sum := verifyChains(t, e, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_AgencyPeriod{AgencyPeriod: &pb.AgencyPeriod{
				AgencyCode: seed.Province, FromTime: timestamppb.New(fixedNow.Add(-time.Hour)), ToTime: timestamppb.New(fixedNow.Add(time.Hour))}}})
			if sum.GetDossiersChecked() != n || !sum.GetIntact() {
				t.Fatalf("summary %v", sum)
			}
			one, batch := 0, 0
			for _, s := range rec.Ended()[before:] {
				q := spanQuery(s)
				if !strings.Contains(q, "dossiers") || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q)), "SELECT") {
					continue
				}
				switch {
				case strings.Contains(q, "id IN"):
					batch++
				case strings.Contains(q, "WHERE id ="):
					one++
				}
			}
			if one != 0 || batch != 1 {
				t.Fatalf("dossier reads while verifying %d dossiers: %d by id, %d batched; want 0 and 1", n, one, batch)
			}
		})
	}
}

// startTraced starts a server on kind's store whose spans rec records.
func startTraced(t *testing.T, kind string) (*testenv.Env, *tracetest.SpanRecorder) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	return testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow },
		Operations: server.Operations{TracerProvider: tp}}), rec
}

// spanQuery is a statement span's text ("" for other spans).
func spanQuery(s sdktrace.ReadOnlySpan) string {
	for _, a := range s.Attributes() {
		if a.Key == "db.query.text" {
			return a.Value.AsString()
		}
	}
	return ""
}
