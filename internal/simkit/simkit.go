// Package simkit is what the simulators of national systems (popsim,
// bizregsim, mandatesim) share: the OAuth2 client-credentials token
// endpoint and bearer check their real counterparts put in front of every
// call (internal/connector is the client side), and the faults a test, the
// demo or a newcomer can turn on — an outage and a delay — with their
// control endpoints.
package simkit

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tokenLife is how long an issued token is accepted (expires_in).
const tokenLife = time.Hour

// Gate guards a simulator's calls. The zero value is not usable: see New.
type Gate struct {
	clientID, clientSecret string
	delayInGate            bool

	mu     sync.Mutex
	down   bool
	delay  time.Duration
	tokens map[string]time.Time
	issued atomic.Int64
}

// New returns a gate accepting the client credentials given. With
// delayInGate every call waits the delay before it is served; otherwise the
// simulator applies Delay where it wants it (the business registry after it
// has recorded a call, so that an answer can be lost after the fact).
func New(clientID, clientSecret string, delayInGate bool) *Gate {
	return &Gate{clientID: clientID, clientSecret: clientSecret, delayInGate: delayInGate, tokens: map[string]time.Time{}}
}

// SetDown makes every call fail with HTTP 503 (or recover).
func (g *Gate) SetDown(down bool) { g.mu.Lock(); g.down = down; g.mu.Unlock() }

// SetDelay slows calls down by d.
func (g *Gate) SetDelay(d time.Duration) { g.mu.Lock(); g.delay = d; g.mu.Unlock() }

// Delay is the delay set.
func (g *Gate) Delay() time.Duration { g.mu.Lock(); defer g.mu.Unlock(); return g.delay }

// TokensIssued counts the tokens issued.
func (g *Gate) TokensIssued() int64 { return g.issued.Load() }

// Controls registers the fault endpoints: POST /sim/down?on=true|false and
// POST /sim/delay?d=3s.
func (g *Gate) Controls(mux *http.ServeMux) {
	mux.HandleFunc("POST /sim/down", func(w http.ResponseWriter, r *http.Request) { g.SetDown(r.URL.Query().Get("on") != "false") })
	mux.HandleFunc("POST /sim/delay", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil || d < 0 {
			http.Error(w, "d: a duration such as 3s", http.StatusBadRequest)
			return
		}
		g.SetDelay(d)
	})
}

// pass applies the delay (when the gate owns it) and the outage; false
// means the call was refused or its caller hung up.
func (g *Gate) pass(w http.ResponseWriter, r *http.Request) bool {
	g.mu.Lock()
	delay, down := g.delay, g.down
	g.mu.Unlock()
	if g.delayInGate && !Wait(r, delay) {
		return false
	}
	if down {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return false
	}
	return true
}

// Token serves the client-credentials grant (RFC 6749 §4.4), the client
// authenticated by HTTP Basic or by form fields.
func (g *Gate) Token(w http.ResponseWriter, r *http.Request) {
	if !g.pass(w, r) {
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if r.PostFormValue("grant_type") != "client_credentials" || id != g.clientID || secret != g.clientSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
		return
	}
	tok := rand.Text()
	g.mu.Lock()
	g.tokens[tok] = time.Now().Add(tokenLife)
	g.mu.Unlock()
	g.issued.Add(1)
	WriteJSON(w, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(tokenLife / time.Second)})
}

// Authed serves next only to a caller with a live token, through the faults.
func (g *Gate) Authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !g.pass(w, r) {
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		g.mu.Lock()
		exp, known := g.tokens[tok]
		g.mu.Unlock()
		if !ok || !known || time.Now().After(exp) {
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		next(w, r)
	}
}

// Wait sleeps d or until the caller hangs up; false when it hung up.
func Wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}

// WriteJSON answers v as JSON.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
