// Package bizregsim simulates the national business registration system
// over HTTP on 127.0.0.1, speaking internal/bizreg's protocol: an OAuth2
// token, hand-offs idempotent by MaHoSo, statuses that change on demand,
// latency, outages (`motcua sim bizreg`).
package bizregsim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motcua/motcua/internal/bizreg"
	"github.com/motcua/motcua/internal/connector"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/simkit"
)

// Default client credentials the simulator accepts.
const (
	ClientID     = "motcua"
	ClientSecret = "motcua-sim-secret"
)

// Sim is a running simulator.
type Sim struct {
	mu    sync.Mutex
	byKey map[string]*bizreg.Answer // by MaHoSo
	forms map[string]map[string]string
	// Gate: tokens, outage and the delay (SetDown; the delay is applied
	// after a call is recorded, see SetDelay).
	*simkit.Gate
	seq int
	// onRegister is told each register call's MaHoSo once the registry
	// recorded it, before the answer (and its delay) goes back.
	onRegister func(maHoSo string)
	calls      atomic.Int64
	srv        *http.Server
	ln         net.Listener
}

// Start listens on addr ("127.0.0.1:0" for any port) and serves.
func Start(addr string) (*Sim, error) {
	s := &Sim{byKey: map[string]*bizreg.Answer{}, forms: map[string]map[string]string{}, Gate: simkit.New(ClientID, ClientSecret, false)}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the simulator's base URL.
func (s *Sim) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the simulator.
func (s *Sim) Close() error { return s.srv.Close() }

// SetDelay makes the registry wait d after recording a register call (or
// reading a status) before it answers: a hand-off is then in flight with
// the registry already holding it, the worst moment for motcua to die.
func (s *Sim) SetDelay(d time.Duration) { s.Gate.SetDelay(d) }

// OnRegister calls f with the MaHoSo of every register call once the
// registry recorded it, before it answers (f must not block).
func (s *Sim) OnRegister(f func(maHoSo string)) { s.mu.Lock(); s.onRegister = f; s.mu.Unlock() }

// SetStatus changes a hand-off's status (the registry's decision).
func (s *Sim) SetStatus(maHoSo, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.byKey[maHoSo]
	if ok {
		a.TrangThai = status
	}
	return ok
}

// Registrations is how many distinct dossiers were registered.
func (s *Sim) Registrations() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.byKey) }

// Calls counts the register calls answered (repeats included).
func (s *Sim) Calls() int64 { return s.calls.Load() }

// Form returns what was registered for a dossier.
func (s *Sim) Form(maHoSo string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forms[maHoSo]
}

func (s *Sim) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+connector.PathToken, s.Token)
	mux.HandleFunc("POST "+bizreg.PathRegister, s.Authed(s.register))
	mux.HandleFunc("POST "+bizreg.PathStatus, s.Authed(s.status))
	s.Controls(mux)
	mux.HandleFunc("POST /sim/status", func(w http.ResponseWriter, r *http.Request) {
		if !s.SetStatus(r.URL.Query().Get("id"), r.URL.Query().Get("status")) {
			http.Error(w, "no such MaHoSo", http.StatusNotFound)
		}
	})
	return mux
}

func (s *Sim) register(w http.ResponseWriter, r *http.Request) {
	var q bizreg.RegisterRequest
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.MaHoSo == "" || len(q.DuLieu) == 0 {
		http.Error(w, "MaHoSo and DuLieu are required", http.StatusBadRequest)
		return
	}
	s.calls.Add(1)
	s.mu.Lock()
	a, ok := s.byKey[q.MaHoSo]
	if !ok { // idempotent by MaHoSo: a repeat returns the first answer
		s.seq++
		a = &bizreg.Answer{MaDoanhNghiep: fmt.Sprintf("01%08d", s.seq), MaTiepNhan: fmt.Sprintf("TN-%06d", s.seq),
			TrangThai: domain.RegistryReceived}
		s.byKey[q.MaHoSo] = a
		s.forms[q.MaHoSo] = q.DuLieu
	}
	out, hook := *a, s.onRegister
	s.mu.Unlock()
	if hook != nil {
		hook(q.MaHoSo)
	}
	simkit.Wait(r, s.Delay())
	simkit.WriteJSON(w, out)
}

func (s *Sim) status(w http.ResponseWriter, r *http.Request) {
	var q bizreg.StatusRequest
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.MaHoSo == "" {
		http.Error(w, "MaHoSo is required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	a, ok := s.byKey[q.MaHoSo]
	out := bizreg.Answer{TrangThai: "KHONG_TIM_THAY"}
	if ok {
		out = *a
	}
	s.mu.Unlock()
	simkit.Wait(r, s.Delay())
	simkit.WriteJSON(w, out)
}
