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
	"github.com/motcua/motcua/internal/simkit"
)

// Default client credentials the simulator accepts.
const (
	ClientID     = "motcua"
	ClientSecret = "motcua-sim-secret"
)

// Sim is a running simulator.
type Sim struct {
	mu           sync.Mutex
	citizens     map[string]popdb.CongDan
	*simkit.Gate                 // tokens, outage and delay (SetDown, SetDelay)
	mismatch     map[string]bool // numbers answered KHONG_KHOP whatever is stated
	log          []popdb.VerifyRequest
	lookups      []popdb.LookupRequest
	srv          *http.Server
	ln           net.Listener
	queries      atomic.Int64
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
	s := &Sim{citizens: map[string]popdb.CongDan{}, mismatch: map[string]bool{}, Gate: simkit.New(ClientID, ClientSecret, true)}
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
func (s *Sim) TokenRequests() int64 { return s.TokensIssued() }

// Requests returns the verify requests answered, in order (who asked, why).
func (s *Sim) Requests() []popdb.VerifyRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]popdb.VerifyRequest(nil), s.log...)
}

// Handler serves the protocol.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+popdb.PathToken, s.Token)
	mux.HandleFunc("POST "+popdb.PathVerify, s.Authed(s.verify))
	mux.HandleFunc("POST "+popdb.PathLookup, s.Authed(s.lookup))
	// Control endpoints for the demo and a newcomer's terminal.
	s.Controls(mux)
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
	simkit.WriteJSON(w, out)
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
	simkit.WriteJSON(w, out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprint("popsim: ", err))
	}
	return hex.EncodeToString(b)
}
