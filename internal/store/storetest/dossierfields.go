package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// testDossierEveryField: a dossier with every field set reads back equal,
// by id, by code, in a list and among GetDossiers — whatever decodes the
// row (gormstore scans it without gorm's reflection on the read path), no
// column is dropped or mixed up with another of the same type. A second
// dossier with every optional field unset reads back with them unset.
func testDossierEveryField(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	minutes := int64(777)
	d := Dossier("000.00.01.H55", "1.000001", 1)
	d.Applicant = domain.Applicant{Kind: domain.ApplicantCitizen, IDNumber: "001090000001", Name: "Nguyễn Văn A",
		Phone: "0900000001", Email: "a@example.vn", Address: "1 Tràng Tiền", BirthDate: "1990-01-02"}
	d.Representative = &domain.Representative{Name: "B", IDNumber: "001090000002", MandateRef: "UQ-1", BirthDate: "1980-03-04",
		MandateScope: "all", MandateValidFrom: "2026-01-01", MandateValidUntil: "2026-12-31", PrincipalIDNumber: "001090000001"}
	d.Channel, d.FiledBy, d.Status, d.ResumeStatus = domain.ChannelOnline, domain.ActorCitizen, domain.StatusResolved, domain.StatusProcessing
	d.Summary = "Đăng ký khai sinh"
	d.Components = []domain.Component{{Code: "TK", FileRef: "f1", FileSHA256: "ab", Source: domain.SourceDigitised, Verified: true, Size: 10, MediaType: "application/pdf"},
		{Code: "GT", Source: domain.SourcePaper}}
	d.SubmittedAt, d.ReceivedAt, d.ClockStartedAt, d.DueAt, d.OriginalDueAt = at(1), at(2), at(3), at(40), at(30)
	d.PausedWorking, d.PausedAt = 90*time.Minute, at(5)
	d.Step = domain.Step{Index: 2, Name: "Thẩm định", UnitCode: "000.01.01.H55", Assignee: "cv1", StartedAt: at(6), DueAt: at(7)}
	d.Result = &domain.Result{Electronic: true, Signer: "Chủ tịch", IssuedAt: at(8),
		Documents: []domain.ResultDocument{{Code: "KQ", Name: "Giấy khai sinh"}}}
	d.ReturnChannel, d.FinishedAt, d.ReturnedAt = domain.ChannelPostal, at(9), at(10)
	d.Identity = &domain.IdentityVerification{Matched: true, Source: "CSDLQGDC", QueryID: "q1", VerifiedAt: at(11),
		Attempts: 2, Flag: "name", Prefilled: []string{"name"}}
	d.Form = map[string]string{"ten_doanh_nghiep": "An Phát"}
	d.Handoff = &domain.Handoff{Status: domain.HandoffSent, EnterpriseCode: "0100000001", SentAt: at(12), UpdatedAt: at(13)}
	d.SupplementRounds, d.PaymentRequests, d.PaymentsConfirmed, d.PaymentsOnline, d.Extensions = 1, 2, 3, 4, 5
	d.ProcessingMinutes = &minutes
	d.Version, d.LastEventSeq, d.LastEventHash = 7, 6, "h6"
	d.CreatedAt, d.UpdatedAt = at(0), at(14)
	must(t, s.CreateDossier(ctx, d))

	bare := Dossier("000.00.01.H55", "1.000002", 2)
	bare.ReceivedAt, bare.ClockStartedAt, bare.DueAt, bare.OriginalDueAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	bare.Components = []domain.Component{}
	must(t, s.CreateDossier(ctx, bare))

	want := func(d *domain.Dossier) domain.Dossier {
		w := *d
		w.Columns = &domain.FilterColumns{Digitised: d.Digitised(), ElectronicResult: d.ElectronicResult()}
		return w
	}
	check := func(how string, got *domain.Dossier, d *domain.Dossier) {
		t.Helper()
		if w := want(d); !reflect.DeepEqual(*got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", how, *got, w)
		}
	}
	for _, x := range []*domain.Dossier{d, bare} {
		got, err := s.GetDossier(ctx, x.ID)
		must(t, err)
		check("GetDossier", got, x)
		got, err = s.GetDossierByCode(ctx, x.Code)
		must(t, err)
		check("GetDossierByCode", got, x)
	}
	if !want(d).Columns.Digitised || !want(d).Columns.ElectronicResult {
		t.Fatal("the full dossier should set both filter columns")
	}
	list, err := s.ListDossiers(ctx, store.DossierFilter{ScopeAll: true}, 10)
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("ListDossiers: %d dossiers", len(list))
	}
	for i := range list {
		x := map[string]*domain.Dossier{d.ID: d, bare.ID: bare}[list[i].ID]
		check("ListDossiers", &list[i], x)
	}
	many, err := s.GetDossiers(ctx, []string{d.ID, bare.ID})
	must(t, err)
	if len(many) != 2 {
		t.Fatalf("GetDossiers: %d dossiers", len(many))
	}
	for i := range many {
		check("GetDossiers", &many[i], map[string]*domain.Dossier{d.ID: d, bare.ID: bare}[many[i].ID])
	}
	none, err := s.ListDossiers(ctx, store.DossierFilter{ScopeAll: true, AgencyCode: "000.09.09.H55"}, 10)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("an empty list should be empty, not nil: %#v", none)
	}
}
