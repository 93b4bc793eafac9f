package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// testIdentity: pending identity checks are found by the retry (and leave
// the list once answered, through UpdateDossier), in id order from a
// cursor; the query log keeps every field and filters by subject and
// dossier.
func testIdentity(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	pending := func() *domain.IdentityVerification {
		return &domain.IdentityVerification{Outcome: domain.OutcomePending,
			Applicant: &domain.PersonCheck{Outcome: domain.OutcomePending, Problem: "POPULATION_DB_UNAVAILABLE"}}
	}
	var ds []*domain.Dossier
	for i := range 3 {
		d := Dossier("000.00.01.H55", "1.000001", 100+i)
		d.Identity = pending()
		must(t, s.CreateDossier(ctx, d))
		ds = append(ds, d)
	}
	plain := Dossier("000.00.01.H55", "1.000001", 110)
	must(t, s.CreateDossier(ctx, plain))
	ids, err := s.ListIdentityPending(ctx, "", 10)
	must(t, err)
	if len(ids) != 3 || ids[0] > ids[1] || ids[1] > ids[2] {
		t.Fatalf("pending: %v", ids)
	}
	after, err := s.ListIdentityPending(ctx, ids[0], 1)
	must(t, err)
	if len(after) != 1 || after[0] != ids[1] {
		t.Fatalf("after %s: %v", ids[0], after)
	}
	// Answered: no longer pending.
	d := ds[1]
	d.Identity = &domain.IdentityVerification{Outcome: domain.OutcomeMatch, Matched: true,
		Applicant: &domain.PersonCheck{Outcome: domain.OutcomeMatch, QueryID: "DC-1", CheckedAt: t0}}
	d.Identity.Combine()
	must(t, s.UpdateDossier(ctx, d, d.Version))
	ids, err = s.ListIdentityPending(ctx, "", 10)
	must(t, err)
	if len(ids) != 2 {
		t.Fatalf("pending after an answer: %v", ids)
	}
	got, err := s.GetDossier(ctx, d.ID)
	must(t, err)
	if got.Identity.Applicant.QueryID != "DC-1" || got.Identity.Outcome != domain.OutcomeMatch || !got.Identity.Applicant.CheckedAt.Equal(t0) {
		t.Fatalf("identity round trip: %+v", got.Identity)
	}

	// Hand-offs: found by status, and leave the list when their status moves on.
	ds[0].Handoff = &domain.Handoff{Status: domain.HandoffPending}
	ds[0].Form = map[string]string{"ten_doanh_nghiep": "An Phát"}
	must(t, s.UpdateDossier(ctx, ds[0], ds[0].Version))
	hs, err := s.ListHandoffs(ctx, domain.HandoffPending, "", 10)
	must(t, err)
	if len(hs) != 1 || hs[0] != ds[0].ID {
		t.Fatalf("pending hand-offs: %v", hs)
	}
	ds[0].Handoff = &domain.Handoff{Status: domain.HandoffSent, EnterpriseCode: "0100000001", SentAt: t0}
	must(t, s.UpdateDossier(ctx, ds[0], ds[0].Version))
	if hs, err = s.ListHandoffs(ctx, domain.HandoffPending, "", 10); err != nil || len(hs) != 0 {
		t.Fatalf("pending after sending: %v %v", hs, err)
	}
	if hs, err = s.ListHandoffs(ctx, domain.HandoffSent, "", 10); err != nil || len(hs) != 1 {
		t.Fatalf("sent: %v %v", hs, err)
	}
	got, err = s.GetDossier(ctx, ds[0].ID)
	must(t, err)
	if got.Form["ten_doanh_nghiep"] != "An Phát" || got.Handoff.EnterpriseCode != "0100000001" || !got.Handoff.SentAt.Equal(t0) {
		t.Fatalf("form and hand-off round trip: %+v %+v", got.Form, got.Handoff)
	}

	// Mandate checks awaiting the registry: found until answered.
	ds[2].Representative = &domain.Representative{Name: "Trần Thị Bình", IDNumber: "001190000002", MandateRef: "UQ-1",
		MandateCheck: &domain.MandateCheck{Status: domain.MandatePending, Method: "REGISTRY", Reason: "MANDATE_REGISTRY_TIMEOUT"}}
	must(t, s.UpdateDossier(ctx, ds[2], ds[2].Version))
	if ms, err := s.ListMandatePending(ctx, "", 10); err != nil || len(ms) != 1 || ms[0] != ds[2].ID {
		t.Fatalf("pending mandates: %v %v", ms, err)
	}
	if ms, err := s.ListMandatePending(ctx, ds[2].ID, 10); err != nil || len(ms) != 0 {
		t.Fatalf("pending mandates after the cursor: %v %v", ms, err)
	}
	ds[2].Representative.MandateCheck = &domain.MandateCheck{Status: domain.MandateRejected, Method: "REGISTRY", Reason: domain.MandateRevoked,
		QueryID: "UQ-9", Record: &domain.MandateRecord{Scope: "nộp hồ sơ", ValidUntil: "2026-12-31"}}
	must(t, s.UpdateDossier(ctx, ds[2], ds[2].Version))
	if ms, err := s.ListMandatePending(ctx, "", 10); err != nil || len(ms) != 0 {
		t.Fatalf("pending mandates after the answer: %v %v", ms, err)
	}
	if got, err := s.GetDossier(ctx, ds[2].ID); err != nil || got.Representative.MandateCheck.Record.ValidUntil != "2026-12-31" ||
		got.Representative.MandateCheck.Reason != domain.MandateRevoked {
		t.Fatalf("mandate round trip: %+v %v", got.Representative, err)
	}

	at := t0.Add(time.Minute)
	for i, q := range []store.PopulationQuery{
		{ID: "0190a1b2-0000-7000-8000-0000000001a1", At: at, ActorKey: "k|staff|a", ActorID: "a", ActorRole: domain.RoleClerk,
			DossierID: ds[0].ID, Kind: "VERIFY", Purpose: "intake", SubjectIDNumber: "001090000001", Outcome: "MATCH", QueryID: "DC-9", Cached: true},
		{ID: "0190a1b2-0000-7000-8000-0000000001a2", At: at, ActorKey: "k|staff|a", ActorID: "a", ActorRole: domain.RoleClerk,
			Kind: "LOOKUP", Purpose: "prefill", SubjectIDNumber: "001090000002", Outcome: "FAILED", Problem: "POPULATION_DB_TIMEOUT"},
	} {
		q := q
		if err := s.LogPopulationQuery(ctx, &q); err != nil {
			t.Fatalf("log %d: %v", i, err)
		}
	}
	qs, err := s.ListPopulationQueries(ctx, store.PopulationQueryFilter{SubjectIDNumber: "001090000001"}, 10)
	must(t, err)
	if len(qs) != 1 || qs[0].DossierID != ds[0].ID || !qs[0].Cached || qs[0].QueryID != "DC-9" || !qs[0].At.Equal(at) ||
		qs[0].ActorRole != domain.RoleClerk || qs[0].Purpose != "intake" {
		t.Fatalf("by subject: %+v", qs)
	}
	qs, err = s.ListPopulationQueries(ctx, store.PopulationQueryFilter{AfterID: "0190a1b2-0000-7000-8000-0000000001a1"}, 10)
	must(t, err)
	if len(qs) != 1 || qs[0].Problem != "POPULATION_DB_TIMEOUT" || qs[0].Cached {
		t.Fatalf("after a cursor: %+v", qs)
	}
}
