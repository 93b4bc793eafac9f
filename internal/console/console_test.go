package console

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"google.golang.org/grpc/codes"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// TestMessageTables: every key the templates and the code use, and every
// enum value a page can show, is in both tables, and the tables have the
// same keys.
func TestMessageTables(t *testing.T) {
	used := map[string]bool{}
	keyRe := regexp.MustCompile(`\bT[f]? "([a-z0-9_.]+)"|\.T\("([a-z0-9_.]+)"\)|\.Tf\("([a-z0-9_.]+)"`)
	collect := func(src string) {
		for _, m := range keyRe.FindAllStringSubmatch(src, -1) {
			used[m[1]+m[2]+m[3]] = true
		}
	}
	_ = fs.WalkDir(templateFS, ".", func(p string, d fs.DirEntry, _ error) error {
		if !d.IsDir() {
			b, _ := fs.ReadFile(templateFS, p)
			collect(string(b))
		}
		return nil
	})
	for _, f := range []string{"charts.go", "pages.go", "verify.go", "view.go", "signin.go"} {
		b, err := fs.ReadFile(osDir{}, f)
		if err != nil {
			t.Fatal(err)
		}
		collect(string(b))
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys: the pattern is wrong", len(used))
	}
	for _, g := range []struct {
		group string
		names map[string]int32
	}{{"status", pb.DossierStatus_value}, {"action", pb.Action_value}, {"actor", pb.ActorKind_value}, {"channel", pb.Channel_value},
		{"role", pb.Role_value}, {"timeliness", pb.Timeliness_value}, {"segment", pb.DeadlineSegment_Kind_value},
		{"signal", pb.ProxyFilingSignal_Kind_value}} {
		for n := range g.names {
			if !strings.HasSuffix(n, "_UNSPECIFIED") {
				used[g.group+"."+enumSuffix(g.group, n)] = true
			}
		}
	}
	for _, k := range []string{"err.purpose", "err.identity", "err.token", "err.flow", "err.provider", "err.expired"} {
		used[k] = true // sign-in errors travel in the URL as keys
	}
	for _, k := range figures {
		used["fig."+k] = true
	}
	for k := range used {
		for lang, table := range messages {
			if _, ok := table[k]; !ok {
				t.Errorf("%s: missing %q", lang, k)
			}
		}
	}
	for k := range vi {
		if _, ok := en[k]; !ok {
			t.Errorf("en: missing %q (in vi)", k)
		}
	}
}

// osDir reads this package's sources (the test runs in its directory).
type osDir struct{}

func (osDir) Open(name string) (fs.File, error) { return http.Dir(".").Open(name) }

// plainConsole is the console in front of a real server on an empty
// catalog, for the HTTP-level tests.
func plainConsole(t *testing.T, o Options) (*testenv.Env, *httptest.Server) {
	t.Helper()
	env := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Verifier: o.Verifier})
	if o.Verifier == nil {
		v, err := auth.DevVerifier(env.Key)
		if err != nil {
			t.Fatal(err)
		}
		o.Verifier, o.DevKey = v, env.Key
	}
	o.Conn = env.Conn
	c, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(DefaultPrefix, c)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return env, srv
}

func noRedirect(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestSessionCookiesAndCSRF: the session cookie is HttpOnly and
// SameSite=Strict and holds what the API accepts; a cross-site POST is
// refused; the development sign-in answers only this machine; pages need a
// session.
func TestSessionCookiesAndCSRF(t *testing.T) {
	env, srv := plainConsole(t, Options{})
	base := srv.URL + DefaultPrefix
	cl := noRedirect(nil)

	resp, err := cl.Get(base + "indicators")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != DefaultPrefix+"signin" {
		t.Fatalf("no session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	form := url.Values{"role": {"auditor"}, "subject": {"auditor-1"}, "agency": {seed.Province}, "purpose": {"kiểm tra"}}
	resp, err = cl.PostForm(base+"signin/dev", form)
	if err != nil {
		t.Fatal(err)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieSession {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != DefaultPrefix || session.MaxAge <= 0 {
		t.Fatalf("session cookie %+v", session)
	}
	if strings.Contains(resp.Header.Get("Location"), session.Value) {
		t.Fatal("the token is in a URL")
	}
	// The cookie holds a token the API itself accepts, for that identity.
	v, _ := auth.DevVerifier(env.Key)
	pr, err := v.Verify(context.Background(), session.Value)
	if err != nil || pr.Subject != "auditor-1" || pr.AgencyCode != seed.Province {
		t.Fatalf("session token: %+v, %v", pr, err)
	}

	// A POST from another site is refused before any handler runs.
	req, _ := http.NewRequest(http.MethodPost, base+"signin/dev", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err = cl.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %v %v", resp.StatusCode, err)
	}

	// The development sign-in refuses clients that are not this machine.
	c, _ := New(context.Background(), Options{Conn: env.Conn, Verifier: v, DevKey: env.Key})
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, DefaultPrefix+"signin/dev", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "10.1.2.3:40000"
	c.ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("remote dev sign-in: %d %v", rec.Code, rec.Result().Cookies())
	}

	// Without a purpose there is no session.
	resp, err = cl.PostForm(base+"signin/dev", url.Values{"role": {"auditor"}, "subject": {"a"}, "agency": {seed.Province}})
	if err != nil || !strings.Contains(resp.Header.Get("Location"), "err.purpose") {
		t.Fatalf("no purpose: %v %v", resp.Header.Get("Location"), err)
	}

	// The language switch never redirects out of the console.
	resp, err = cl.Get(base + "lang?to=en&back=" + url.QueryEscape("//evil.example/x"))
	if err != nil || resp.Header.Get("Location") != DefaultPrefix {
		t.Fatalf("open redirect: %v %v", resp.Header.Get("Location"), err)
	}
	// A forged cookie is no session.
	req, _ = http.NewRequest(http.MethodGet, base+"indicators", nil)
	req.AddCookie(&http.Cookie{Name: cookieSession, Value: session.Value[:len(session.Value)-4] + "AAAA"})
	if resp, err = cl.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("forged session: %v %v", resp.StatusCode, err)
	}
}

func TestCodeName(t *testing.T) {
	for c, want := range map[codes.Code]string{codes.PermissionDenied: "PERMISSION_DENIED", codes.NotFound: "NOT_FOUND", codes.OK: "OK"} {
		if got := (&apiError{Code: c}).CodeName(); got != want {
			t.Errorf("%v: %q", c, got)
		}
	}
}

// fakeOIDC is an OpenID Connect provider on 127.0.0.1 speaking the real
// protocol: discovery, authorization (it signs the user in at once),
// token (authorization code with PKCE S256 only, client secret checked)
// and JWKS. Its access tokens are JWTs for the motcua API.
type fakeOIDC struct {
	srv      *httptest.Server
	key      jwk.Key
	pub      jwk.Set
	clientID string
	secret   string

	mu    sync.Mutex
	codes map[string]authz
	// role and agency go into the access token ("" leaves the claim out).
	role, agency, subject string
	// exchanges counts successful code exchanges; pkceFailures refused ones.
	exchanges, pkceFailures int
}

type authz struct{ challenge, nonce, redirect string }

func newFakeOIDC(t *testing.T) *fakeOIDC {
	t.Helper()
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	_ = key.Set(jwk.KeyIDKey, "fake-1")
	_ = key.Set(jwk.AlgorithmKey, jwa.RS256())
	pubKey, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	set := jwk.NewSet()
	_ = set.AddKey(pubKey)
	f := &fakeOIDC{key: key, pub: set, clientID: "motcua-console", secret: "s3cret", codes: map[string]authz{},
		role: "auditor", agency: seed.Province, subject: "auditor-oidc"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/authorize", "token_endpoint": f.srv.URL + "/token",
			"jwks_uri": f.srv.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) { _ = json.NewEncoder(w).Encode(f.pub) })
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOIDC) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != f.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" || !strings.Contains(q.Get("scope"), "openid") {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	f.mu.Lock()
	f.codes[code] = authz{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri")}
	f.mu.Unlock()
	to, _ := url.Parse(q.Get("redirect_uri"))
	v := to.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (f *fakeOIDC) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != f.clientID || secret != f.secret || r.PostFormValue("grant_type") != "authorization_code" {
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	a, ok := f.codes[r.PostFormValue("code")]
	delete(f.codes, r.PostFormValue("code")) // one use
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	pkceOK := base64.RawURLEncoding.EncodeToString(sum[:]) == a.challenge
	if ok && !pkceOK {
		f.pkceFailures++
	}
	if ok && pkceOK {
		f.exchanges++
	}
	f.mu.Unlock()
	if !ok || !pkceOK || r.PostFormValue("redirect_uri") != a.redirect {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	now := time.Now()
	sign := func(b *jwt.Builder) string {
		tok, err := b.Issuer(f.srv.URL).Subject(f.subject).IssuedAt(now).NotBefore(now).Expiration(now.Add(time.Hour)).Build()
		if err != nil {
			panic(err)
		}
		s, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256(), f.key))
		if err != nil {
			panic(err)
		}
		return string(s)
	}
	idTok := sign(jwt.NewBuilder().Audience([]string{f.clientID}).Claim("nonce", a.nonce))
	ab := jwt.NewBuilder().Audience([]string{auth.DefaultAudience})
	if f.role != "" {
		ab = ab.Claim(auth.ClaimRole, f.role)
	}
	if f.agency != "" {
		ab = ab.Claim(auth.ClaimAgency, f.agency)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": sign(ab), "token_type": "Bearer", "expires_in": 3600, "id_token": idTok})
}

// TestOIDCSignIn signs in through a fake provider with the real protocol:
// the console sends the browser to the provider with PKCE, exchanges the
// code with the verifier, checks the ID token's nonce, and keeps the access
// token — which the API (verifying with the provider's JWKS) accepts.
func TestOIDCSignIn(t *testing.T) {
	ctx := context.Background()
	f := newFakeOIDC(t)
	keys, err := auth.NewRemoteKeys(ctx, f.srv.URL+"/jwks", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	verifier := &auth.Verifier{Keys: keys, Issuer: f.srv.URL, Audience: auth.DefaultAudience, Skew: 30 * time.Second}
	// The console's callback URL is only known once it listens: serve it
	// behind a handler that is set right after.
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	env := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Verifier: verifier})
	c, err := New(ctx, Options{Conn: env.Conn, Verifier: verifier, Log: slog.New(slog.DiscardHandler), OIDC: &OIDC{Issuer: f.srv.URL,
		ClientID: f.clientID, ClientSecret: f.secret, RedirectURL: srv.URL + DefaultPrefix + "auth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(DefaultPrefix, c)
	h = mux
	base := srv.URL + DefaultPrefix

	signIn := func() (*http.Client, *http.Response) {
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Jar: jar}
		resp, err := cl.PostForm(base+"signin/oidc", url.Values{"purpose": {"thanh tra OIDC"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return cl, resp
	}
	cl, resp := signIn()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != DefaultPrefix+"auth/callback" || f.exchanges != 1 {
		t.Fatalf("sign-in ended at %s with %d (exchanges %d)", resp.Request.URL, resp.StatusCode, f.exchanges)
	}
	resp, err = cl.Get(base + "indicators?agency=" + seed.Province + "&sub=1&period=2026")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="fig-on_time"`) || !strings.Contains(body, "auditor-oidc") {
		t.Fatalf("indicators after OIDC sign-in: %d\n%s", resp.StatusCode, body)
	}

	// A replayed callback (same state, used code) does not sign in again.
	resp, err = cl.Get(base + "auth/callback?state=x&code=y")
	if err != nil || !strings.Contains(resp.Request.URL.RawQuery, "err.flow") {
		t.Fatalf("forged callback ended at %v (%v)", resp.Request.URL, err)
	}

	// A provider whose access token lacks the role the API needs: no session.
	f.role = ""
	cl, resp = signIn()
	if !strings.Contains(resp.Request.URL.RawQuery, "err.token") {
		t.Fatalf("token without role ended at %v", resp.Request.URL)
	}
	if resp, _ := cl.Get(base + "indicators"); resp.Request.URL.Path != DefaultPrefix+"signin" {
		t.Fatalf("without a session the console showed %s", resp.Request.URL)
	}

	// A leader of one district sees their subtree and is refused the province.
	f.role, f.agency, f.subject = "leader", "000.23.01.H55", "leader-oidc"
	cl, _ = signIn()
	resp, _ = cl.Get(base + "indicators?agency=" + seed.Province + "&sub=1&period=2026")
	if body := readAll(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "PERMISSION_DENIED") || strings.Contains(body, `id="fig-on_time"`) {
		t.Fatalf("leader of a district on the province: %d\n%s", resp.StatusCode, body)
	}
	if f.pkceFailures != 0 {
		t.Fatalf("%d code exchanges failed PKCE", f.pkceFailures)
	}
	if !slices.Contains(strings.Split(c.formActions(), " "), f.srv.URL) {
		t.Errorf("the CSP does not let the sign-in form go to the provider: %q", c.formActions())
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
