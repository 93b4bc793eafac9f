package popdb

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

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
	base    string
	http    *http.Client
	timeout time.Duration
	breaker *gobreaker.CircuitBreaker[[]byte]
	verify  *expirable.LRU[string, domain.PersonAnswer]
	lookup  *expirable.LRU[string, domain.Citizen]
}

// New returns a client; it makes no call until asked.
func New(c Config) (*Client, error) {
	if c.BaseURL == "" {
		return nil, errors.New("popdb: base URL required")
	}
	base := strings.TrimRight(c.BaseURL, "/")
	if c.TokenURL == "" {
		c.TokenURL = base + PathToken
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = 10 * time.Minute
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 10000
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = 5
	}
	if c.BreakerOpen <= 0 {
		c.BreakerOpen = 30 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if c.TLS != nil {
		tr.TLSClientConfig = c.TLS.Clone()
	}
	plain := &http.Client{Transport: tr, Timeout: c.Timeout}
	cc := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL, Scopes: c.Scopes,
		AuthStyle: oauth2.AuthStyleInHeader}
	// The token source caches the token until shortly before it expires.
	ts := cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, plain))
	cl := &Client{base: base, timeout: c.Timeout,
		http: &http.Client{Transport: &oauth2.Transport{Source: ts, Base: tr}, Timeout: c.Timeout}}
	n := c.BreakerFailures
	cl.breaker = gobreaker.NewCircuitBreaker[[]byte](gobreaker.Settings{Name: "population-db", Timeout: c.BreakerOpen,
		ReadyToTrip: func(counts gobreaker.Counts) bool { return counts.ConsecutiveFailures >= n },
		// Only outages trip the breaker; an answer the caller got wrong does not.
		IsSuccessful: func(err error) bool { return err == nil || !errors.Is(err, domain.ErrUnavailable) },
		IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) }})
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
	err := c.call(ctx, PathVerify, VerifyRequest{SoDinhDanh: q.IDNumber, HoVaTen: q.Name, NgayThangNamSinh: q.BirthDate,
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
		return domain.PersonAnswer{}, domain.Unavailable(ReasonUnavailable, "the population database gave an unknown answer", 0,
			fmt.Errorf("KetQua %q", r.KetQua))
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
	if err := c.call(ctx, PathLookup, LookupRequest{SoDinhDanh: idNumber, MaYeuCau: m.RequestRef, MaCanBo: m.Officer, MucDich: m.Purpose}, &r); err != nil {
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

// call posts body as JSON through the breaker and decodes the answer.
// Every failure to get an answer is a domain.FailureError (UNAVAILABLE).
func (c *Client) call(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	raw, err := c.breaker.Execute(func() ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled {
				return nil, err
			}
			if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
				return nil, domain.Unavailable(ReasonTimeout, "the population database did not answer in time", 0, err)
			}
			return nil, domain.Unavailable(ReasonUnavailable, "the population database cannot be reached", 0, err)
		}
		defer func() { _ = resp.Body.Close() }()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, domain.Unavailable(ReasonUnavailable, "the population database's answer was cut off", 0, err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, domain.Unavailable(ReasonUnavailable, fmt.Sprintf("the population database answered HTTP %d", resp.StatusCode), 0,
				fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(data))))
		}
		return data, nil
	})
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return domain.Unavailable(ReasonCircuitOpen, "the population database failed repeatedly; calls are paused", 0, err)
	case err != nil:
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return domain.Unavailable(ReasonUnavailable, "the population database's answer is not JSON of the protocol", 0, err)
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
