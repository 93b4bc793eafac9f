package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// testListDossiersFigureFlags checks the filters behind the on-time rate's
// numerator, the digitised and electronic-result figures and the supplement
// dossiers: each selects exactly the dossiers indicators.Contribution counts,
// whether the dossier was written by CreateDossier, UpdateDossier or
// InsertBulk.
func testListDossiersFigureFlags(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	due := t0.Add(72 * time.Hour)
	minutes := int64(600)
	var all []*domain.Dossier
	mk := func(i int, change func(d *domain.Dossier)) *domain.Dossier {
		d := Dossier("000.00.01.H55", "1.000001", i)
		change(d)
		all = append(all, d)
		return d
	}
	paper := []domain.Component{{Code: "TK", Source: domain.SourcePaper}}
	// 1: running within the deadline, a component scanned at the counter.
	d1 := mk(1, func(d *domain.Dossier) {
		d.Components = []domain.Component{{Code: "TK", Source: domain.SourcePaper}, {Code: "CC", Source: domain.SourceDigitised}}
	})
	// 2: resolved on time with an electronic result, a reused component.
	d2 := mk(2, func(d *domain.Dossier) {
		d.Status, d.FinishedAt, d.ProcessingMinutes = domain.StatusResolved, due, &minutes
		d.Components = []domain.Component{{Code: "TK", Source: domain.SourceReusedResult}}
		d.Result = &domain.Result{Electronic: true, IssuedAt: due}
	})
	// 3: returned late with a paper result, asked for a supplement.
	d3 := mk(3, func(d *domain.Dossier) {
		d.Status, d.FinishedAt, d.ReturnedAt, d.ProcessingMinutes = domain.StatusReturned, due.Add(time.Second), due.Add(time.Hour), &minutes
		d.Components, d.SupplementRounds = paper, 2
		d.Result = &domain.Result{IssuedAt: due}
	})
	// 4: running past the deadline (judged at due + 1 s below), uploaded only.
	d4 := mk(4, func(d *domain.Dossier) {
		d.OriginalDueAt = due.Add(-time.Hour)
		d.Components = []domain.Component{{Code: "TK", Source: domain.SourceUploaded}}
	})
	// 5: paused (neither on time nor late in the rate's numerator), a
	// component scanned at the counter, stored by InsertBulk.
	d5 := mk(5, func(d *domain.Dossier) {
		d.Status, d.ResumeStatus, d.PausedAt = domain.StatusAwaitingSupplement, domain.StatusProcessing, t0
		d.SupplementRounds = 1
		d.Components = []domain.Component{{Code: "TK", Source: domain.SourceDigitised}}
	})
	for _, d := range []*domain.Dossier{d1, d2, d3, d4} {
		must(t, s.CreateDossier(ctx, d))
	}
	must(t, s.InsertBulk(ctx, []domain.Dossier{*d5}, nil, nil))
	// An update moves the flags: d4 gets a reused component.
	d4.Components = append(d4.Components, domain.Component{Code: "GP", Source: domain.SourceReused})
	d4.Version++
	must(t, s.UpdateDossier(ctx, d4, d4.Version-1))

	ids := func(ds ...*domain.Dossier) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name string
		f    store.DossierFilter
		want []string
	}{
		{"digitised", store.DossierFilter{Digitised: true}, ids(d1, d2, d4, d5)},
		{"electronic result", store.DossierFilter{ElectronicResult: true}, ids(d2)},
		{"supplement requested", store.DossierFilter{SupplementRequested: true}, ids(d3, d5)},
		// d1 runs within its deadline, d2 was resolved by it; d4 is one hour
		// past its deadline at due.
		{"on time at due", store.DossierFilter{OnTimeAt: due}, ids(d1, d2)},
		{"on time before d4's deadline", store.DossierFilter{OnTimeAt: due.Add(-2 * time.Hour)}, ids(d1, d2, d4)},
		{"on time and digitised", store.DossierFilter{OnTimeAt: due, Digitised: true}, ids(d1, d2)},
		{"digitised, other agency", store.DossierFilter{Digitised: true, AgencyCode: "000.01.01.H55"}, nil},
	}
	for _, c := range cases {
		c.f.ScopeAll = true
		got, err := s.ListDossiers(ctx, c.f, 100)
		must(t, err)
		var gotIDs []string
		for _, d := range got {
			gotIDs = append(gotIDs, d.ID)
		}
		slices.Sort(gotIDs)
		if !slices.Equal(gotIDs, c.want) {
			t.Errorf("%s: %v, want %v", c.name, gotIDs, c.want)
		}
	}
	// The flags are the domain's definitions, as the indicators count them.
	for _, d := range all {
		if got := slices.Contains(ids(d1, d2, d4, d5), d.ID); got != d.Digitised() {
			t.Errorf("dossier %d: digitised %v, domain says %v", d.LastEventSeq, got, d.Digitised())
		}
	}
}
