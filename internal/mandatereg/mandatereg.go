// Package mandatereg connects motcua to a registry of representation
// mandates (giấy ủy quyền): given a mandate's reference, the principal's
// and the representative's identity numbers, the procedure and the day of
// filing, it answers valid, or invalid with a reason, and the registry's
// record of the mandate (docs/identity.md). It shares internal/connector's
// plumbing (OAuth2 client credentials, optional mTLS, timeouts, circuit
// breaker). The wire protocol is in this file; the simulator
// (internal/mandatesim) speaks it too.
package mandatereg

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/connector"
	"github.com/motcua/motcua/internal/domain"
)

// PathCheck is the check's path below the base URL (the token path is
// connector.PathToken).
const PathCheck = "/api/v1/uy-quyen/kiem-tra"

// Answers (KetQua) and reasons (LyDo).
const (
	ResultValid   = "HOP_LE"
	ResultInvalid = "KHONG_HOP_LE"

	ReasonNotFound      = "KHONG_TIM_THAY" // no such mandate
	ReasonRevoked       = "DA_THU_HOI"     // revoked by the principal
	ReasonExpired       = "HET_HIEU_LUC"   // not in force on NgayKiemTra
	ReasonOutOfScope    = "NGOAI_PHAM_VI"  // does not cover MaThuTuc
	ReasonPartiesDiffer = "KHONG_KHOP_BEN" // principal or representative differ
)

// Reasons of the FailureErrors (UNAVAILABLE).
const (
	FailureUnavailable = "MANDATE_REGISTRY_UNAVAILABLE"
	FailureTimeout     = "MANDATE_REGISTRY_TIMEOUT"
	FailureCircuitOpen = "MANDATE_REGISTRY_CIRCUIT_OPEN"
)

// CheckRequest asks about one mandate. MaYeuCau is the caller's reference
// (the dossier id), MaCanBo who asks, MucDich why: the registry logs them.
type CheckRequest struct {
	SoUyQuyen                  string `json:"SoUyQuyen"`
	SoDinhDanhNguoiUyQuyen     string `json:"SoDinhDanhNguoiUyQuyen"`
	SoDinhDanhNguoiDuocUyQuyen string `json:"SoDinhDanhNguoiDuocUyQuyen"`
	MaThuTuc                   string `json:"MaThuTuc"`
	NgayKiemTra                string `json:"NgayKiemTra"` // YYYY-MM-DD
	MaYeuCau                   string `json:"MaYeuCau"`
	MaCanBo                    string `json:"MaCanBo"`
	MucDich                    string `json:"MucDich"`
}

// UyQuyen is the registry's record of a mandate.
type UyQuyen struct {
	SoUyQuyen        string   `json:"SoUyQuyen"`
	NguoiUyQuyen     string   `json:"NguoiUyQuyen"`     // principal's identity number
	NguoiDuocUyQuyen string   `json:"NguoiDuocUyQuyen"` // representative's
	PhamVi           string   `json:"PhamVi"`           // the scope, in words
	MaThuTuc         []string `json:"MaThuTuc"`         // procedures covered (empty: all)
	HieuLucTu        string   `json:"HieuLucTu,omitempty"`
	HieuLucDen       string   `json:"HieuLucDen,omitempty"`
	DaThuHoi         bool     `json:"DaThuHoi,omitempty"` // revoked
}

// CheckResponse answers a CheckRequest; UyQuyen is absent when the
// registry holds no such mandate.
type CheckResponse struct {
	KetQua   string   `json:"KetQua"`
	LyDo     string   `json:"LyDo,omitempty"`
	MaTraLoi string   `json:"MaTraLoi"`
	UyQuyen  *UyQuyen `json:"UyQuyen,omitempty"`
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

// New returns a client; it makes no call until asked.
func New(c Config) (*Client, error) {
	conn, err := connector.New(connector.Config{Name: "the mandate registry", BaseURL: c.BaseURL, TokenURL: c.TokenURL,
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scopes: c.Scopes, TLS: c.TLS, Timeout: c.Timeout,
		BreakerFailures: c.BreakerFailures, BreakerOpen: c.BreakerOpen,
		ReasonUnavailable: FailureUnavailable, ReasonTimeout: FailureTimeout, ReasonCircuitOpen: FailureCircuitOpen})
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn}, nil
}

var reasons = map[string]string{ReasonNotFound: domain.MandateNotFound, ReasonRevoked: domain.MandateRevoked,
	ReasonExpired: domain.MandateExpired, ReasonOutOfScope: domain.MandateOutOfScope, ReasonPartiesDiffer: domain.MandatePartiesDiffer}

// Check asks the registry about a mandate. An answer outside the protocol
// is UNAVAILABLE (never taken as valid or invalid).
func (c *Client) Check(ctx context.Context, q domain.MandateQuery, m domain.QueryMeta) (domain.MandateAnswer, error) {
	var r CheckResponse
	err := c.conn.Post(ctx, PathCheck, CheckRequest{SoUyQuyen: q.Reference, SoDinhDanhNguoiUyQuyen: q.PrincipalID,
		SoDinhDanhNguoiDuocUyQuyen: q.RepresentativeID, MaThuTuc: q.ProcedureCode, NgayKiemTra: q.Date,
		MaYeuCau: m.RequestRef, MaCanBo: m.Officer, MucDich: m.Purpose}, &r)
	if err != nil {
		return domain.MandateAnswer{}, err
	}
	if r.MaTraLoi == "" {
		return domain.MandateAnswer{}, c.conn.Unknown("no MaTraLoi")
	}
	a := domain.MandateAnswer{QueryID: r.MaTraLoi}
	if u := r.UyQuyen; u != nil {
		a.Record = &domain.MandateRecord{Scope: u.PhamVi, ValidFrom: u.HieuLucTu, ValidUntil: u.HieuLucDen,
			PrincipalID: u.NguoiUyQuyen, RepresentativeID: u.NguoiDuocUyQuyen}
	}
	switch r.KetQua {
	case ResultValid:
		if a.Record == nil {
			return domain.MandateAnswer{}, c.conn.Unknown("HOP_LE without the mandate's record")
		}
		a.Valid = true
	case ResultInvalid:
		reason, ok := reasons[r.LyDo]
		if !ok {
			return domain.MandateAnswer{}, c.conn.Unknown(fmt.Sprintf("LyDo %q", r.LyDo))
		}
		a.Reason = reason
	default:
		return domain.MandateAnswer{}, c.conn.Unknown(fmt.Sprintf("KetQua %q", r.KetQua))
	}
	return a, nil
}
