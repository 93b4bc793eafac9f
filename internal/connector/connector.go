// Package connector is the HTTP plumbing motcua's connectors to national
// systems share (internal/popdb, internal/bizreg): an OAuth2
// client-credentials token, optional mutual TLS, a bound on every call and
// a circuit breaker. Every failure to get an answer is a
// domain.FailureError (UNAVAILABLE) with the connector's reasons, never an
// answer.
package connector

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

	"github.com/sony/gobreaker/v2"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/motcua/motcua/internal/domain"
)

// PathToken is the default token path below the base URL.
const PathToken = "/oauth2/token"

// Config configures a connection to one system.
type Config struct {
	// Name names the system in errors ("the population database").
	Name    string
	BaseURL string
	// TokenURL defaults to BaseURL + PathToken.
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// TLS, if set, is used for every connection: RootCAs to trust the
	// system, Certificates for mutual TLS.
	TLS *tls.Config
	// Timeout bounds one call, token included (default 5s).
	Timeout time.Duration
	// BreakerFailures consecutive outages open the circuit (default 5) for
	// BreakerOpen (default 30s); then one call probes.
	BreakerFailures uint32
	BreakerOpen     time.Duration
	// Reasons of the FailureErrors: no answer, too slow, circuit open.
	ReasonUnavailable, ReasonTimeout, ReasonCircuitOpen string
}

// Conn posts JSON to one system.
type Conn struct {
	c       Config
	base    string
	http    *http.Client
	breaker *gobreaker.CircuitBreaker[[]byte]
}

// New returns a connection; it makes no call until asked.
func New(c Config) (*Conn, error) {
	if c.BaseURL == "" {
		return nil, fmt.Errorf("connector %s: base URL required", c.Name)
	}
	base := strings.TrimRight(c.BaseURL, "/")
	if c.TokenURL == "" {
		c.TokenURL = base + PathToken
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
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
	n := c.BreakerFailures
	return &Conn{c: c, base: base,
		http: &http.Client{Transport: &oauth2.Transport{Source: ts, Base: tr}, Timeout: c.Timeout},
		breaker: gobreaker.NewCircuitBreaker[[]byte](gobreaker.Settings{Name: c.Name, Timeout: c.BreakerOpen,
			ReadyToTrip: func(counts gobreaker.Counts) bool { return counts.ConsecutiveFailures >= n },
			// Only outages trip the breaker; an answer the caller got wrong does not.
			IsSuccessful: func(err error) bool { return err == nil || !errors.Is(err, domain.ErrUnavailable) },
			IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) }}),
	}, nil
}

// Post sends body as JSON to path through the breaker and decodes the
// answer into out.
func (c *Conn) Post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.c.Timeout)
	defer cancel()
	name := c.c.Name
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
				return nil, domain.Unavailable(c.c.ReasonTimeout, name+" did not answer in time", 0, err)
			}
			return nil, domain.Unavailable(c.c.ReasonUnavailable, name+" cannot be reached", 0, err)
		}
		defer func() { _ = resp.Body.Close() }()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, domain.Unavailable(c.c.ReasonUnavailable, name+"'s answer was cut off", 0, err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, domain.Unavailable(c.c.ReasonUnavailable, fmt.Sprintf("%s answered HTTP %d", name, resp.StatusCode), 0,
				fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(data))))
		}
		return data, nil
	})
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return domain.Unavailable(c.c.ReasonCircuitOpen, name+" failed repeatedly; calls are paused", 0, err)
	case err != nil:
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return domain.Unavailable(c.c.ReasonUnavailable, name+"'s answer is not JSON of the protocol", 0, err)
	}
	return nil
}

// Unknown is the error of an answer outside the protocol.
func (c *Conn) Unknown(what string) error {
	return domain.Unavailable(c.c.ReasonUnavailable, c.c.Name+" gave an answer outside the protocol", 0, errors.New(what))
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
