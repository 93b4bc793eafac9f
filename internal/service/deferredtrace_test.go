package service_test

import (
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/motcua/motcua/internal/testenv"
)

// A group's deferred writes (gormstore/deferred.go) are sent by no single
// call: traced, the statement at the group's end is a span linked to the
// call of every intake whose rows it carries, so that an operator
// following a slow SubmitDossier finds the statement that wrote its
// answer; rows a later statement of the call needs (its files' references
// name the new dossier) are sent first, in a span of the call. SQLite
// writes at once: there is no such span there.
func TestDeferredWritesAreTracedToTheirCalls(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e, rec := startTraced(t, kind)
			dr := e.NewDriver(t)
			before := len(rec.Ended())
			dr.Submit(testenv.Draft(testenv.CitizenID(900)))
			var submit, deferred []sdktrace.ReadOnlySpan
			for _, s := range rec.Ended()[before:] {
				switch {
				case strings.HasSuffix(s.Name(), "SubmitDossier"):
					submit = append(submit, s)
				case s.Name() == "INSERT deferred":
					deferred = append(deferred, s)
				}
			}
			if kind == "sqlite" {
				if len(deferred) != 0 {
					t.Fatalf("%d deferred-write spans on SQLite, which writes at once", len(deferred))
				}
				return
			}
			if len(submit) != 1 || len(deferred) != 2 {
				t.Fatalf("%d SubmitDossier spans, %d deferred-write spans; want 1 and 2", len(submit), len(deferred))
			}
			call := submit[0].SpanContext()
			// The draft's files are referenced (blob_refs) by the new
			// dossier's id: that insert sends the dossier first, in the call.
			first, last := deferred[0], deferred[1]
			if first.Parent().SpanID() != call.SpanID() || !strings.Contains(spanQuery(first), "INSERT INTO dossiers") {
				t.Fatalf("the first deferred write (parent %s, %q) is not the call's, sending its dossier", first.Parent().SpanID(), spanQuery(first))
			}
			// The rest goes at the group's end: linked to the call.
			linked := false
			for _, l := range last.Links() {
				linked = linked || l.SpanContext.SpanID() == call.SpanID()
			}
			if !linked || !strings.Contains(spanQuery(last), "INSERT INTO requests") || strings.Contains(spanQuery(last), "INSERT INTO dossiers ") {
				t.Fatalf("the group's deferred write: links %v (want the call %s), statement %q", last.Links(), call.SpanID(), spanQuery(last))
			}
		})
	}
}
