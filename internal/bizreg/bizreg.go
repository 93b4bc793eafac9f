// Package bizreg connects motcua to the national business registration
// system (Hệ thống thông tin quốc gia về đăng ký doanh nghiệp): an accepted
// business-registration dossier's form is handed over once (the dossier id
// is the registry's idempotency key) and its status followed. The wire
// protocol is in this file; the simulator (internal/bizregsim) speaks it.
package bizreg

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/connector"
	"github.com/motcua/motcua/internal/domain"
)

// Paths below the base URL (the token path is connector.PathToken).
const (
	PathRegister = "/api/v1/dang-ky-doanh-nghiep/ho-so"
	PathStatus   = "/api/v1/dang-ky-doanh-nghiep/trang-thai"
)

// Reasons of the FailureErrors (UNAVAILABLE).
const (
	ReasonUnavailable = "BUSINESS_REGISTRY_UNAVAILABLE"
	ReasonTimeout     = "BUSINESS_REGISTRY_TIMEOUT"
	ReasonCircuitOpen = "BUSINESS_REGISTRY_CIRCUIT_OPEN"
)

// RegisterRequest hands a dossier over. MaHoSo (the dossier id) is the
// idempotency key: the same MaHoSo again returns the first answer.
type RegisterRequest struct {
	MaHoSo     string            `json:"MaHoSo"`
	SoHoSo     string            `json:"SoHoSo"`
	MaThuTuc   string            `json:"MaThuTuc"`
	MaCoQuan   string            `json:"MaCoQuan"`
	MaNguoiNop string            `json:"MaNguoiNop"`
	DuLieu     map[string]string `json:"DuLieu"`
}

// StatusRequest asks for a hand-off's status.
type StatusRequest struct {
	MaHoSo string `json:"MaHoSo"`
}

// Answer is the registry's answer to both.
type Answer struct {
	MaDoanhNghiep string `json:"MaDoanhNghiep"` // enterprise code, once assigned
	MaTiepNhan    string `json:"MaTiepNhan"`    // the registry's receipt
	TrangThai     string `json:"TrangThai"`     // DA_NHAN, DA_CAP, TU_CHOI; KHONG_TIM_THAY for an unknown MaHoSo
}

// Config configures a Client.
type Config struct {
	BaseURL, TokenURL      string
	ClientID, ClientSecret string
	Scopes                 []string
	TLS                    *tls.Config
	Timeout                time.Duration
	// BreakerFailures consecutive outages open the circuit for BreakerOpen
	// (defaults: connector.Config's).
	BreakerFailures uint32
	BreakerOpen     time.Duration
}

// Client is the HTTP connector.
type Client struct{ conn *connector.Conn }

// New returns a client.
func New(c Config) (*Client, error) {
	conn, err := connector.New(connector.Config{Name: "the business registry", BaseURL: c.BaseURL, TokenURL: c.TokenURL,
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scopes: c.Scopes, TLS: c.TLS, Timeout: c.Timeout,
		BreakerFailures: c.BreakerFailures, BreakerOpen: c.BreakerOpen,
		ReasonUnavailable: ReasonUnavailable, ReasonTimeout: ReasonTimeout, ReasonCircuitOpen: ReasonCircuitOpen})
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn}, nil
}

// Register hands a dossier over (idempotent by its id).
func (c *Client) Register(ctx context.Context, r domain.Registration) (domain.RegistrationAnswer, error) {
	var a Answer
	err := c.conn.Post(ctx, PathRegister, RegisterRequest{MaHoSo: r.DossierID, SoHoSo: r.DossierCode, MaThuTuc: r.ProcedureCode,
		MaCoQuan: r.AgencyCode, MaNguoiNop: r.ApplicantID, DuLieu: r.Form}, &a)
	return c.answer(a, err)
}

// Status returns a hand-off's current status.
func (c *Client) Status(ctx context.Context, dossierID string) (domain.RegistrationAnswer, error) {
	var a Answer
	err := c.conn.Post(ctx, PathStatus, StatusRequest{MaHoSo: dossierID}, &a)
	return c.answer(a, err)
}

func (c *Client) answer(a Answer, err error) (domain.RegistrationAnswer, error) {
	if err != nil {
		return domain.RegistrationAnswer{}, err
	}
	switch a.TrangThai {
	case domain.RegistryReceived, domain.RegistryIssued, domain.RegistryRefused:
		return domain.RegistrationAnswer{EnterpriseCode: a.MaDoanhNghiep, ReceiptID: a.MaTiepNhan, Status: a.TrangThai}, nil
	default:
		return domain.RegistrationAnswer{}, c.conn.Unknown(fmt.Sprintf("TrangThai %q", a.TrangThai))
	}
}
