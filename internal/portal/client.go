// Package portal is the connector to the national public service portal
// (DVCQG): it sends what package dvcqg builds over HTTP with each agency's
// endpoint and credentials, and reads the portal's copies back for
// reconciliation. It implements app.PortalClient; when to send, retries and
// dead letters are the use case's (app.Sync, docs/portal-sync.md).
package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/dvcqg"
)

// Endpoint is one agency's portal address and credentials.
type Endpoint struct {
	BaseURL  string
	Username string
	Password string
}

// Options configure a Client.
type Options struct {
	// Agencies maps agency codes to their endpoints.
	Agencies map[string]Endpoint
	// Default serves agencies not listed (BaseURL empty: none). An empty
	// Username is the dossier's agency code.
	Default Endpoint
	// Timeout bounds each HTTP call (default 10 s).
	Timeout time.Duration
	// HTTP is the client to use (default: a new one with Timeout).
	HTTP *http.Client
}

// Client talks to the portal. It is safe for concurrent use; it keeps one
// token per agency until shortly before it expires.
type Client struct {
	opts Options
	http *http.Client

	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	value  string
	expiry time.Time
}

// New returns a Client.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	hc := opts.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: opts.Timeout}
	}
	return &Client{opts: opts, http: hc, tokens: map[string]cachedToken{}}
}

var _ app.PortalClient = (*Client)(nil)

func permanent(format string, args ...any) error {
	return &app.PortalError{Permanent: true, Reason: fmt.Sprintf(format, args...)}
}

func transient(format string, args ...any) error {
	return &app.PortalError{Reason: fmt.Sprintf(format, args...)}
}

func (c *Client) endpoint(agency string) (Endpoint, error) {
	e, ok := c.opts.Agencies[agency]
	if !ok {
		e = c.opts.Default
	}
	if e.BaseURL == "" {
		return e, permanent("no portal endpoint is configured for agency %s", agency)
	}
	if e.Username == "" {
		e.Username = agency
	}
	e.BaseURL = strings.TrimRight(e.BaseURL, "/")
	return e, nil
}

// post sends a JSON body and decodes the JSON answer into out; it returns
// the HTTP status. Transport failures, timeouts and 5xx/429 answers are
// transient errors.
func (c *Client) post(ctx context.Context, target, token string, body, out any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, permanent("encoding the request: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return 0, permanent("building the request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the operation and cause, without repeating the URL
		}
		return 0, transient("portal unreachable: %v", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.StatusCode, transient("reading the portal's answer: %v", err)
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
		return resp.StatusCode, transient("portal answered HTTP %d: %s", resp.StatusCode, snippet(rb))
	}
	if err := json.Unmarshal(rb, out); err != nil {
		return resp.StatusCode, transient("portal answered HTTP %d with no JSON: %s", resp.StatusCode, snippet(rb))
	}
	return resp.StatusCode, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// token returns a valid token for agency, asking for one if needed.
func (c *Client) token(ctx context.Context, agency string, e Endpoint, fresh bool) (string, error) {
	c.mu.Lock()
	t, ok := c.tokens[agency]
	c.mu.Unlock()
	if ok && !fresh && time.Now().Before(t.expiry) {
		return t.value, nil
	}
	var tr dvcqg.TokenResponse
	status, err := c.post(ctx, e.BaseURL+"/api/token", "", dvcqg.TokenRequest{Username: e.Username, Password: e.Password}, &tr)
	if err != nil {
		return "", err
	}
	if tr.ErrorCode != dvcqg.CodeOK || tr.AccessToken == "" {
		// Never the password: only who asked and what the portal said.
		return "", permanent("the portal refused the credentials of %s (HTTP %d, error_code %s): %s", e.Username, status, tr.ErrorCode, tr.Message)
	}
	ttl := time.Duration(tr.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	c.mu.Lock()
	c.tokens[agency] = cachedToken{value: tr.AccessToken, expiry: time.Now().Add(ttl * 9 / 10)}
	c.mu.Unlock()
	return tr.AccessToken, nil
}

// call makes one service call, renewing the token once if it was refused.
func (c *Client) call(ctx context.Context, agency string, req dvcqg.Request) (dvcqg.Response, error) {
	e, err := c.endpoint(agency)
	if err != nil {
		return dvcqg.Response{}, err
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, agency, e, attempt > 0)
		if err != nil {
			return dvcqg.Response{}, err
		}
		var resp dvcqg.Response
		status, err := c.post(ctx, e.BaseURL+"/api/dvc", tok, req, &resp)
		if err != nil {
			return resp, err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			continue // expired or revoked: one new token
		}
		if status == http.StatusUnauthorized || status == http.StatusForbidden || resp.ErrorCode == dvcqg.CodeAuth {
			return resp, permanent("%s: the portal refused agency %s (HTTP %d): %s", req.Service, agency, status, resp.Message)
		}
		return resp, nil
	}
}

// Send implements app.PortalClient: the dossier (DongBoHoSoMC), then its
// progress rows in chunks (CapNhatTienDoHoSoMC). A create the portal
// answers "already exists" is repeated as an update, and an update of a
// dossier it lacks as a create.
func (c *Client) Send(ctx context.Context, agency string, m dvcqg.Message, update bool) (app.SendResult, error) {
	var res app.SendResult
	for tries := 0; tries < 2; tries++ {
		resp, err := c.call(ctx, agency, dvcqg.Request{Service: dvcqg.ServiceSyncDossier, IsUpdating: update, Data: []dvcqg.HoSo{m.HoSo}})
		if err != nil {
			return res, err
		}
		switch {
		case resp.ErrorCode == dvcqg.CodeOK:
			tries = 2
		case resp.ErrorCode == dvcqg.CodeExists || strings.Contains(resp.Message, "đã tồn tại"):
			update = true
			continue
		case resp.ErrorCode == dvcqg.CodeNotFound && update:
			update = false
			continue
		case resp.ErrorCode == dvcqg.CodeStale:
			res.Stale = true
			return res, nil // the portal holds a newer state: do not send older rows over it
		default:
			return res, refusal(dvcqg.ServiceSyncDossier, resp)
		}
	}
	for i := 0; i < len(m.TienDo); i += dvcqg.ProgressChunk {
		chunk := m.TienDo[i:min(i+dvcqg.ProgressChunk, len(m.TienDo))]
		resp, err := c.call(ctx, agency, dvcqg.Request{Service: dvcqg.ServiceSyncProgress, IsUpdating: true, Data: chunk})
		if err != nil {
			return res, err
		}
		if resp.ErrorCode != dvcqg.CodeOK {
			return res, refusal(dvcqg.ServiceSyncProgress, resp)
		}
	}
	return res, nil
}

// refusal turns a refused answer into an error: a field refusal is
// permanent (the same message would be refused again), anything else is
// worth retrying.
func refusal(service string, resp dvcqg.Response) error {
	msg := fmt.Sprintf("%s refused (error_code %s): %s", service, resp.ErrorCode, resp.Message)
	if resp.ErrorCode == dvcqg.CodeInvalid {
		return permanent("%s", msg)
	}
	return transient("%s", msg)
}

// Lookup implements app.PortalClient (TraCuuHoSo, in chunks).
func (c *Client) Lookup(ctx context.Context, agency string, codes []string) (map[string]dvcqg.HoSo, error) {
	out := make(map[string]dvcqg.HoSo, len(codes))
	for i := 0; i < len(codes); i += dvcqg.LookupChunk {
		q := make([]dvcqg.TraCuu, 0, dvcqg.LookupChunk)
		for _, code := range codes[i:min(i+dvcqg.LookupChunk, len(codes))] {
			q = append(q, dvcqg.TraCuu{MaHoSo: code})
		}
		resp, err := c.call(ctx, agency, dvcqg.Request{Service: dvcqg.ServiceLookupDossiers, Data: q})
		if err != nil {
			return nil, err
		}
		if resp.ErrorCode != dvcqg.CodeOK {
			return nil, refusal(dvcqg.ServiceLookupDossiers, resp)
		}
		for _, h := range resp.Result {
			out[h.MaHoSo] = h
		}
	}
	return out, nil
}
