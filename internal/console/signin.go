package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
)

// Cookies. The session cookie holds the bearer token itself (so any replica
// serves any user and nothing is kept server-side); it is HttpOnly (no
// script reads it), SameSite=Strict (no other site's page sends it) and
// Secure over TLS, scoped to the console's path, and lives no longer than
// the token. The token never appears in a URL or a log line.
const (
	cookieSession = "motcua_console"
	cookiePurpose = "motcua_console_purpose"
	cookieLang    = "motcua_console_lang"
	cookieFlow    = "motcua_console_oidc"
)

// devTokenTTL is the life of a development sign-in.
const devTokenTTL = 8 * time.Hour

// maxPurpose bounds the purpose a user states (the API allows 500 with the
// page name the console adds).
const maxPurpose = 200

var errNoSession = errors.New("no session")

func (c *Console) session(r *http.Request) (*session, error) {
	ck, err := r.Cookie(cookieSession)
	if err != nil || ck.Value == "" {
		return nil, errNoSession
	}
	p, err := c.opts.Verifier.Verify(r.Context(), ck.Value)
	if err != nil {
		return nil, err
	}
	s := &session{token: ck.Value, principal: p}
	if pc, err := r.Cookie(cookiePurpose); err == nil {
		if v, err := url.QueryUnescape(pc.Value); err == nil {
			s.purpose = v
		}
	}
	return s, nil
}

func (c *Console) startSession(w http.ResponseWriter, token, purpose string, exp time.Time) {
	age := int(time.Until(exp).Seconds())
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: token, Path: c.opts.Prefix, MaxAge: age,
		HttpOnly: true, Secure: c.opts.Secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: cookiePurpose, Value: url.QueryEscape(purpose), Path: c.opts.Prefix, MaxAge: age,
		HttpOnly: true, Secure: c.opts.Secure, SameSite: http.SameSiteStrictMode})
}

func (c *Console) clearSession(w http.ResponseWriter) {
	for _, n := range []string{cookieSession, cookiePurpose} {
		http.SetCookie(w, &http.Cookie{Name: n, Path: c.opts.Prefix, MaxAge: -1, HttpOnly: true, Secure: c.opts.Secure,
			SameSite: http.SameSiteStrictMode})
	}
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	v := c.newView(r)
	v.Data = map[string]any{"Dev": c.opts.DevKey != nil, "OIDC": c.oidc != nil, "Error": r.URL.Query().Get("error")}
	c.render(w, r, "signin", v)
}

// signinFailed sends the user back to the sign-in page with a message key
// (never the error text: it may hold a token or a provider's detail).
func (c *Console) signinFailed(w http.ResponseWriter, r *http.Request, key string) {
	http.Redirect(w, r, c.opts.Prefix+"signin?error="+url.QueryEscape(key), http.StatusSeeOther)
}

func cleanPurpose(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	return s, s != "" && utf8.RuneCountInString(s) <= maxPurpose
}

// devSignin mints a development token for the identity typed in. It exists
// only when the server verifies with the development key, and answers only
// clients on the same machine: the key lets anyone be anyone.
func (c *Console) devSignin(w http.ResponseWriter, r *http.Request) {
	if c.opts.DevKey == nil {
		http.NotFound(w, r)
		return
	}
	if !loopback(r.RemoteAddr) {
		http.Error(w, "the development sign-in answers only this machine (127.0.0.1, ::1)", http.StatusForbidden)
		return
	}
	purpose, ok := cleanPurpose(r.PostFormValue("purpose"))
	if !ok {
		c.signinFailed(w, r, "err.purpose")
		return
	}
	role, err := domain.ParseRole(r.PostFormValue("role"))
	if err != nil {
		c.signinFailed(w, r, "err.identity")
		return
	}
	spec := auth.TokenSpec{Subject: strings.TrimSpace(r.PostFormValue("subject")), Role: role,
		Agency: strings.TrimSpace(r.PostFormValue("agency")), CitizenID: strings.TrimSpace(r.PostFormValue("citizen_id")),
		Issuer: auth.DevIssuer, Audience: auth.DefaultAudience, TTL: devTokenTTL}
	if role == domain.RoleCitizen {
		spec.Assurance = domain.AssuranceVNeID2
	}
	if !role.Staff() {
		spec.Agency = ""
	}
	now := c.opts.Now()
	tok, err := auth.Issue(c.opts.DevKey, spec, now)
	if err != nil {
		c.signinFailed(w, r, "err.identity")
		return
	}
	_, exp, err := c.opts.Verifier.VerifyWithExpiry(r.Context(), tok)
	if err != nil {
		c.signinFailed(w, r, "err.token")
		return
	}
	c.opts.Log.Info("console development sign-in", "subject", spec.Subject, "role", role.String(), "agency", spec.Agency)
	c.startSession(w, tok, purpose, exp)
	http.Redirect(w, r, c.opts.Prefix+"indicators", http.StatusSeeOther)
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	c.clearSession(w)
	http.Redirect(w, r, c.opts.Prefix+"signin", http.StatusSeeOther)
}

// oidcClient is the relying party.
type oidcClient struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	config   oauth2.Config
	origin   string // the provider's authorization endpoint origin, for CSP form-action
}

func newOIDCClient(ctx context.Context, o OIDC) (*oidcClient, error) {
	if o.ClientID == "" || o.RedirectURL == "" {
		return nil, errors.New("console OIDC: the client id and the redirect URL are required with an issuer")
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("console OIDC discovery at %s: %w", o.Issuer, err)
	}
	cfg := oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, o.Scopes...)}
	au, err := url.Parse(cfg.Endpoint.AuthURL)
	if err != nil {
		return nil, err
	}
	return &oidcClient{provider: p, verifier: p.Verifier(&oidc.Config{ClientID: o.ClientID}), config: cfg,
		origin: au.Scheme + "://" + au.Host}, nil
}

// flow is what the console keeps between sending the user to the provider
// and the callback, in a short-lived HttpOnly cookie: SameSite=Lax because
// the callback is a top-level navigation coming from the provider's site.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Purpose  string `json:"p"`
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcStart sends the user to the provider (authorization code with PKCE,
// S256) with a fresh state and nonce.
func (c *Console) oidcStart(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		http.NotFound(w, r)
		return
	}
	purpose, ok := cleanPurpose(r.PostFormValue("purpose"))
	if !ok {
		c.signinFailed(w, r, "err.purpose")
		return
	}
	f := flow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Purpose: purpose}
	raw, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: cookieFlow, Value: base64.RawURLEncoding.EncodeToString(raw), Path: c.opts.Prefix,
		MaxAge: 600, HttpOnly: true, Secure: c.opts.Secure, SameSite: http.SameSiteLaxMode})
	to := c.oidc.config.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// oidcCallback exchanges the code (with the PKCE verifier), verifies the ID
// token (signature, issuer, audience, expiry, nonce), then checks that the
// API accepts the access token before making it the session. The answer is
// a page that moves on by itself: a redirect would carry the cross-site
// navigation on, and the browser would not send the SameSite=Strict cookie
// just set.
func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		http.NotFound(w, r)
		return
	}
	ck, err := r.Cookie(cookieFlow)
	http.SetCookie(w, &http.Cookie{Name: cookieFlow, Path: c.opts.Prefix, MaxAge: -1, HttpOnly: true, Secure: c.opts.Secure,
		SameSite: http.SameSiteLaxMode})
	if err != nil {
		c.signinFailed(w, r, "err.flow")
		return
	}
	var f flow
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || json.Unmarshal(raw, &f) != nil || f.State == "" || r.URL.Query().Get("state") != f.State {
		c.signinFailed(w, r, "err.flow")
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		c.opts.Log.Info("console sign-in refused by the provider", "error", e)
		c.signinFailed(w, r, "err.provider")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := c.oidc.config.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		c.opts.Log.Warn("console sign-in: code exchange failed", "error", err)
		c.signinFailed(w, r, "err.provider")
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	id, err := c.oidc.verifier.Verify(ctx, rawID)
	if err != nil || id.Nonce != f.Nonce {
		c.opts.Log.Warn("console sign-in: ID token refused", "error", err, "nonce_ok", err == nil && id.Nonce == f.Nonce)
		c.signinFailed(w, r, "err.provider")
		return
	}
	// The API is called with the access token: the provider issues it for
	// the API's audience with the role and agency claims (docs/console.md).
	bearer := tok.AccessToken
	p, exp, err := c.opts.Verifier.VerifyWithExpiry(ctx, bearer)
	if err != nil {
		c.opts.Log.Warn("console sign-in: the API does not accept the provider's access token", "subject", id.Subject, "error", err)
		c.signinFailed(w, r, "err.token")
		return
	}
	c.opts.Log.Info("console sign-in", "subject", p.Subject, "role", p.Role.String(), "agency", p.AgencyCode)
	c.startSession(w, bearer, f.Purpose, exp)
	v := c.newView(r)
	v.Data = c.opts.Prefix + "indicators"
	c.render(w, r, "continue", v)
}
