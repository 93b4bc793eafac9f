// Package mandatesim simulates a registry of representation mandates over
// HTTP on 127.0.0.1, speaking internal/mandatereg's protocol: an OAuth2
// client-credentials token and the mandate check, over fixture mandates.
// It can be told to fail, to slow down and to give a wrong answer for a
// mandate, so tests, the demo and a newcomer can exercise every path
// (`motcua sim mandates`).
package mandatesim

import (
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motcua/motcua/internal/connector"
	"github.com/motcua/motcua/internal/mandatereg"
	"github.com/motcua/motcua/internal/simkit"
)

// Default client credentials the simulator accepts.
const (
	ClientID     = "motcua"
	ClientSecret = "motcua-sim-secret"
)

// Fixtures are the mandates a new simulator holds: given by the population
// simulator's first fixture citizen (001090000001) to its second
// (001190000002).
var Fixtures = []mandatereg.UyQuyen{
	{SoUyQuyen: "UQ-2026-0001", NguoiUyQuyen: "001090000001", NguoiDuocUyQuyen: "001190000002",
		PhamVi: "nộp và nhận kết quả mọi thủ tục hành chính", HieuLucTu: "2026-01-01", HieuLucDen: "2026-12-31"},
	{SoUyQuyen: "UQ-2026-0002", NguoiUyQuyen: "001090000001", NguoiDuocUyQuyen: "001190000002",
		PhamVi: "nộp hồ sơ", HieuLucTu: "2026-01-01", HieuLucDen: "2026-12-31", DaThuHoi: true},
	{SoUyQuyen: "UQ-2025-0003", NguoiUyQuyen: "001090000001", NguoiDuocUyQuyen: "001190000002",
		PhamVi: "nộp hồ sơ", HieuLucTu: "2025-01-01", HieuLucDen: "2025-12-31"},
	{SoUyQuyen: "UQ-2026-0004", NguoiUyQuyen: "001090000001", NguoiDuocUyQuyen: "001190000002",
		PhamVi: "chỉ đăng ký doanh nghiệp", MaThuTuc: []string{"2.000001"}, HieuLucTu: "2026-01-01", HieuLucDen: "2026-12-31"},
}

// Sim is a running simulator.
type Sim struct {
	mu           sync.Mutex
	mandates     map[string]mandatereg.UyQuyen
	wrong        map[string]string // SoUyQuyen → LyDo answered whatever the record says
	*simkit.Gate                   // tokens, outage and delay (SetDown, SetDelay)
	log          []mandatereg.CheckRequest
	checks       atomic.Int64
	srv          *http.Server
	ln           net.Listener
}

// New returns a simulator with the fixture mandates, not yet listening.
func New() *Sim {
	s := &Sim{mandates: map[string]mandatereg.UyQuyen{}, wrong: map[string]string{}, Gate: simkit.New(ClientID, ClientSecret, true)}
	for _, m := range Fixtures {
		s.mandates[m.SoUyQuyen] = m
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

// Add registers (or replaces) a mandate.
func (s *Sim) Add(m mandatereg.UyQuyen) { s.mu.Lock(); s.mandates[m.SoUyQuyen] = m; s.mu.Unlock() }

// Revoke marks a mandate revoked.
func (s *Sim) Revoke(ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.mandates[ref]; ok {
		m.DaThuHoi = true
		s.mandates[ref] = m
	}
}

// SetWrong makes the check of mandate ref answer invalid with lyDo (a
// planted wrong answer) whatever the record says; "" stops it.
func (s *Sim) SetWrong(ref, lyDo string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lyDo == "" {
		delete(s.wrong, ref)
	} else {
		s.wrong[ref] = lyDo
	}
}

// Checks counts the checks answered (not refused).
func (s *Sim) Checks() int64 { return s.checks.Load() }

// Requests returns the checks answered, in order (who asked, why).
func (s *Sim) Requests() []mandatereg.CheckRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Handler serves the protocol and the control endpoints.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+connector.PathToken, s.Token)
	mux.HandleFunc("POST "+mandatereg.PathCheck, s.Authed(s.check))
	s.Controls(mux)
	mux.HandleFunc("POST /sim/wrong", func(w http.ResponseWriter, r *http.Request) {
		s.SetWrong(r.URL.Query().Get("ref"), r.URL.Query().Get("reason"))
	})
	mux.HandleFunc("POST /sim/revoke", func(w http.ResponseWriter, r *http.Request) { s.Revoke(r.URL.Query().Get("ref")) })
	mux.HandleFunc("POST /sim/mandates", func(w http.ResponseWriter, r *http.Request) {
		var m mandatereg.UyQuyen
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.SoUyQuyen == "" {
			http.Error(w, "an UyQuyen as JSON", http.StatusBadRequest)
			return
		}
		s.Add(m)
	})
	return mux
}

func (s *Sim) check(w http.ResponseWriter, r *http.Request) {
	var q mandatereg.CheckRequest
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.SoUyQuyen == "" || q.NgayKiemTra == "" ||
		q.MaYeuCau == "" || q.MucDich == "" {
		http.Error(w, "SoUyQuyen, NgayKiemTra, MaYeuCau and MucDich are required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	m, known := s.mandates[q.SoUyQuyen]
	planted := s.wrong[q.SoUyQuyen]
	s.log = append(s.log, q)
	s.mu.Unlock()
	s.checks.Add(1)
	out := mandatereg.CheckResponse{MaTraLoi: "UQ-" + rand.Text()[:12], KetQua: mandatereg.ResultInvalid}
	if known {
		out.UyQuyen = &m
	}
	switch {
	case planted != "":
		out.LyDo = planted
	case !known:
		out.LyDo = mandatereg.ReasonNotFound
	case m.NguoiUyQuyen != q.SoDinhDanhNguoiUyQuyen || m.NguoiDuocUyQuyen != q.SoDinhDanhNguoiDuocUyQuyen:
		out.LyDo = mandatereg.ReasonPartiesDiffer
	case m.DaThuHoi:
		out.LyDo = mandatereg.ReasonRevoked
	case (m.HieuLucTu != "" && q.NgayKiemTra < m.HieuLucTu) || (m.HieuLucDen != "" && q.NgayKiemTra > m.HieuLucDen):
		out.LyDo = mandatereg.ReasonExpired
	case len(m.MaThuTuc) > 0 && !slices.Contains(m.MaThuTuc, q.MaThuTuc):
		out.LyDo = mandatereg.ReasonOutOfScope
	default:
		out.KetQua = mandatereg.ResultValid
	}
	simkit.WriteJSON(w, out)
}
