package popdb

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/motcua/motcua/internal/connector"
	"github.com/motcua/motcua/internal/domain"
)

// Reasons of the FailureErrors the client returns (all UNAVAILABLE).
const (
	ReasonUnavailable = "POPULATION_DB_UNAVAILABLE"
	ReasonTimeout     = "POPULATION_DB_TIMEOUT"
	ReasonCircuitOpen = "POPULATION_DB_CIRCUIT_OPEN"
)

// Config configures a Client.
type Config struct {
	// BaseURL of the database's API, e.g. https://csdldc.example.gov.vn.
	BaseURL string
	// TokenURL defaults to BaseURL + PathToken.
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// TLS, if set, is used for every connection: RootCAs to trust the
	// database, Certificates for mutual TLS.
	TLS *tls.Config
	// Timeout bounds one call, token included (default 5s).
	Timeout time.Duration
	// CacheTTL bounds how long an answer is reused (default 10 minutes;
	// negative: no cache). CacheSize bounds the entries (default 10000).
	CacheTTL  time.Duration
	CacheSize int
	// BreakerFailures consecutive outages open the circuit (default 5) for
	// BreakerOpen (default 30s); then one call probes.
	BreakerFailures uint32
	BreakerOpen     time.Duration
}

// Client is the HTTP connector.
type Client struct {
	conn   *connector.Conn
	verify *expirable.LRU[string, domain.PersonAnswer]
	lookup *expirable.LRU[string, domain.Citizen]
}

// New returns a client; it makes no call until asked.
func New(c Config) (*Client, error) {
	conn, err := connector.New(connector.Config{Name: "the population database", BaseURL: c.BaseURL, TokenURL: c.TokenURL,
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scopes: c.Scopes, TLS: c.TLS, Timeout: c.Timeout,
		BreakerFailures: c.BreakerFailures, BreakerOpen: c.BreakerOpen,
		ReasonUnavailable: ReasonUnavailable, ReasonTimeout: ReasonTimeout, ReasonCircuitOpen: ReasonCircuitOpen})
	if err != nil {
		return nil, err
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = 10 * time.Minute
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 10000
	}
	cl := &Client{conn: conn}
	if c.CacheTTL > 0 {
		cl.verify = expirable.NewLRU[string, domain.PersonAnswer](c.CacheSize, nil, c.CacheTTL)
		cl.lookup = expirable.NewLRU[string, domain.Citizen](c.CacheSize, nil, c.CacheTTL)
	}
	return cl, nil
}

// Verify asks whether q's fields belong together. A cached answer (same
// fields within the TTL) comes back with Cached set and its first query id.
func (c *Client) Verify(ctx context.Context, q domain.PersonQuery, m domain.QueryMeta) (domain.PersonAnswer, error) {
	key := q.IDNumber + "\x00" + q.Name + "\x00" + q.BirthDate
	if c.verify != nil {
		if a, ok := c.verify.Get(key); ok {
			a.Cached = true
			return a, nil
		}
	}
	var r VerifyResponse
	err := c.conn.Post(ctx, PathVerify, VerifyRequest{SoDinhDanh: q.IDNumber, HoVaTen: q.Name, NgayThangNamSinh: q.BirthDate,
		MaYeuCau: m.RequestRef, MaCanBo: m.Officer, MucDich: m.Purpose}, &r)
	if err != nil {
		return domain.PersonAnswer{}, err
	}
	a := domain.PersonAnswer{QueryID: r.MaTraLoi, FieldsMatched: fieldNames(r.TruongKhop), FieldsMismatched: fieldNames(r.TruongKhongKhop)}
	switch r.KetQua {
	case ResultMatch:
		a.Outcome = domain.OutcomeMatch
	case ResultNoMatch:
		a.Outcome = domain.OutcomeNoMatch
	case ResultNotFound:
		a.Outcome = domain.OutcomeNotFound
	default:
		return domain.PersonAnswer{}, c.conn.Unknown(fmt.Sprintf("KetQua %q", r.KetQua))
	}
	if c.verify != nil {
		c.verify.Add(key, a)
	}
	return a, nil
}

// Citizen returns a citizen's registered data; ErrNotFound when the
// database holds no such number.
func (c *Client) Citizen(ctx context.Context, idNumber string, m domain.QueryMeta) (domain.Citizen, error) {
	if c.lookup != nil {
		if z, ok := c.lookup.Get(idNumber); ok {
			z.Cached = true
			return z, nil
		}
	}
	var r LookupResponse
	if err := c.conn.Post(ctx, PathLookup, LookupRequest{SoDinhDanh: idNumber, MaYeuCau: m.RequestRef, MaCanBo: m.Officer, MucDich: m.Purpose}, &r); err != nil {
		return domain.Citizen{}, err
	}
	if r.KetQua == ResultNotFound || r.CongDan == nil {
		return domain.Citizen{}, domain.NotFound("citizen", idNumber)
	}
	z := domain.Citizen{IDNumber: r.CongDan.SoDinhDanh, FullName: r.CongDan.HoVaTen, BirthDate: r.CongDan.NgayThangNamSinh,
		Sex: r.CongDan.GioiTinh, PermanentAddress: r.CongDan.NoiThuongTru, CurrentAddress: r.CongDan.NoiOHienTai, QueryID: r.MaTraLoi}
	if c.lookup != nil {
		c.lookup.Add(idNumber, z)
	}
	return z, nil
}

func fieldNames(ws []string) []string {
	var out []string
	for _, w := range ws {
		switch w {
		case FieldIDNumber:
			out = append(out, "id_number")
		case FieldName:
			out = append(out, "name")
		case FieldBirthDate:
			out = append(out, "birth_date")
		}
	}
	return out
}
