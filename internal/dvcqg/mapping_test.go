package dvcqg_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/dvcqg"
)

var (
	hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")
	t0     = time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC) // 08:30 in Hà Nội
)

func source() dvcqg.Source {
	d := &domain.Dossier{
		ID: "d1", Code: "000.00.01.H55-260302-0007", ProcedureCode: "1.000001", ProcedureVersion: 1, AgencyCode: "000.00.01.H55",
		Applicant: domain.Applicant{Kind: domain.ApplicantCitizen, IDNumber: "001090000001", Name: "Nguyễn Văn An", Phone: "0912345678"},
		Channel:   domain.ChannelCounter, Status: domain.StatusProcessing, Summary: "Cấp phiếu",
		Components: []domain.Component{
			{Code: "TK", Source: domain.SourceDigitised, FileRef: "f/tk.pdf", FileSHA256: "ab"},
			{Code: "CCCD", Source: domain.SourcePaper},
			{Code: "KQ", Source: domain.SourceReusedResult, ReusedFrom: "000.00.01.H55-250101-0001"},
		},
		SubmittedAt: t0, ReceivedAt: t0, DueAt: t0.Add(72 * time.Hour), Version: 5, CreatedAt: t0,
		Step: domain.Step{Index: 1, UnitCode: "000.01.01.H55"}, ReturnChannel: domain.ChannelPostal,
	}
	pv := &domain.ProcedureVersion{Version: 1,
		Components: []domain.DocumentComponent{{Code: "TK", Name: "Tờ khai"}, {Code: "CCCD", Name: "Căn cước"}},
		Fees:       []domain.Fee{{Code: "LP", Name: "Lệ phí", Kind: 2, AmountVND: 200000}},
		Workflow:   []domain.WorkflowStep{{Name: "Tiếp nhận"}, {Name: "Thẩm định"}, {Name: "Trả"}}}
	return dvcqg.Source{Dossier: d, Procedure: &domain.Procedure{Code: "1.000001", Name: "Cấp phiếu lý lịch tư pháp", FieldCode: "LLTP", FieldName: "Lý lịch tư pháp"},
		Version: pv, Loc: hcm,
		Events: []domain.Event{
			{Action: domain.ActionSubmit, Attribution: domain.Attribution{Assurance: domain.AssuranceVNeID2}, At: t0, State: map[string]string{"due_at": ""}},
			{Action: domain.ActionReceive, At: t0, State: map[string]string{"due_at": t0.Add(72 * time.Hour).Format(time.RFC3339)}},
			{Action: domain.ActionRequestSupplement, At: t0.Add(time.Hour), Details: map[string]string{"reason": "thiếu bản sao"}},
			{Action: domain.ActionProvideSupplement, At: t0.Add(2 * time.Hour), State: map[string]string{"due_at": t0.Add(73 * time.Hour).Format(time.RFC3339)}},
			{Action: domain.ActionConfirmPayment, At: t0.Add(3 * time.Hour), Details: map[string]string{"paid_online": "true", "receipt_ref": "PAY-1"},
				Attribution: domain.Attribution{ActorRole: domain.RoleIntegration, SourceSystem: "payment-platform"}},
		},
		Slip: []domain.SlipRow{
			{StepIndex: 0, StepName: "Tiếp nhận", UnitCode: "000.00.01.H55", Role: domain.RoleClerk, Assignee: "clerk-1",
				StartedAt: t0, DueAt: t0.Add(4 * time.Hour), FinishedAt: t0.Add(time.Hour), Outcome: domain.SlipFinished},
			{StepIndex: 1, StepName: "Thẩm định", UnitCode: "000.01.01.H55", Role: domain.RoleSpecialist,
				StartedAt: t0.Add(time.Hour), DueAt: t0.Add(40 * time.Hour), Outcome: domain.SlipOpen},
		}}
}

func TestBuild(t *testing.T) {
	m := dvcqg.Build(source())
	h := m.HoSo
	checks := []struct {
		name      string
		got, want any
	}{
		{"code", h.MaHoSo, "000.00.01.H55-260302-0007"},
		{"version", h.PhienBan, int64(5)},
		{"procedure", h.TenTTHC + "|" + h.MaLinhVuc, "Cấp phiếu lý lịch tư pháp|LLTP"},
		{"channel", h.KenhThucHien, 1},
		{"status", h.TrangThaiHoSo, 4},
		{"owner", h.ChuHoSo + "|" + h.SoGiayToChuHoSo, "Nguyễn Văn An|001090000001"},
		{"owner kind", h.LoaiDoiTuong, 1},
		{"received, local time", h.NgayTiepNhan, "20260302083000"},
		{"appointment", h.NgayHenTra, "20260305083000"},
		{"no finish yet", h.NgayKetThucXuLy + h.NgayTra, ""},
		{"unit at work", h.DonViXuLy, "000.01.01.H55"},
		{"result by post", h.HinhThuc, 3},
		{"components", len(h.TaiLieuNop), 3},
		{"digitised", h.TaiLieuNop[0].DuocSoHoa*10 + h.TaiLieuNop[0].DuocTaiSuDung, 10},
		{"component name", h.TaiLieuNop[0].TenTepDinhKem, "Tờ khai"},
		{"paper", h.TaiLieuNop[1].DuocSoHoa + h.TaiLieuNop[1].DuocTaiSuDung, 0},
		{"reused result", h.TaiLieuNop[2].DuocTaiSuDung, 1},
		{"reused from", h.TaiLieuNop[2].MaKetQuaThayThe, "000.00.01.H55-250101-0001"},
		{"unnamed component keeps its code", h.TaiLieuNop[2].TenTepDinhKem, "KQ"},
		{"has digitised", h.HoSoCoThanhPhanSoHoa, 1},
		{"VNeID", h.TaiKhoanDuocXacThucVoiVNeID, 1},
		{"paid online", h.DuocThanhToanTrucTuyen, 1},
		{"fee", len(h.DanhSachLePhi), 1},
		{"fee paid online", h.DanhSachLePhi[0].HinhThucThu, 2},
		{"fee amount", h.DanhSachLePhi[0].Gia, int64(200000)},
		{"supplement rounds", len(h.DanhSachHoSoBoSung), 1},
		{"supplement asked", h.DanhSachHoSoBoSung[0].NgayYeuCauBoSung, "20260302093000"},
		{"supplement reason", h.DanhSachHoSoBoSung[0].NoiDungYeuCau, "thiếu bản sao"},
		{"appointment before", h.DanhSachHoSoBoSung[0].NgayHenTraTruoc, "20260305083000"},
		{"supplement received", h.DanhSachHoSoBoSung[0].NgayTiepNhanBoSung, "20260302103000"},
		{"appointment after", h.DanhSachHoSoBoSung[0].NgayHenTraMoi, "20260305093000"},
		{"identity", len(h.DinhDanhCHS), 1},
		{"12-digit id", h.DinhDanhCHS[0].LoaiDinhDanh, 1},
		{"progress rows", len(m.TienDo), 2},
		{"finished row", m.TienDo[0].ThoiDiemXuLy + "|" + m.TienDo[0].ChucDanh + "|" + m.TienDo[0].NguoiXuLy, "20260302093000|Cán bộ một cửa|clerk-1"},
		{"finished row status", m.TienDo[0].TrangThai, 4},
		{"open row", m.TienDo[1].NgayBatDau + "|" + m.TienDo[1].NgayKetThucTheoQuyDinh, "20260302093000|20260304003000"},
		{"open row status is the dossier's", m.TienDo[1].TrangThai, 4},
		{"open row without assignee names the unit", m.TienDo[1].NguoiXuLy, "000.01.01.H55"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestBuildByStatus(t *testing.T) {
	fin := t0.Add(48 * time.Hour)
	cases := []struct {
		status                      domain.Status
		refused, finished, returned string
	}{
		{domain.StatusNotAccepted, "20260304083000", "", ""},
		{domain.StatusResolved, "", "20260304083000", ""},
		{domain.StatusReturned, "", "20260304083000", "20260304093000"},
		{domain.StatusWithdrawn, "", "20260304083000", ""},
		{domain.StatusAwaitingSupplement, "", "", ""},
	}
	for _, c := range cases {
		src := source()
		src.Dossier.Status, src.Dossier.FinishedAt, src.Dossier.ReturnedAt = c.status, fin, fin.Add(time.Hour)
		h := dvcqg.Build(src).HoSo
		if h.TrangThaiHoSo != int(c.status) || h.NgayTuChoi != c.refused || h.NgayKetThucXuLy != c.finished || h.NgayTra != c.returned {
			t.Errorf("%s: status %d, refused %q, finished %q, returned %q", c.status, h.TrangThaiHoSo, h.NgayTuChoi, h.NgayKetThucXuLy, h.NgayTra)
		}
	}
	// A 9-digit old ID card and an enterprise.
	src := source()
	src.Dossier.Applicant.IDNumber = "012345678"
	if h := dvcqg.Build(src).HoSo; len(h.DinhDanhCHS) != 1 || h.DinhDanhCHS[0].LoaiDinhDanh != 2 {
		t.Errorf("old ID card: %+v", h.DinhDanhCHS)
	}
	src.Dossier.Applicant = domain.Applicant{Kind: domain.ApplicantEnterprise, IDNumber: "0101234567", Name: "Công ty A"}
	if h := dvcqg.Build(src).HoSo; len(h.DinhDanhCHS) != 0 || h.LoaiDoiTuong != 2 {
		t.Errorf("enterprise: %+v %d", h.DinhDanhCHS, h.LoaiDoiTuong)
	}
	// Same state, same message.
	if a, b := dvcqg.Build(source()), dvcqg.Build(source()); a.HoSo.NgayHenTra != b.HoSo.NgayHenTra || len(a.TienDo) != len(b.TienDo) {
		t.Error("not deterministic")
	}
}

func TestTimeFormat(t *testing.T) {
	if got := dvcqg.FormatTime(t0, hcm); got != "20260302083000" {
		t.Fatal(got)
	}
	if dvcqg.FormatTime(time.Time{}, hcm) != "" {
		t.Fatal("zero time")
	}
	for _, bad := range []string{"2026030208300", "2026-03-02T08", "20261302083000", "abcdefghijklmn"} {
		if _, err := dvcqg.ParseTime(bad, hcm); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if got, err := dvcqg.ParseTime("20260302083000", hcm); err != nil || !got.Equal(t0) {
		t.Fatal(got, err)
	}
}

func TestCompare(t *testing.T) {
	a := dvcqg.Build(source()).HoSo
	b := a
	if d := dvcqg.Compare(&a, &b); len(d) != 0 {
		t.Fatal(d)
	}
	b.TrangThaiHoSo, b.KenhThucHien, b.NgayHenTra = 9, 2, ""
	d := dvcqg.Compare(&a, &b)
	if len(d) != 3 || d[0].Field != "TrangThaiHoSo" || d[1].Field != "KenhThucHien" || d[2].Field != "NgayHenTra" || d[2].Portal != "" {
		t.Fatal(d)
	}
}
