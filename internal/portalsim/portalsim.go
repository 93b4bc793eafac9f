// Package portalsim is a simulator of the national public service portal
// (DVCQG) for tests, the demo and newcomers: an HTTP server that speaks the
// synchronisation protocol of package dvcqg over the network, checks every
// field and format the way the portal refuses them, keeps what it accepted
// (in memory, optionally in a JSON file), answers look-ups with its copy,
// and can be told to fail, slow down, reject or diverge so that tests can
// prove retries, dead-lettering, ordering and reconciliation
// (docs/portal-sync.md, "The simulator").
//
// Endpoints:
//
//	POST /api/token   {"username","password"} → {"error_code":"0","access_token",…}
//	POST /api/dvc     Authorization: Bearer <token>; {"service","isUpdating","data":[…]}
//	GET  /admin/dossiers[/{MaHoSo}]   what the portal holds
//	GET  /admin/log                   every accepted DongBoHoSoMC, in order
//	POST /admin/faults                {"down","fail_next","fail_status","delay_ms","reject"}
//	POST /admin/diverge               plant a divergence: {"MaHoSo", fields to overwrite…}
//	DELETE /admin/dossiers/{MaHoSo}   forget a dossier (reconciliation reports it missing)
//	POST /admin/reset                 forget everything and clear the faults
//
// The admin endpoints need the admin token when one is set.
package portalsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/dvcqg"
)

// Options configure a simulator.
type Options struct {
	// Credentials are the agencies' usernames (their agency codes) and
	// passwords. A token lets its agency send only dossiers whose code
	// starts with its agency code.
	Credentials map[string]string
	// TokenTTL is how long a token is valid (default an hour).
	TokenTTL time.Duration
	// File, if set, keeps the dossiers across restarts (JSON, rewritten
	// after every change).
	File string
	// AdminToken, if set, is required as a Bearer token on /admin/.
	AdminToken string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives one line per refused call (default: discard).
	Logger *slog.Logger
}

// Faults is what the simulator is told to do wrong.
type Faults struct {
	// Down answers every call (token and service) 503.
	Down bool `json:"down"`
	// FailNext answers the next N service calls with FailStatus.
	FailNext int `json:"fail_next"`
	// FailStatus is the HTTP status of injected failures (default 500).
	FailStatus int `json:"fail_status"`
	// DelayMS delays every answer.
	DelayMS int `json:"delay_ms"`
	// Reject refuses every DongBoHoSoMC with error_code 1 and this message.
	Reject string `json:"reject"`
}

// Record is what the portal holds of one dossier.
type Record struct {
	HoSo       dvcqg.HoSo     `json:"HoSo"`
	TienDo     []dvcqg.TienDo `json:"TienDo"`
	Agency     string         `json:"agency"`
	UpdatedAt  time.Time      `json:"updated_at"`
	Divergence bool           `json:"divergence,omitempty"` // planted through /admin/diverge
}

// Accepted is one accepted DongBoHoSoMC, for ordering checks.
type Accepted struct {
	MaHoSo        string    `json:"MaHoSo"`
	PhienBan      int64     `json:"PhienBan"`
	TrangThaiHoSo int       `json:"TrangThaiHoSo"`
	At            time.Time `json:"at"`
}

// Stats counts what the simulator answered.
type Stats struct {
	Calls    int `json:"calls"`
	Accepted int `json:"accepted"`
	Refused  int `json:"refused"` // every refusal but stale
	Invalid  int `json:"invalid"` // of them, error_code 1: a malformed field or request
	Stale    int `json:"stale"`
	Failed   int `json:"failed"` // injected failures
}

type token struct {
	agency string
	expiry time.Time
}

// Sim is the simulator; it is an http.Handler.
type Sim struct {
	opts Options
	loc  *time.Location
	mux  *http.ServeMux

	mu      sync.Mutex
	tokens  map[string]token
	records map[string]*Record
	log     []Accepted
	faults  Faults
	stats   Stats
}

// New returns a simulator, loading opts.File if it exists.
func New(opts Options) (*Sim, error) {
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	loc, err := time.LoadLocation(domain.DefaultTimeZone)
	if err != nil {
		return nil, err
	}
	s := &Sim{opts: opts, loc: loc, tokens: map[string]token{}, records: map[string]*Record{}}
	if opts.File != "" {
		b, err := os.ReadFile(opts.File)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &s.records); err != nil {
				return nil, fmt.Errorf("portal simulator: reading %s: %w", opts.File, err)
			}
		case !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /api/token", s.token)
	s.mux.HandleFunc("POST /api/dvc", s.service)
	s.mux.HandleFunc("GET /admin/dossiers", s.admin(s.listRecords))
	s.mux.HandleFunc("GET /admin/dossiers/{code}", s.admin(s.getRecord))
	s.mux.HandleFunc("DELETE /admin/dossiers/{code}", s.admin(s.deleteRecord))
	s.mux.HandleFunc("GET /admin/log", s.admin(s.acceptedLog))
	s.mux.HandleFunc("GET /admin/stats", s.admin(s.statsHandler))
	s.mux.HandleFunc("POST /admin/faults", s.admin(s.setFaults))
	s.mux.HandleFunc("POST /admin/diverge", s.admin(s.diverge))
	s.mux.HandleFunc("POST /admin/reset", s.admin(s.reset))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Serve answers on l until ctx ends.
func (s *Sim) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// SetFaults replaces the faults.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Record returns a copy of what the portal holds of a dossier.
func (s *Sim) Record(code string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[code]
	if !ok {
		return Record{}, false
	}
	return *r, true
}

// Records returns a copy of every record, by code.
func (s *Sim) Records() map[string]Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Record, len(s.records))
	for k, r := range s.records {
		out[k] = *r
	}
	return out
}

// Log returns every accepted DongBoHoSoMC in the order accepted.
func (s *Sim) Log() []Accepted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Accepted(nil), s.log...)
}

// Stats returns the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Diverge overwrites fields of a held dossier as if the portal's copy had
// drifted: the non-empty/non-zero fields of patch replace the copy's.
func (s *Sim) Diverge(code string, patch dvcqg.HoSo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[code]
	if !ok {
		return fmt.Errorf("no dossier %s", code)
	}
	if patch.TrangThaiHoSo != 0 {
		r.HoSo.TrangThaiHoSo = patch.TrangThaiHoSo
	}
	if patch.KenhThucHien != 0 {
		r.HoSo.KenhThucHien = patch.KenhThucHien
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{{&r.HoSo.NgayTiepNhan, patch.NgayTiepNhan},
		{&r.HoSo.NgayHenTra, patch.NgayHenTra}, {&r.HoSo.NgayKetThucXuLy, patch.NgayKetThucXuLy}, {&r.HoSo.NgayTra, patch.NgayTra}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	r.Divergence = true
	return s.saveLocked()
}

// Forget drops a dossier, as if it had never reached the portal.
func (s *Sim) Forget(code string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.records[code]
	delete(s.records, code)
	_ = s.saveLocked()
	return ok
}

func (s *Sim) saveLocked() error {
	if s.opts.File == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.records, "", " ")
	if err != nil {
		return err
	}
	tmp := s.opts.File + ".tmp"
	if err := os.MkdirAll(filepath.Dir(s.opts.File), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.opts.File)
}

// maxBody bounds a request body: 10 progress rows or a dossier with its
// lists fit well within it.
const maxBody = 4 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fault applies the delay and the outage; it reports whether it answered.
func (s *Sim) fault(w http.ResponseWriter, r *http.Request, service bool) bool {
	s.mu.Lock()
	f := s.faults
	failed := false
	if service {
		s.stats.Calls++
		if f.Down || f.FailNext > 0 {
			failed = true
			s.stats.Failed++
			if f.FailNext > 0 {
				s.faults.FailNext--
			}
		}
	} else if f.Down {
		failed = true
	}
	s.mu.Unlock()
	if f.DelayMS > 0 {
		select {
		case <-time.After(time.Duration(f.DelayMS) * time.Millisecond):
		case <-r.Context().Done():
			return true
		}
	}
	if !failed {
		return false
	}
	status := f.FailStatus
	if status == 0 || f.Down {
		status = http.StatusServiceUnavailable
		if !f.Down {
			status = http.StatusInternalServerError
		}
	}
	writeJSON(w, status, dvcqg.Response{ErrorCode: fmt.Sprint(status), Message: "Hệ thống đang bận, vui lòng thử lại sau (simulated failure)"})
	return true
}

func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, false) {
		return
	}
	var req dvcqg.TokenRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, dvcqg.TokenResponse{ErrorCode: dvcqg.CodeInvalid, Message: "yêu cầu không hợp lệ: " + err.Error()})
		return
	}
	want, ok := s.opts.Credentials[req.Username]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(req.Password)) != 1 {
		s.opts.Logger.Info("portal simulator: refused credentials", "username", req.Username)
		writeJSON(w, http.StatusUnauthorized, dvcqg.TokenResponse{ErrorCode: dvcqg.CodeAuth, Message: "sai tên đăng nhập hoặc mật khẩu"})
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	t := hex.EncodeToString(b)
	s.mu.Lock()
	now := s.opts.Now()
	for k, v := range s.tokens { // expired tokens go
		if now.After(v.expiry) {
			delete(s.tokens, k)
		}
	}
	s.tokens[t] = token{agency: req.Username, expiry: now.Add(s.opts.TokenTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, dvcqg.TokenResponse{ErrorCode: dvcqg.CodeOK, AccessToken: t, ExpiresIn: int(s.opts.TokenTTL.Seconds())})
}

// envelope is Request with its data left raw, decoded per service.
type envelope struct {
	Service    string          `json:"service"`
	IsUpdating bool            `json:"isUpdating"`
	Data       json.RawMessage `json:"data"`
}

func (s *Sim) service(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, true) {
		return
	}
	agency, ok := s.bearer(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, dvcqg.Response{ErrorCode: dvcqg.CodeAuth, Message: "token không hợp lệ hoặc đã hết hạn"})
		return
	}
	var env envelope
	if err := strictDecode(io.LimitReader(r.Body, maxBody), &env); err != nil {
		s.refuse(w, http.StatusBadRequest, dvcqg.Response{ErrorCode: dvcqg.CodeInvalid, Message: "dữ liệu không đúng định dạng JSON: " + err.Error()})
		return
	}
	var resp dvcqg.Response
	switch env.Service {
	case dvcqg.ServiceSyncDossier:
		resp = s.syncDossier(agency, env)
	case dvcqg.ServiceSyncProgress:
		resp = s.syncProgress(agency, env)
	case dvcqg.ServiceLookupDossiers:
		resp = s.lookup(agency, env)
	default:
		resp = dvcqg.Response{ErrorCode: dvcqg.CodeInvalid, Message: fmt.Sprintf("dịch vụ %q không tồn tại", env.Service),
			Errors: []dvcqg.FieldError{{Field: "service", Message: "unknown service"}}}
	}
	status := http.StatusOK
	if resp.ErrorCode == dvcqg.CodeAuth {
		status = http.StatusForbidden
	}
	if resp.ErrorCode != dvcqg.CodeOK {
		s.refuse(w, status, resp)
		return
	}
	writeJSON(w, status, resp)
}

func (s *Sim) refuse(w http.ResponseWriter, status int, resp dvcqg.Response) {
	s.mu.Lock()
	if resp.ErrorCode == dvcqg.CodeStale {
		s.stats.Stale++
	} else {
		s.stats.Refused++
	}
	if resp.ErrorCode == dvcqg.CodeInvalid {
		s.stats.Invalid++
	}
	s.mu.Unlock()
	s.opts.Logger.Info("portal simulator: refused", "error_code", resp.ErrorCode, "message", resp.Message, "errors", len(resp.Errors))
	writeJSON(w, status, resp)
}

func strictDecode(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func (s *Sim) bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	t, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens[t]
	if !ok || s.opts.Now().After(tok.expiry) {
		return "", false
	}
	return tok.agency, true
}

// owns reports whether a token of agency may send the dossier code.
func owns(agency, code string) bool { return strings.HasPrefix(code, agency+"-") }

func invalid(errs []dvcqg.FieldError) dvcqg.Response {
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.Field+": "+e.Message)
	}
	return dvcqg.Response{ErrorCode: dvcqg.CodeInvalid, Message: "dữ liệu không hợp lệ: " + strings.Join(msgs, "; "), Errors: errs}
}

func (s *Sim) syncDossier(agency string, env envelope) dvcqg.Response {
	var data []dvcqg.HoSo
	if err := strictDecode(bytes.NewReader(env.Data), &data); err != nil {
		return dvcqg.Response{ErrorCode: dvcqg.CodeInvalid, Message: "data: " + err.Error(), Errors: []dvcqg.FieldError{{Field: "data", Message: err.Error()}}}
	}
	if len(data) != 1 {
		return invalid([]dvcqg.FieldError{{Field: "data", Message: "gửi đúng một hồ sơ mỗi lần (exactly one dossier per call)"}})
	}
	h := data[0]
	if errs := checkHoSo(&h, "data[0].", s.loc); len(errs) > 0 {
		return invalid(errs)
	}
	if !owns(agency, h.MaHoSo) {
		return dvcqg.Response{ErrorCode: dvcqg.CodeAuth, Message: fmt.Sprintf("hồ sơ %s không thuộc đơn vị %s", h.MaHoSo, agency)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.Reject != "" {
		return dvcqg.Response{ErrorCode: dvcqg.CodeInvalid, Message: s.faults.Reject}
	}
	old, exists := s.records[h.MaHoSo]
	switch {
	case !env.IsUpdating && exists:
		return dvcqg.Response{ErrorCode: dvcqg.CodeExists, Message: fmt.Sprintf("Hồ sơ %s đã tồn tại", h.MaHoSo)}
	case env.IsUpdating && !exists:
		return dvcqg.Response{ErrorCode: dvcqg.CodeNotFound, Message: fmt.Sprintf("Hồ sơ %s không tồn tại", h.MaHoSo)}
	case exists && old.HoSo.PhienBan > h.PhienBan:
		return dvcqg.Response{ErrorCode: dvcqg.CodeStale, Message: fmt.Sprintf("Hồ sơ %s đã có phiên bản mới hơn (%d > %d)", h.MaHoSo, old.HoSo.PhienBan, h.PhienBan)}
	}
	now := s.opts.Now()
	rec := &Record{HoSo: h, Agency: agency, UpdatedAt: now}
	if exists {
		rec.TienDo = old.TienDo
	}
	s.records[h.MaHoSo] = rec
	s.log = append(s.log, Accepted{MaHoSo: h.MaHoSo, PhienBan: h.PhienBan, TrangThaiHoSo: h.TrangThaiHoSo, At: now})
	s.stats.Accepted++
	if err := s.saveLocked(); err != nil {
		return dvcqg.Response{ErrorCode: "500", Message: err.Error()}
	}
	return dvcqg.Response{ErrorCode: dvcqg.CodeOK, Message: "Đồng bộ thành công"}
}

// progressKey identifies a progress row: the same step started at the same
// time by the same unit is one row, updated in place.
func progressKey(t dvcqg.TienDo) string {
	return t.NgayBatDau + "|" + t.PhongBanXuLy + "|" + t.NoiDungXuLy
}

func (s *Sim) syncProgress(agency string, env envelope) dvcqg.Response {
	var data []dvcqg.TienDo
	if err := strictDecode(bytes.NewReader(env.Data), &data); err != nil {
		return dvcqg.Response{ErrorCode: dvcqg.CodeInvalid, Message: "data: " + err.Error(), Errors: []dvcqg.FieldError{{Field: "data", Message: err.Error()}}}
	}
	if len(data) == 0 || len(data) > dvcqg.ProgressChunk {
		return invalid([]dvcqg.FieldError{{Field: "data", Message: fmt.Sprintf("từ 1 đến %d dòng tiến độ mỗi lần (1 to %d rows per call)", dvcqg.ProgressChunk, dvcqg.ProgressChunk)}})
	}
	var errs []dvcqg.FieldError
	for i := range data {
		errs = append(errs, checkTienDo(&data[i], fmt.Sprintf("data[%d].", i), s.loc)...)
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range data {
		if !owns(agency, t.MaHoSo) {
			return dvcqg.Response{ErrorCode: dvcqg.CodeAuth, Message: fmt.Sprintf("hồ sơ %s không thuộc đơn vị %s", t.MaHoSo, agency)}
		}
		if _, ok := s.records[t.MaHoSo]; !ok {
			return dvcqg.Response{ErrorCode: dvcqg.CodeNotFound, Message: fmt.Sprintf("Hồ sơ %s không tồn tại", t.MaHoSo)}
		}
	}
	for _, t := range data {
		rec := s.records[t.MaHoSo]
		replaced := false
		for i := range rec.TienDo {
			if progressKey(rec.TienDo[i]) == progressKey(t) {
				rec.TienDo[i], replaced = t, true
			}
		}
		if !replaced {
			rec.TienDo = append(rec.TienDo, t)
		}
	}
	if err := s.saveLocked(); err != nil {
		return dvcqg.Response{ErrorCode: "500", Message: err.Error()}
	}
	return dvcqg.Response{ErrorCode: dvcqg.CodeOK, Message: "Cập nhật tiến độ thành công"}
}

func (s *Sim) lookup(agency string, env envelope) dvcqg.Response {
	var data []dvcqg.TraCuu
	if err := strictDecode(bytes.NewReader(env.Data), &data); err != nil {
		return dvcqg.Response{ErrorCode: dvcqg.CodeInvalid, Message: "data: " + err.Error()}
	}
	if len(data) == 0 || len(data) > dvcqg.LookupChunk {
		return invalid([]dvcqg.FieldError{{Field: "data", Message: fmt.Sprintf("từ 1 đến %d mã hồ sơ mỗi lần", dvcqg.LookupChunk)}})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := dvcqg.Response{ErrorCode: dvcqg.CodeOK, Result: []dvcqg.HoSo{}}
	for i, q := range data {
		if !codePattern.MatchString(q.MaHoSo) {
			return invalid([]dvcqg.FieldError{{Field: fmt.Sprintf("data[%d].MaHoSo", i), Message: "mã hồ sơ không đúng cấu trúc"}})
		}
		if !owns(agency, q.MaHoSo) {
			continue // another agency's dossier is not visible: reported as not found
		}
		if r, ok := s.records[q.MaHoSo]; ok {
			out.Result = append(out.Result, r.HoSo)
		}
	}
	return out
}

// admin wraps an admin handler with the admin token check.
func (s *Sim) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.AdminToken != "" {
			t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(t), []byte(s.opts.AdminToken)) != 1 {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "admin token required"})
				return
			}
		}
		h(w, r)
	}
}

func (s *Sim) listRecords(w http.ResponseWriter, _ *http.Request) {
	recs := s.Records()
	codes := make([]string, 0, len(recs))
	for c := range recs {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	out := make([]Record, 0, len(codes))
	for _, c := range codes {
		out = append(out, recs[c])
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) getRecord(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.Record(r.PathValue("code"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not held"})
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Sim) deleteRecord(w http.ResponseWriter, r *http.Request) {
	if !s.Forget(r.PathValue("code")) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not held"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) acceptedLog(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Log())
}

func (s *Sim) statsHandler(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Sim) setFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := strictDecode(io.LimitReader(r.Body, 64<<10), &f); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if f.FailNext < 0 || f.DelayMS < 0 || (f.FailStatus != 0 && (f.FailStatus < 400 || f.FailStatus > 599)) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "fail_next and delay_ms are >= 0; fail_status is 4xx or 5xx"})
		return
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, f)
}

func (s *Sim) diverge(w http.ResponseWriter, r *http.Request) {
	var patch dvcqg.HoSo
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&patch); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if err := s.Diverge(patch.MaHoSo, patch); err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	rec, _ := s.Record(patch.MaHoSo)
	writeJSON(w, http.StatusOK, rec)
}

func (s *Sim) reset(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.records, s.log, s.faults, s.stats = map[string]*Record{}, nil, Faults{}, Stats{}
	err := s.saveLocked()
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// StartLocal serves a simulator on addr ("127.0.0.1:0" for any free port)
// in the background, for tests and the demo. It returns the simulator,
// its base URL and a stop function.
func StartLocal(addr string, opts Options) (*Sim, string, func(), error) {
	s, err := New(opts)
	if err != nil {
		return nil, "", nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(ctx, l)
	}()
	return s, "http://" + l.Addr().String(), func() { cancel(); <-done }, nil
}
