// Package console is the web console for auditors and leaders served by
// `motcua serve`: server-rendered HTML (html/template, embedded assets,
// inline SVG charts, a little progressive JavaScript) over the same gRPC API
// everyone else uses. Every page is built from gRPC calls made with the
// signed-in user's own bearer token, through a client connection to this
// server, so the console sees nothing its user could not get over gRPC and
// its staff reads are logged, with a purpose, exactly as over gRPC. Design
// and decisions: docs/console.md.
package console

import (
	"context"
	"crypto/ed25519"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultPrefix is where the console is mounted by default.
const DefaultPrefix = "/console/"

// OIDC configures sign-in through an OpenID Connect provider (authorization
// code flow with PKCE).
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this console's callback as the provider knows it,
	// e.g. https://motcua.example/console/auth/callback.
	RedirectURL string
	// Scopes beyond "openid".
	Scopes []string
}

// Options configure the console.
type Options struct {
	// Prefix is the path it is mounted under, with a trailing slash.
	Prefix string
	// Conn reaches this server's gRPC API; every call carries the user's token.
	Conn grpc.ClientConnInterface
	// Verifier is the API's own token verifier: the console checks a token
	// with it at sign-in (so a token the API would refuse never becomes a
	// session) and reads the principal it shows in the header.
	Verifier *auth.Verifier
	// DevKey, when set, enables the development sign-in, which mints a token
	// with this key. Only ever set it when the server verifies tokens with
	// the development key.
	DevKey ed25519.PrivateKey
	// OIDC, when set, enables sign-in through the provider.
	OIDC *OIDC
	// Secure marks cookies Secure (set when the HTTP side runs over TLS).
	Secure bool
	Log    *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Console is the console's HTTP handler.
type Console struct {
	opts    Options
	pages   map[string]*template.Template
	mux     *http.ServeMux
	oidc    *oidcClient
	catalog pb.CatalogServiceClient
	dossier pb.DossierServiceClient
	report  pb.ReportServiceClient
	audit   pb.AuditServiceClient

	agencyCache agencyCache
}

// New builds the console. With an OIDC issuer it fetches the provider's
// discovery document (so a wrong issuer fails the start, not the first
// sign-in).
func New(ctx context.Context, o Options) (*Console, error) {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(o.Prefix, "/") || !strings.HasSuffix(o.Prefix, "/") {
		return nil, fmt.Errorf("console prefix %q must start and end with /", o.Prefix)
	}
	if o.Conn == nil || o.Verifier == nil {
		return nil, errors.New("console: a gRPC connection and the token verifier are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Console{opts: o, catalog: pb.NewCatalogServiceClient(o.Conn), dossier: pb.NewDossierServiceClient(o.Conn),
		report: pb.NewReportServiceClient(o.Conn), audit: pb.NewAuditServiceClient(o.Conn)}
	if o.OIDC != nil && o.OIDC.Issuer != "" {
		oc, err := newOIDCClient(ctx, *o.OIDC)
		if err != nil {
			return nil, err
		}
		c.oidc = oc
	}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	c.routes()
	return c, nil
}

func (c *Console) parseTemplates() error {
	c.pages = map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return fmt.Errorf("console template %s: %w", n, err)
		}
		c.pages[page] = t
	}
	return nil
}

func (c *Console) routes() {
	p := c.opts.Prefix
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+p+"static/", http.StripPrefix(p+"static/", cacheStatic(http.FileServerFS(static))))
	m.HandleFunc("GET "+p+"{$}", c.home)
	m.HandleFunc("GET "+p+"signin", c.signinPage)
	m.HandleFunc("POST "+p+"signin/dev", c.devSignin)
	m.HandleFunc("POST "+p+"signin/oidc", c.oidcStart)
	m.HandleFunc("GET "+p+"auth/callback", c.oidcCallback)
	m.HandleFunc("POST "+p+"signout", c.signout)
	m.HandleFunc("GET "+p+"lang", c.setLang)
	m.HandleFunc("GET "+p+"indicators", c.authed(c.indicators))
	m.HandleFunc("GET "+p+"dossiers", c.authed(c.dossiers))
	m.HandleFunc("GET "+p+"overdue", c.authed(c.overdue))
	m.HandleFunc("GET "+p+"dossier/{id}", c.authed(c.dossierPage))
	m.HandleFunc("GET "+p+"integrity", c.authed(c.integrity))
	m.HandleFunc("POST "+p+"integrity/verify", c.authed(c.verify))
	c.mux = m
}

// ServeHTTP serves the console: security headers on every answer, and
// cross-origin POSTs refused (net/http's CrossOriginProtection reads
// Sec-Fetch-Site and Origin; the session cookie is also SameSite=Strict).
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self' "+c.formActions()+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if err := csrf.Check(r); err != nil {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	c.mux.ServeHTTP(w, r)
}

var csrf = http.NewCrossOriginProtection()

// formActions lets the OIDC start form redirect to the provider.
func (c *Console) formActions() string {
	if c.oidc == nil {
		return ""
	}
	return c.oidc.origin
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// session is the signed-in user of one request.
type session struct {
	token     string
	principal domain.Principal
	purpose   string
}

// call returns a context whose outgoing gRPC calls carry the user's token.
func (s *session) call(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.token)
}

type authedHandler func(w http.ResponseWriter, r *http.Request, v *view)

// authed resolves the session from its cookie (verifying the token as the
// API would) or sends the user to sign in.
func (c *Console) authed(h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r)
		if err != nil {
			c.clearSession(w)
			http.Redirect(w, r, c.opts.Prefix+"signin", http.StatusSeeOther)
			return
		}
		v := c.newView(r)
		v.User = s
		h(w, r, v)
	}
}

// home sends the user to the indicators or to sign in.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if _, err := c.session(r); err != nil {
		http.Redirect(w, r, c.opts.Prefix+"signin", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, c.opts.Prefix+"indicators", http.StatusSeeOther)
}

// setLang switches the language and goes back to a console page.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("to")
	if _, ok := messages[lang]; !ok {
		lang = defaultLang
	}
	http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: lang, Path: c.opts.Prefix, MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: c.opts.Secure, SameSite: http.SameSiteLaxMode})
	back := r.URL.Query().Get("back")
	// Only a path inside the console: never an open redirect.
	if !strings.HasPrefix(back, c.opts.Prefix) || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		back = c.opts.Prefix
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// Principal is the signed-in user as the API sees them.
func (s *session) Principal() domain.Principal { return s.principal }

// Role is the user's role as the API's enum (for its label).
func (s *session) Role() pb.Role { return pb.Role(s.principal.Role) }

// Purpose is the purpose stated at sign-in.
func (s *session) Purpose() string { return s.purpose }
