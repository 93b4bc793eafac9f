package console

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

// view is what every page template gets: the language, the user, the
// page's data, and formatting methods ($.T "nav.indicators", $.Num 12, …).
type view struct {
	Lang  string
	P     string // the console's prefix
	Path  string // this page's path and query (for the language switch)
	Nav   string
	Title string
	User  *session
	Data  any
	// Err is a refusal or failure of an API call, shown instead of data.
	Err *apiError
	loc *time.Location
}

var hcm = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return l
}()

func (c *Console) newView(r *http.Request) *view {
	lang := defaultLang
	if ck, err := r.Cookie(cookieLang); err == nil {
		if _, ok := messages[ck.Value]; ok {
			lang = ck.Value
		}
	}
	return &view{Lang: lang, P: c.opts.Prefix, Path: r.URL.RequestURI(), loc: hcm}
}

// T translates a message key; a missing key shows itself (and a test
// checks both tables have every key used).
func (v *view) T(key string) string {
	if s, ok := messages[v.Lang][key]; ok {
		return s
	}
	return key
}

// Tf translates and formats.
func (v *view) Tf(key string, args ...any) string { return fmt.Sprintf(v.T(key), args...) }

// Enum translates an enum value's name under a group ("status", "action" …).
func (v *view) Enum(group string, name fmt.Stringer) string {
	n := name.String()
	if i := strings.LastIndex(n, "_UNSPECIFIED"); i >= 0 {
		return "—"
	}
	return v.T(group + "." + enumSuffix(group, n))
}

// enumSuffix strips the proto prefix: DOSSIER_STATUS_RECEIVED → RECEIVED.
func enumSuffix(group, n string) string {
	for _, p := range []string{"DOSSIER_STATUS_", "ACTION_", "ACTOR_KIND_", "CHANNEL_", "ROLE_", "TIMELINESS_", "KIND_"} {
		if s, ok := strings.CutPrefix(n, p); ok {
			return s
		}
	}
	return n
}

// Num formats an integer with the language's thousands separator.
func (v *view) Num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "."
	if v.Lang == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Dec formats a decimal with one digit and the language's decimal mark.
func (v *view) Dec(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if v.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Pct formats a ratio (0.953) as a percentage ("95,3 %" / "95.3%").
func (v *view) Pct(f float64) string {
	if v.Lang == "en" {
		return v.Dec(f*100) + "%"
	}
	return v.Dec(f*100) + " %"
}

// Rate formats a rate as a percentage, or "—" when nothing was counted.
func (v *view) Rate(r *pb.Rate) string {
	if r.GetDenominator() == 0 {
		return "—"
	}
	return v.Pct(r.GetValue())
}

// Time formats a timestamp in Vietnam's time zone; empty when unset.
func (v *view) Time(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().In(v.loc).Format("02/01/2006 15:04")
}

// ISO is a timestamp for <time datetime>.
func (v *view) ISO(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().In(v.loc).Format(time.RFC3339)
}

// Hours formats a working duration in hours.
func (v *view) Hours(d *durationpb.Duration) string {
	if d == nil {
		return ""
	}
	return v.Dec(d.AsDuration().Hours()) + " " + v.T("unit.hours")
}

// Short abbreviates a hash.
func (v *view) Short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

var funcs = template.FuncMap{
	"query": func(kv ...string) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Set(kv[i], kv[i+1])
			}
		}
		return template.URL(q.Encode())
	},
	"rnd": func(f float64) float64 { return math.Round(f*10) / 10 },
	"inc": func(i any) int64 {
		switch n := i.(type) {
		case int:
			return int64(n) + 1
		case int32:
			return int64(n) + 1
		case int64:
			return n + 1
		}
		return 0
	},
	"i64": func(i int) int64 { return int64(i) },
}

// apiError is a failed API call as a user should read it.
type apiError struct {
	Code    codes.Code
	Key     string // message key
	Message string // the API's message (safe: it never holds a token)
}

// CodeName is the gRPC code's canonical name (PERMISSION_DENIED).
func (e *apiError) CodeName() string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range e.Code.String() {
		if r >= 'A' && r <= 'Z' && prev >= 'a' && prev <= 'z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
		prev = r
	}
	return strings.ToUpper(b.String())
}

func toAPIError(err error) *apiError {
	st, _ := status.FromError(err)
	e := &apiError{Code: st.Code(), Message: st.Message(), Key: "err.failed"}
	switch st.Code() {
	case codes.PermissionDenied:
		e.Key = "err.denied"
	case codes.NotFound:
		e.Key = "err.notfound"
	case codes.InvalidArgument:
		e.Key = "err.invalid"
	case codes.Unavailable:
		e.Key = "err.unavailable"
	case codes.Unauthenticated:
		e.Key = "err.unauthenticated"
	}
	return e
}

func httpStatus(e *apiError) int {
	switch e.Code {
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.InvalidArgument:
		return http.StatusBadRequest
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// fail renders the page with a refusal instead of its data; an expired
// session goes back to sign-in.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, page string, v *view, err error) {
	e := toAPIError(err)
	if e.Code == codes.Unauthenticated {
		c.clearSession(w)
		http.Redirect(w, r, c.opts.Prefix+"signin?error=err.expired", http.StatusSeeOther)
		return
	}
	if e.Code != codes.PermissionDenied && e.Code != codes.NotFound && e.Code != codes.InvalidArgument {
		c.opts.Log.Warn("console: API call failed", "page", page, "code", e.Code.String(), "error", e.Message)
	}
	v.Err = e
	v.Data = nil
	c.renderStatus(w, r, page, v, httpStatus(e))
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, page string, v *view) {
	c.renderStatus(w, r, page, v, http.StatusOK)
}

func (c *Console) renderStatus(w http.ResponseWriter, _ *http.Request, page string, v *view, code int) {
	t, ok := c.pages[page]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	if v.Nav == "" {
		v.Nav = page
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		c.opts.Log.Error("console: rendering failed", "page", page, "error", err)
		http.Error(w, "rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}
