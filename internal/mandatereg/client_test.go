package mandatereg_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/mandatereg"
	"github.com/motcua/motcua/internal/mandatesim"
)

var meta = domain.QueryMeta{RequestRef: "dossier-1", Officer: "SYSTEM", Purpose: "test"}

func start(t *testing.T) (*mandatesim.Sim, *mandatereg.Client) {
	t.Helper()
	s, err := mandatesim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	cl, err := mandatereg.New(mandatereg.Config{BaseURL: s.URL(), ClientID: mandatesim.ClientID, ClientSecret: mandatesim.ClientSecret,
		Timeout: 300 * time.Millisecond, BreakerFailures: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return s, cl
}

// TestCheckAnswers: every answer of the protocol maps to valid, or invalid
// with its reason, with the registry's record and query id.
func TestCheckAnswers(t *testing.T) {
	s, cl := start(t)
	ctx := context.Background()
	principal, rep := "001090000001", "001190000002"
	q := func(ref, date string) domain.MandateQuery {
		return domain.MandateQuery{Reference: ref, PrincipalID: principal, RepresentativeID: rep, ProcedureCode: "1.000001", Date: date}
	}
	swapped := q("UQ-2026-0001", "2026-03-01")
	swapped.PrincipalID, swapped.RepresentativeID = rep, principal
	for name, c := range map[string]struct {
		q      domain.MandateQuery
		valid  bool
		reason string
	}{
		"valid":          {q("UQ-2026-0001", "2026-03-01"), true, ""},
		"revoked":        {q("UQ-2026-0002", "2026-03-01"), false, domain.MandateRevoked},
		"expired":        {q("UQ-2025-0003", "2026-03-01"), false, domain.MandateExpired},
		"not yet":        {q("UQ-2026-0001", "2025-12-31"), false, domain.MandateExpired},
		"out of scope":   {q("UQ-2026-0004", "2026-03-01"), false, domain.MandateOutOfScope},
		"parties differ": {swapped, false, domain.MandatePartiesDiffer},
		"not found":      {q("UQ-NONE", "2026-03-01"), false, domain.MandateNotFound},
	} {
		a, err := cl.Check(ctx, c.q, meta)
		if err != nil || a.Valid != c.valid || a.Reason != c.reason || a.QueryID == "" {
			t.Fatalf("%s: %+v %v", name, a, err)
		}
		if (a.Record == nil) != (c.reason == domain.MandateNotFound) {
			t.Fatalf("%s: record %+v", name, a.Record)
		}
	}
	a, _ := cl.Check(ctx, q("UQ-2026-0001", "2026-03-01"), meta)
	if a.Record.Scope == "" || a.Record.ValidFrom != "2026-01-01" || a.Record.ValidUntil != "2026-12-31" || a.Record.PrincipalID != principal {
		t.Fatalf("record: %+v", a.Record)
	}
	// A planted wrong answer is what the registry says.
	s.SetWrong("UQ-2026-0001", mandatereg.ReasonPartiesDiffer)
	if a, err := cl.Check(ctx, q("UQ-2026-0001", "2026-03-01"), meta); err != nil || a.Valid || a.Reason != domain.MandatePartiesDiffer {
		t.Fatalf("planted: %+v %v", a, err)
	}
	// The registry saw who asked and why.
	if r := s.Requests(); r[0].MaYeuCau != "dossier-1" || r[0].MaCanBo != "SYSTEM" || r[0].MucDich != "test" {
		t.Fatalf("request: %+v", r[0])
	}
}

// TestOutagesAreUnavailable: down and slow are UNAVAILABLE with the
// connector's reasons, never an answer.
func TestOutagesAreUnavailable(t *testing.T) {
	s, cl := start(t)
	ctx := context.Background()
	q := domain.MandateQuery{Reference: "UQ-2026-0001", PrincipalID: "001090000001", RepresentativeID: "001190000002", Date: "2026-03-01"}
	reason := func(err error) string {
		var fe *domain.FailureError
		if errors.As(err, &fe) && errors.Is(err, domain.ErrUnavailable) {
			return fe.Reason
		}
		return "not a failure"
	}
	s.SetDown(true)
	if _, err := cl.Check(ctx, q, meta); reason(err) != mandatereg.FailureUnavailable {
		t.Fatalf("down: %v", err)
	}
	s.SetDown(false)
	s.SetDelay(time.Second)
	if _, err := cl.Check(ctx, q, meta); reason(err) != mandatereg.FailureTimeout {
		t.Fatalf("slow: %v", err)
	}
	s.SetDelay(0)
	if a, err := cl.Check(ctx, q, meta); err != nil || !a.Valid {
		t.Fatalf("back: %+v %v", a, err)
	}
}
