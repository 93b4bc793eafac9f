// Package popdb connects motcua to the national population database (Cơ sở
// dữ liệu quốc gia về dân cư): an OAuth2 client-credentials token, optional
// mutual TLS, a bound on every call, a circuit breaker and a short-lived
// cache (docs/identity.md). The wire protocol is in this file; the
// simulator (internal/popsim) speaks it too.
package popdb

import "github.com/motcua/motcua/internal/connector"

// Paths below the base URL.
const (
	PathToken  = connector.PathToken
	PathVerify = "/api/v1/cong-dan/xac-thuc" // verify stated data
	PathLookup = "/api/v1/cong-dan/tra-cuu"  // registered data
)

// Answers (KetQua).
const (
	ResultMatch    = "KHOP"           // matches
	ResultNoMatch  = "KHONG_KHOP"     // exists, a field differs
	ResultNotFound = "KHONG_TIM_THAY" // no such number
	ResultFound    = "TIM_THAY"       // lookup found the citizen
)

// Field names in TruongKhop / TruongKhongKhop.
const (
	FieldIDNumber  = "SoDinhDanh"
	FieldName      = "HoVaTen"
	FieldBirthDate = "NgayThangNamSinh"
)

// VerifyRequest asks whether stated data belong together. MaYeuCau is the
// caller's request reference, MaCanBo the official (or system) asking and
// MucDich why: the database logs all three.
type VerifyRequest struct {
	SoDinhDanh       string `json:"SoDinhDanh"`
	HoVaTen          string `json:"HoVaTen"`
	NgayThangNamSinh string `json:"NgayThangNamSinh,omitempty"` // YYYY-MM-DD
	MaYeuCau         string `json:"MaYeuCau"`
	MaCanBo          string `json:"MaCanBo"`
	MucDich          string `json:"MucDich"`
}

// VerifyResponse is the answer; MaTraLoi is the database's reference.
type VerifyResponse struct {
	KetQua          string   `json:"KetQua"`
	MaTraLoi        string   `json:"MaTraLoi"`
	TruongKhop      []string `json:"TruongKhop,omitempty"`
	TruongKhongKhop []string `json:"TruongKhongKhop,omitempty"`
}

// LookupRequest asks for a citizen's registered data.
type LookupRequest struct {
	SoDinhDanh string `json:"SoDinhDanh"`
	MaYeuCau   string `json:"MaYeuCau"`
	MaCanBo    string `json:"MaCanBo"`
	MucDich    string `json:"MucDich"`
}

// CongDan is a citizen's registered data.
type CongDan struct {
	SoDinhDanh       string `json:"SoDinhDanh"`
	HoVaTen          string `json:"HoVaTen"`
	NgayThangNamSinh string `json:"NgayThangNamSinh"`
	GioiTinh         string `json:"GioiTinh"` // NAM, NU
	NoiThuongTru     string `json:"NoiThuongTru"`
	NoiOHienTai      string `json:"NoiOHienTai"`
}

// LookupResponse answers a LookupRequest.
type LookupResponse struct {
	KetQua   string   `json:"KetQua"` // TIM_THAY or KHONG_TIM_THAY
	MaTraLoi string   `json:"MaTraLoi"`
	CongDan  *CongDan `json:"CongDan,omitempty"`
}
