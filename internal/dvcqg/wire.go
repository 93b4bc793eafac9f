// Package dvcqg is the national public service portal's (Cổng Dịch vụ
// công quốc gia, DVCQG) synchronisation protocol as motcua speaks it: the
// JSON messages of the legacy one-stop services (DongBoHoSoMC,
// CapNhatTienDoHoSoMC, TraCuuHoSo), their date format, and the pure
// mapping of a dossier and its process-control slip to them. It performs
// no I/O: the connector (internal/portal) sends what it builds and the
// simulator (internal/portalsim) checks it.
//
// Field names and codes follow the sources cited in
// ../shared/background/vietnam-one-stop.md (§1, §2). PhienBan (the
// dossier's version) is motcua's addition: it lets the receiver refuse an
// older state of a dossier after a newer one (docs/portal-sync.md).
package dvcqg

import (
	"fmt"
	"time"
)

// Service names carried in Request.Service.
const (
	ServiceSyncDossier    = "DongBoHoSoMC"        // create or update a dossier
	ServiceSyncProgress   = "CapNhatTienDoHoSoMC" // report progress rows
	ServiceLookupDossiers = "TraCuuHoSo"          // read the portal's copy back
)

// ProgressChunk is how many progress rows one CapNhatTienDoHoSoMC call
// carries (the size the provincial implementations use).
const ProgressChunk = 10

// LookupChunk is how many dossier codes one TraCuuHoSo call asks for.
const LookupChunk = 50

// Answer codes (Response.ErrorCode). "0" is the portal's documented
// success; the others are the simulator's, which the connector also
// understands (the documented "đã tồn tại" message is matched as well).
const (
	CodeOK       = "0"
	CodeInvalid  = "1"   // a field is missing or malformed; Response.Errors names each
	CodeExists   = "2"   // create for a dossier the portal already holds ("đã tồn tại")
	CodeNotFound = "3"   // update, progress or look-up for a dossier it does not hold
	CodeStale    = "4"   // the portal holds a newer PhienBan of this dossier
	CodeAuth     = "401" // missing, unknown or expired token, or a dossier of another agency
)

// TimeLayout is the portal's date format, yyyyMMddHHmmss, in the agency's
// local time.
const TimeLayout = "20060102150405"

// FormatTime writes t in the portal's format in loc; the zero time is "".
func FormatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(TimeLayout)
}

// ParseTime reads a portal date in loc; "" is the zero time.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) != len(TimeLayout) {
		return time.Time{}, fmt.Errorf("%q is not yyyyMMddHHmmss", s)
	}
	t, err := time.ParseInLocation(TimeLayout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not yyyyMMddHHmmss", s)
	}
	return t, nil
}

// TokenRequest asks for an access token with an agency's credentials.
type TokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// TokenResponse carries the token (ErrorCode "0") or the refusal.
type TokenResponse struct {
	ErrorCode   string `json:"error_code"`
	Message     string `json:"message,omitempty"`
	AccessToken string `json:"access_token,omitempty"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
}

// Request is the envelope of every service call. Data holds []HoSo for
// DongBoHoSoMC, []TienDo for CapNhatTienDoHoSoMC, []TraCuu for TraCuuHoSo.
type Request struct {
	Service    string `json:"service"`
	IsUpdating bool   `json:"isUpdating"`
	Data       any    `json:"data"`
}

// FieldError names one refused field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Response is the envelope of every answer.
type Response struct {
	ErrorCode string       `json:"error_code"`
	Message   string       `json:"message,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	// Result holds the dossiers found by TraCuuHoSo.
	Result []HoSo `json:"result,omitempty"`
}

// TraCuu asks for one dossier's copy.
type TraCuu struct {
	MaHoSo string `json:"MaHoSo"`
}

// HoSo is a dossier as the portal keeps it (HoSoDongBoDVC).
type HoSo struct {
	MaHoSo                      string         `json:"MaHoSo"`
	PhienBan                    int64          `json:"PhienBan"`
	MaTTHC                      string         `json:"MaTTHC"`
	TenTTHC                     string         `json:"TenTTHC"`
	MaLinhVuc                   string         `json:"MaLinhVuc,omitempty"`
	TenLinhVuc                  string         `json:"TenLinhVuc,omitempty"`
	KenhThucHien                int            `json:"KenhThucHien"`
	ChuHoSo                     string         `json:"ChuHoSo"`
	LoaiDoiTuong                int            `json:"LoaiDoiTuong"`
	SoGiayToChuHoSo             string         `json:"SoGiayToChuHoSo"`
	MaDoiTuong                  string         `json:"MaDoiTuong,omitempty"`
	Email                       string         `json:"Email,omitempty"`
	SoDienThoai                 string         `json:"SoDienThoai,omitempty"`
	TrichYeuHoSo                string         `json:"TrichYeuHoSo,omitempty"`
	NgayNopHoSo                 string         `json:"NgayNopHoSo"`
	NgayTiepNhan                string         `json:"NgayTiepNhan,omitempty"`
	NgayHenTra                  string         `json:"NgayHenTra,omitempty"`
	TrangThaiHoSo               int            `json:"TrangThaiHoSo"`
	NgayTuChoi                  string         `json:"NgayTuChoi,omitempty"`
	NgayKetThucXuLy             string         `json:"NgayKetThucXuLy,omitempty"`
	NgayTra                     string         `json:"NgayTra,omitempty"`
	HinhThuc                    int            `json:"HinhThuc,omitempty"`
	DonViXuLy                   string         `json:"DonViXuLy"`
	NoiNopHoSo                  string         `json:"NoiNopHoSo,omitempty"`
	HoSoCoThanhPhanSoHoa        int            `json:"HoSoCoThanhPhanSoHoa"`
	TaiKhoanDuocXacThucVoiVNeID int            `json:"TaiKhoanDuocXacThucVoiVNeID"`
	DuocThanhToanTrucTuyen      int            `json:"DuocThanhToanTrucTuyen"`
	TaiLieuNop                  []TaiLieu      `json:"TaiLieuNop"`
	DanhSachLePhi               []LePhi        `json:"DanhSachLePhi"`
	DanhSachHoSoBoSung          []HoSoBoSung   `json:"DanhSachHoSoBoSung"`
	DanhSachGiayToKetQua        []GiayToKetQua `json:"DanhSachGiayToKetQua"`
	DinhDanhCHS                 []DinhDanh     `json:"DinhDanhCHS"`
}

// TaiLieu is a filed component.
type TaiLieu struct {
	TepDinhKemId      string `json:"TepDinhKemId,omitempty"`
	TenTepDinhKem     string `json:"TenTepDinhKem"`
	IsDeleted         bool   `json:"IsDeleted"`
	MaThanhPhanHoSo   string `json:"MaThanhPhanHoSo"`
	DuongDanTaiTepTin string `json:"DuongDanTaiTepTin,omitempty"`
	DuocSoHoa         int    `json:"DuocSoHoa"`
	DuocTaiSuDung     int    `json:"DuocTaiSuDung"`
	MaKetQuaThayThe   string `json:"MaKetQuaThayThe,omitempty"`
}

// LePhi is a fee or charge of the procedure. HinhThucThu: 1 at the
// counter, 2 online. LoaiPhiLePhi: 1 fee (phí), 2 charge (lệ phí).
type LePhi struct {
	TenPhiLePhi  string `json:"TenPhiLePhi"`
	MaPhiLePhi   string `json:"MaPhiLePhi"`
	HinhThucThu  int    `json:"HinhThucThu"`
	Gia          int64  `json:"Gia"`
	LoaiPhiLePhi int    `json:"LoaiPhiLePhi"`
}

// HoSoBoSung is one supplementation round: requested, and received if
// the applicant answered.
type HoSoBoSung struct {
	NgayYeuCauBoSung   string `json:"NgayYeuCauBoSung"`
	NoiDungYeuCau      string `json:"NoiDungYeuCau"`
	NgayTiepNhanBoSung string `json:"NgayTiepNhanBoSung,omitempty"`
	NgayHenTraTruoc    string `json:"NgayHenTraTruoc,omitempty"`
	NgayHenTraMoi      string `json:"NgayHenTraMoi,omitempty"`
}

// GiayToKetQua is a result document.
type GiayToKetQua struct {
	TenGiayTo            string `json:"TenGiayTo"`
	MaGiayToKetQua       string `json:"MaGiayToKetQua"`
	DuongDanTepTinKetQua string `json:"DuongDanTepTinKetQua,omitempty"`
}

// DinhDanh is an identity number of the owner: LoaiDinhDanh 1 = 12-digit
// personal ID, 2 = 9-digit old ID card.
type DinhDanh struct {
	LoaiDinhDanh int    `json:"LoaiDinhDanh"`
	SoDinhDanh   string `json:"SoDinhDanh"`
}

// TienDo is one progress row (a row of the process-control slip).
type TienDo struct {
	MaHoSo                 string `json:"MaHoSo"`
	NguoiXuLy              string `json:"NguoiXuLy"`
	ChucDanh               string `json:"ChucDanh"`
	ThoiDiemXuLy           string `json:"ThoiDiemXuLy"`
	PhongBanXuLy           string `json:"PhongBanXuLy"`
	NoiDungXuLy            string `json:"NoiDungXuLy"`
	TrangThai              int    `json:"TrangThai"`
	NgayBatDau             string `json:"NgayBatDau"`
	NgayKetThucTheoQuyDinh string `json:"NgayKetThucTheoQuyDinh"`
}
