package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// Intake reads the receiving agency and the procedure's agency subtree from
// caches. Agencies are only ever created, so the caches are exact: an
// agency created on another replica (here another Service over the same
// store, with its own caches) after this one cached the subtree takes in
// dossiers at once.
func TestIntakeSeesAgencyCreatedElsewhere(t *testing.T) {
	ctx := context.Background()
	st, err := gormstore.Open(ctx, "memory")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	here, elsewhere := app.New(st), app.New(st)
	if _, err := seed.EnsureDemoCatalog(ctx, here, st, time.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	proc, err := st.GetProcedure(ctx, seed.ProcCopy)
	if err != nil {
		t.Fatal(err)
	}
	receive := func(agency, rid string) (*domain.Dossier, error) {
		clerk := domain.Principal{Subject: "clerk@" + agency, Role: domain.RoleClerk, AgencyCode: agency}
		d, _, err := here.ReceiveNew(ctx, clerk, rid, domain.Draft{ProcedureCode: seed.ProcCopy, AgencyCode: agency,
			Applicant:  domain.Applicant{Kind: domain.ApplicantCitizen, IDNumber: "080090000123", Name: "Lê Văn Sau"},
			Components: []domain.Component{{Code: "BC", Source: domain.SourcePaper}, {Code: "BS", Source: domain.SourcePaper}}},
			domain.ChannelCounter, "")
		return d, err
	}
	if _, err := receive(seed.OneStopCentre, "r1"); err != nil { // fills the caches
		t.Fatal(err)
	}
	const ward = "000.98.01.H55"
	if _, err := receive(ward, "r2"); err == nil {
		t.Fatal("intake at an agency that does not exist succeeded")
	}
	admin := domain.Principal{Subject: "admin", Role: domain.RoleAdmin}
	if _, err := elsewhere.CreateAgency(ctx, admin, domain.Agency{Code: ward, Name: "Phường Mới", ParentCode: proc.AgencyCode}); err != nil {
		t.Fatal(err)
	}
	d, err := receive(ward, "r3")
	if err != nil {
		t.Fatalf("intake at an agency created on another replica after the caches were filled: %v", err)
	}
	if d.AgencyCode != ward {
		t.Fatalf("dossier at %s, want %s", d.AgencyCode, ward)
	}
}
