package dvcqg

import (
	"regexp"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// Source is everything a dossier's portal copy is built from: the dossier
// (its current state), its procedure and pinned version (names, field,
// fees, component names), its events (supplement rounds, online payment,
// VNeID assurance) and its process-control slip (the progress rows).
// Loc is the receiving agency's time zone: the portal's dates are local.
type Source struct {
	Dossier   *domain.Dossier
	Procedure *domain.Procedure
	Version   *domain.ProcedureVersion
	Events    []domain.Event
	Slip      []domain.SlipRow
	Loc       *time.Location
}

// Message is what one synchronisation of a dossier sends: the dossier and
// its progress rows.
type Message struct {
	HoSo   HoSo
	TienDo []TienDo
}

var (
	digits12 = regexp.MustCompile(`^[0-9]{12}$`)
	digits9  = regexp.MustCompile(`^[0-9]{9}$`)
)

// Build maps a dossier to the portal's fields. It is a pure function of
// src, so the same state always produces the same message.
func Build(src Source) Message {
	d, loc := src.Dossier, src.Loc
	if loc == nil {
		loc = time.UTC
	}
	f := func(t time.Time) string { return FormatTime(t, loc) }
	h := HoSo{
		MaHoSo: d.Code, PhienBan: d.Version,
		MaTTHC: d.ProcedureCode, KenhThucHien: int(d.Channel),
		ChuHoSo: d.Applicant.Name, LoaiDoiTuong: int(d.Applicant.Kind), SoGiayToChuHoSo: d.Applicant.IDNumber,
		Email: d.Applicant.Email, SoDienThoai: d.Applicant.Phone, TrichYeuHoSo: d.Summary,
		NgayNopHoSo: f(d.SubmittedAt), NgayTiepNhan: f(d.ReceivedAt), NgayHenTra: f(d.DueAt),
		TrangThaiHoSo: int(d.Status), DonViXuLy: d.AgencyCode, NoiNopHoSo: d.AgencyCode,
		TaiLieuNop: []TaiLieu{}, DanhSachLePhi: []LePhi{}, DanhSachHoSoBoSung: []HoSoBoSung{},
		DanhSachGiayToKetQua: []GiayToKetQua{}, DinhDanhCHS: []DinhDanh{},
	}
	if h.NgayNopHoSo == "" {
		h.NgayNopHoSo = f(d.CreatedAt)
	}
	if d.Step.Index >= 0 && d.Step.UnitCode != "" {
		h.DonViXuLy = d.Step.UnitCode
	}
	if src.Procedure != nil {
		h.TenTTHC, h.MaLinhVuc, h.TenLinhVuc = src.Procedure.Name, src.Procedure.FieldCode, src.Procedure.FieldName
	}
	switch d.Status {
	case domain.StatusNotAccepted:
		h.NgayTuChoi = f(d.FinishedAt)
	case domain.StatusResolved, domain.StatusReturned, domain.StatusWithdrawn, domain.StatusStopped:
		h.NgayKetThucXuLy = f(d.FinishedAt)
	}
	if d.Status == domain.StatusReturned {
		h.NgayTra = f(d.ReturnedAt)
	}
	if d.ReturnChannel.Valid() {
		h.HinhThuc = int(d.ReturnChannel)
	}
	names := map[string]string{}
	if src.Version != nil {
		for _, c := range src.Version.Components {
			names[c.Code] = c.Name
		}
	}
	for _, c := range d.Components {
		t := TaiLieu{TepDinhKemId: c.FileSHA256, TenTepDinhKem: names[c.Code], MaThanhPhanHoSo: c.Code,
			DuongDanTaiTepTin: c.FileRef}
		if t.TenTepDinhKem == "" {
			t.TenTepDinhKem = c.Code
		}
		switch c.Source {
		case domain.SourceDigitised:
			t.DuocSoHoa = 1
		case domain.SourceReused:
			t.DuocTaiSuDung = 1
		case domain.SourceReusedResult:
			t.DuocTaiSuDung, t.MaKetQuaThayThe = 1, c.ReusedFrom
		}
		if t.DuocSoHoa == 1 || t.DuocTaiSuDung == 1 {
			h.HoSoCoThanhPhanSoHoa = 1
		}
		h.TaiLieuNop = append(h.TaiLieuNop, t)
	}
	online := false
	for i := range src.Events {
		e := &src.Events[i]
		if e.OnlinePayment() {
			online = true
		}
		if e.Action == domain.ActionSubmit && (e.Attribution.Assurance == domain.AssuranceVNeID1 || e.Attribution.Assurance == domain.AssuranceVNeID2) {
			h.TaiKhoanDuocXacThucVoiVNeID = 1
		}
	}
	if online {
		h.DuocThanhToanTrucTuyen = 1
	}
	if src.Version != nil {
		how := 1
		if online {
			how = 2
		}
		for _, fee := range src.Version.Fees {
			h.DanhSachLePhi = append(h.DanhSachLePhi, LePhi{TenPhiLePhi: fee.Name, MaPhiLePhi: fee.Code, HinhThucThu: how,
				Gia: fee.AmountVND, LoaiPhiLePhi: fee.Kind})
		}
	}
	h.DanhSachHoSoBoSung = supplements(src.Events, loc)
	if d.Result != nil {
		for _, r := range d.Result.Documents {
			h.DanhSachGiayToKetQua = append(h.DanhSachGiayToKetQua, GiayToKetQua{TenGiayTo: r.Name, MaGiayToKetQua: r.Code,
				DuongDanTepTinKetQua: r.FileRef})
		}
	}
	switch id := d.Applicant.IDNumber; {
	case d.Applicant.Kind == domain.ApplicantCitizen && digits12.MatchString(id):
		h.DinhDanhCHS = append(h.DinhDanhCHS, DinhDanh{LoaiDinhDanh: 1, SoDinhDanh: id})
	case d.Applicant.Kind == domain.ApplicantCitizen && digits9.MatchString(id):
		h.DinhDanhCHS = append(h.DinhDanhCHS, DinhDanh{LoaiDinhDanh: 2, SoDinhDanh: id})
	}
	return Message{HoSo: h, TienDo: progress(src, loc)}
}

// supplements rebuilds the supplementation rounds from the events: a
// request opens a round (the appointment before it is the one in force),
// the next provision closes it (with the appointment after resuming).
func supplements(events []domain.Event, loc *time.Location) []HoSoBoSung {
	out := []HoSoBoSung{}
	due := ""
	for i := range events {
		e := &events[i]
		switch e.Action {
		case domain.ActionRequestSupplement:
			out = append(out, HoSoBoSung{NgayYeuCauBoSung: FormatTime(e.At, loc), NoiDungYeuCau: e.Details["reason"],
				NgayHenTraTruoc: rfc3339ToPortal(due, loc)})
		case domain.ActionProvideSupplement:
			if n := len(out); n > 0 && out[n-1].NgayTiepNhanBoSung == "" {
				out[n-1].NgayTiepNhanBoSung = FormatTime(e.At, loc)
				out[n-1].NgayHenTraMoi = rfc3339ToPortal(dueOf(e), loc)
			}
		}
		if v := dueOf(e); v != "" {
			due = v
		}
	}
	return out
}

// dueOf is the appointment after e: from its sealed state, else its details.
func dueOf(e *domain.Event) string {
	if v := e.State["due_at"]; v != "" {
		return v
	}
	return e.Details["due_at"]
}

func rfc3339ToPortal(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return ""
	}
	return FormatTime(t, loc)
}

// roleTitles are the job titles (ChucDanh) of the roles that work a step.
var roleTitles = map[domain.Role]string{
	domain.RoleClerk: "Cán bộ một cửa", domain.RoleSpecialist: "Chuyên viên", domain.RoleLeader: "Lãnh đạo",
	domain.RoleAdmin: "Quản trị", domain.RoleSystem: "Hệ thống",
}

// progress maps the slip rows: who held the step, where, since when, and
// until when by law; the status is the dossier's at that row (4 while a
// step is worked or handed on, 9 once the last step produced a result,
// the dossier's own status for an open row or a row the dossier ended at).
func progress(src Source, loc *time.Location) []TienDo {
	d := src.Dossier
	steps := 0
	if src.Version != nil {
		steps = len(src.Version.Workflow)
	}
	out := make([]TienDo, 0, len(src.Slip))
	for _, r := range src.Slip {
		t := TienDo{MaHoSo: d.Code, NguoiXuLy: r.Assignee, ChucDanh: roleTitles[r.Role], PhongBanXuLy: r.UnitCode,
			NoiDungXuLy: r.StepName, NgayBatDau: FormatTime(r.StartedAt, loc), NgayKetThucTheoQuyDinh: FormatTime(r.DueAt, loc),
			ThoiDiemXuLy: FormatTime(r.StartedAt, loc)}
		if t.NguoiXuLy == "" {
			t.NguoiXuLy = strings.TrimSpace(t.PhongBanXuLy)
		}
		if t.ChucDanh == "" {
			t.ChucDanh = "Chuyên viên"
		}
		switch r.Outcome {
		case domain.SlipFinished:
			t.ThoiDiemXuLy = FormatTime(r.FinishedAt, loc)
			t.TrangThai = int(domain.StatusProcessing)
			if r.StepIndex == steps-1 {
				t.TrangThai = int(domain.StatusResolved)
			}
		case domain.SlipEnded:
			t.ThoiDiemXuLy = FormatTime(r.FinishedAt, loc)
			t.TrangThai = int(d.Status)
		default:
			t.TrangThai = int(d.Status)
		}
		out = append(out, t)
	}
	return out
}
