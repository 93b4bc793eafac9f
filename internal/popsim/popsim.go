// Package popsim is a simulator of the national population database that
// speaks its protocol (internal/popdb) over HTTP on 127.0.0.1: an OAuth2
// client-credentials token endpoint and the verify and lookup calls, over
// fixture citizens. It can be told to fail, to slow down and to answer a
// mismatch, so tests, the demo and a newcomer can exercise every path
// (`motcua sim population`).
package popsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motcua/motcua/internal/popdb"
)

// Default client credentials the simulator accepts.
const (
	ClientID     = "motcua"
	ClientSecret = "motcua-sim-secret"
)

// Sim is a running simulator.
type Sim struct {
	mu        sync.Mutex
	citizens  map[string]popdb.CongDan
	down      bool
	delay     time.Duration
	mismatch  map[string]bool // numbers answered KHONG_KHOP whatever is stated
	tokens    map[string]time.Time
	log       []popdb.VerifyRequest
	lookups   []popdb.LookupRequest
	srv       *http.Server
	ln        net.Listener
	queries   atomic.Int64
	tokenReqs atomic.Int64
}

// Fixtures are the citizens a new simulator knows.
var Fixtures = []popdb.CongDan{
	{SoDinhDanh: "001090000001", HoVaTen: "Nguyễn Văn An", NgayThangNamSinh: "1990-05-12", GioiTinh: "NAM",
		NoiThuongTru: "12 Hàng Bạc, Hoàn Kiếm, Hà Nội", NoiOHienTai: "12 Hàng Bạc, Hoàn Kiếm, Hà Nội"},
	{SoDinhDanh: "001190000002", HoVaTen: "Trần Thị Bình", NgayThangNamSinh: "1990-08-30", GioiTinh: "NU",
		NoiThuongTru: "5 Lê Lợi, Phủ Lý, Hà Nam", NoiOHienTai: "40 Trần Phú, Phủ Lý, Hà Nam"},
	{SoDinhDanh: "035085000003", HoVaTen: "Lê Văn Cường", NgayThangNamSinh: "1985-01-02", GioiTinh: "NAM",
		NoiThuongTru: "Thôn Đông, Kim Bảng, Hà Nam", NoiOHienTai: "Thôn Đông, Kim Bảng, Hà Nam"},
}

// New returns a simulator with the fixture citizens, not yet listening.
func New() *Sim {
	s := &Sim{citizens: map[string]popdb.CongDan{}, mismatch: map[string]bool{}, tokens: map[string]time.Time{}}
	for _, c := range Fixtures {
		s.citizens[c.SoDinhDanh] = c
	}
	return s
}

// Start listens on addr ("127.0.0.1:0" for any free port) and serves.
func Start(addr string) (*Sim, error) {
	s := New()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the base URL of a started simulator.
func (s *Sim) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops a started simulator.
func (s *Sim) Close() error { return s.srv.Close() }

// Add registers (or replaces) a citizen.
func (s *Sim) Add(c popdb.CongDan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.citizens[c.SoDinhDanh] = c
}

// SetDown makes every call fail with HTTP 503 (or recover).
func (s *Sim) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetDelay slows every call down by d.
func (s *Sim) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetMismatch makes verification of idNumber answer KHONG_KHOP (a planted
// wrong answer) or stop doing so.
func (s *Sim) SetMismatch(idNumber string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mismatch[idNumber] = on
}

// Queries counts verify and lookup calls answered (not refused).
func (s *Sim) Queries() int64 { return s.queries.Load() }

// TokenRequests counts the tokens issued.
func (s *Sim) TokenRequests() int64 { return s.tokenReqs.Load() }

// Requests returns the verify requests answered, in order (who asked, why).
func (s *Sim) Requests() []popdb.VerifyRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]popdb.VerifyRequest(nil), s.log...)
}

// Handler serves the protocol.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+popdb.PathToken, s.token)
	mux.HandleFunc("POST "+popdb.PathVerify, s.authed(s.verify))
	mux.HandleFunc("POST "+popdb.PathLookup, s.authed(s.lookup))
	// Control endpoints for the demo and a newcomer's terminal.
	mux.HandleFunc("POST /sim/down", func(w http.ResponseWriter, r *http.Request) { s.SetDown(r.URL.Query().Get("on") != "false") })
	mux.HandleFunc("POST /sim/delay", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil {
			http.Error(w, "d: a duration such as 3s", http.StatusBadRequest)
			return
		}
		s.SetDelay(d)
	})
	mux.HandleFunc("POST /sim/mismatch", func(w http.ResponseWriter, r *http.Request) {
		s.SetMismatch(r.URL.Query().Get("id"), r.URL.Query().Get("on") != "false")
	})
	mux.HandleFunc("POST /sim/citizens", func(w http.ResponseWriter, r *http.Request) {
		var c popdb.CongDan
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.SoDinhDanh == "" {
			http.Error(w, "a CongDan as JSON", http.StatusBadRequest)
			return
		}
		s.Add(c)
	})
	return mux
}

// gate applies the delay and the outage; false means the call was refused.
func (s *Sim) gate(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	delay, down := s.delay, s.down
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return false
		}
	}
	if down {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return false
	}
	return true
}

func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	if !s.gate(w, r) {
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if r.PostFormValue("grant_type") != "client_credentials" || id != ClientID || secret != ClientSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
		return
	}
	tok := randomHex(16)
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(time.Hour)
	s.mu.Unlock()
	s.tokenReqs.Add(1)
	writeJSON(w, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

func (s *Sim) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.gate(w, r) {
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		exp, known := s.tokens[tok]
		s.mu.Unlock()
		if !ok || !known || time.Now().After(exp) {
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		next(w, r)
	}
}

func (s *Sim) verify(w http.ResponseWriter, r *http.Request) {
	var q popdb.VerifyRequest
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.SoDinhDanh == "" || q.MaYeuCau == "" || q.MucDich == "" {
		http.Error(w, "SoDinhDanh, MaYeuCau and MucDich are required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	c, known := s.citizens[q.SoDinhDanh]
	planted := s.mismatch[q.SoDinhDanh]
	s.log = append(s.log, q)
	s.mu.Unlock()
	s.queries.Add(1)
	out := popdb.VerifyResponse{MaTraLoi: "DC-" + randomHex(8)}
	switch {
	case !known:
		out.KetQua = popdb.ResultNotFound
	default:
		out.TruongKhop = []string{popdb.FieldIDNumber}
		check := func(field, stated, registered string) {
			if stated == "" {
				return
			}
			if !planted && strings.EqualFold(strings.TrimSpace(stated), registered) {
				out.TruongKhop = append(out.TruongKhop, field)
			} else {
				out.TruongKhongKhop = append(out.TruongKhongKhop, field)
			}
		}
		check(popdb.FieldName, q.HoVaTen, c.HoVaTen)
		check(popdb.FieldBirthDate, q.NgayThangNamSinh, c.NgayThangNamSinh)
		out.KetQua = popdb.ResultMatch
		if len(out.TruongKhongKhop) > 0 {
			out.KetQua = popdb.ResultNoMatch
		}
	}
	writeJSON(w, out)
}

func (s *Sim) lookup(w http.ResponseWriter, r *http.Request) {
	var q popdb.LookupRequest
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.SoDinhDanh == "" || q.MaYeuCau == "" || q.MucDich == "" {
		http.Error(w, "SoDinhDanh, MaYeuCau and MucDich are required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	c, known := s.citizens[q.SoDinhDanh]
	s.lookups = append(s.lookups, q)
	s.mu.Unlock()
	s.queries.Add(1)
	out := popdb.LookupResponse{MaTraLoi: "DC-" + randomHex(8), KetQua: popdb.ResultNotFound}
	if known {
		out.KetQua, out.CongDan = popdb.ResultFound, &c
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprint("popsim: ", err))
	}
	return hex.EncodeToString(b)
}
