package portalsim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/dvcqg"
	"github.com/motcua/motcua/internal/portalsim"
)

const agency = "000.00.01.H55"

func start(t *testing.T) (*portalsim.Sim, string) {
	t.Helper()
	sim, url, stop, err := portalsim.StartLocal("127.0.0.1:0", portalsim.Options{Credentials: map[string]string{agency: "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return sim, url
}

func post(t *testing.T, url, token string, body any) (int, dvcqg.Response) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out dvcqg.Response
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func token(t *testing.T, url string) string {
	t.Helper()
	b, _ := json.Marshal(dvcqg.TokenRequest{Username: agency, Password: "pw"})
	resp, err := http.Post(url+"/api/token", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr dvcqg.TokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	if tr.ErrorCode != "0" || tr.AccessToken == "" {
		t.Fatalf("token: %+v", tr)
	}
	return tr.AccessToken
}

// valid is a dossier the portal accepts.
func valid() dvcqg.HoSo {
	return dvcqg.HoSo{MaHoSo: agency + "-260301-0001", PhienBan: 1, MaTTHC: "1.000001", TenTTHC: "Cấp phiếu lý lịch tư pháp",
		KenhThucHien: 1, ChuHoSo: "Nguyễn Văn An", LoaiDoiTuong: 1, SoGiayToChuHoSo: "001090000001",
		NgayNopHoSo: "20260301080000", NgayTiepNhan: "20260301080000", NgayHenTra: "20260310170000", TrangThaiHoSo: 2,
		DonViXuLy: agency, TaiLieuNop: []dvcqg.TaiLieu{{TenTepDinhKem: "Tờ khai", MaThanhPhanHoSo: "TK", DuocSoHoa: 1}},
		HoSoCoThanhPhanSoHoa: 1, DinhDanhCHS: []dvcqg.DinhDanh{{LoaiDinhDanh: 1, SoDinhDanh: "001090000001"}}}
}

func sync(h dvcqg.HoSo, update bool) dvcqg.Request {
	return dvcqg.Request{Service: dvcqg.ServiceSyncDossier, IsUpdating: update, Data: []dvcqg.HoSo{h}}
}

func TestSimulatorRefusesMalformedFields(t *testing.T) {
	sim, url := start(t)
	tok := token(t, url)
	api := url + "/api/dvc"
	cases := []struct {
		name  string
		edit  func(h *dvcqg.HoSo)
		field string
	}{
		{"date format", func(h *dvcqg.HoSo) { h.NgayTiepNhan = "2026-03-01 08:00" }, "data[0].NgayTiepNhan"},
		{"impossible date", func(h *dvcqg.HoSo) { h.NgayHenTra = "20260231170000" }, "data[0].NgayHenTra"},
		{"status code", func(h *dvcqg.HoSo) { h.TrangThaiHoSo = 11 }, "data[0].TrangThaiHoSo"},
		{"channel", func(h *dvcqg.HoSo) { h.KenhThucHien = 0 }, "data[0].KenhThucHien"},
		{"code shape", func(h *dvcqg.HoSo) { h.MaHoSo = "H55/2026/1" }, "data[0].MaHoSo"},
		{"owner missing", func(h *dvcqg.HoSo) { h.ChuHoSo = "" }, "data[0].ChuHoSo"},
		{"received status needs NgayTiepNhan", func(h *dvcqg.HoSo) { h.NgayTiepNhan, h.NgayHenTra = "", "" }, "data[0].NgayTiepNhan"},
		{"resolved needs NgayKetThucXuLy", func(h *dvcqg.HoSo) { h.TrangThaiHoSo = 9 }, "data[0].NgayKetThucXuLy"},
		{"due before receipt", func(h *dvcqg.HoSo) { h.NgayHenTra = "20260201080000" }, "data[0].NgayHenTra"},
		{"MaDoiTuong offline", func(h *dvcqg.HoSo) { h.MaDoiTuong = "tech-1" }, "data[0].MaDoiTuong"},
		{"digitised flag", func(h *dvcqg.HoSo) { h.TaiLieuNop[0].DuocSoHoa = 2 }, "data[0].TaiLieuNop[0].DuocSoHoa"},
		{"digitised summary", func(h *dvcqg.HoSo) { h.HoSoCoThanhPhanSoHoa = 0 }, "data[0].HoSoCoThanhPhanSoHoa"},
		{"ID digits", func(h *dvcqg.HoSo) { h.DinhDanhCHS[0].SoDinhDanh = "12345" }, "data[0].DinhDanhCHS[0].SoDinhDanh"},
		{"fee kind", func(h *dvcqg.HoSo) {
			h.DanhSachLePhi = []dvcqg.LePhi{{TenPhiLePhi: "Lệ phí", MaPhiLePhi: "LP", HinhThucThu: 1, Gia: 200000, LoaiPhiLePhi: 3}}
		}, "data[0].DanhSachLePhi[0].LoaiPhiLePhi"},
		{"version", func(h *dvcqg.HoSo) { h.PhienBan = 0 }, "data[0].PhienBan"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := valid()
			tc.edit(&h)
			status, resp := post(t, api, tok, sync(h, false))
			if status != http.StatusOK || resp.ErrorCode != dvcqg.CodeInvalid {
				t.Fatalf("HTTP %d %+v; want error_code 1", status, resp)
			}
			found := false
			for _, e := range resp.Errors {
				found = found || e.Field == tc.field
			}
			if !found {
				t.Fatalf("errors %+v do not name %s", resp.Errors, tc.field)
			}
		})
	}
	t.Run("unknown field", func(t *testing.T) {
		body := `{"service":"DongBoHoSoMC","isUpdating":false,"data":[{"MaHoSo":"x","Extra":1}]}`
		if _, resp := post(t, api, tok, body); resp.ErrorCode != dvcqg.CodeInvalid || !strings.Contains(resp.Message, "Extra") {
			t.Fatalf("%+v", resp)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		if status, resp := post(t, api, tok, "{"); status != http.StatusBadRequest || resp.ErrorCode != dvcqg.CodeInvalid {
			t.Fatalf("HTTP %d %+v", status, resp)
		}
	})
	t.Run("unknown service", func(t *testing.T) {
		if _, resp := post(t, api, tok, dvcqg.Request{Service: "XoaHoSo", Data: []int{}}); resp.ErrorCode != dvcqg.CodeInvalid {
			t.Fatalf("%+v", resp)
		}
	})
	if n := len(sim.Records()); n != 0 {
		t.Fatalf("the portal kept %d refused dossiers", n)
	}
}

func TestSimulatorProtocol(t *testing.T) {
	sim, url := start(t)
	api := url + "/api/dvc"
	if status, resp := post(t, api, "", sync(valid(), false)); status != http.StatusUnauthorized || resp.ErrorCode != dvcqg.CodeAuth {
		t.Fatalf("no token: HTTP %d %+v", status, resp)
	}
	b, _ := json.Marshal(dvcqg.TokenRequest{Username: agency, Password: "wrong"})
	if resp, err := http.Post(url+"/api/token", "application/json", bytes.NewReader(b)); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad password: %v %v", resp, err)
	}
	tok := token(t, url)
	other := valid()
	other.MaHoSo = "000.00.02.H55-260301-0001"
	if _, resp := post(t, api, tok, sync(other, false)); resp.ErrorCode != dvcqg.CodeAuth {
		t.Fatalf("another agency's dossier: %+v", resp)
	}
	h := valid()
	if _, resp := post(t, api, tok, sync(h, true)); resp.ErrorCode != dvcqg.CodeNotFound {
		t.Fatalf("update of an unknown dossier: %+v", resp)
	}
	if _, resp := post(t, api, tok, sync(h, false)); resp.ErrorCode != dvcqg.CodeOK {
		t.Fatalf("create: %+v", resp)
	}
	if _, resp := post(t, api, tok, sync(h, false)); resp.ErrorCode != dvcqg.CodeExists || !strings.Contains(resp.Message, "đã tồn tại") {
		t.Fatalf("create again: %+v", resp)
	}
	h.PhienBan, h.TrangThaiHoSo = 3, 4
	if _, resp := post(t, api, tok, sync(h, true)); resp.ErrorCode != dvcqg.CodeOK {
		t.Fatalf("update: %+v", resp)
	}
	older := valid()
	older.PhienBan = 2
	if _, resp := post(t, api, tok, sync(older, true)); resp.ErrorCode != dvcqg.CodeStale {
		t.Fatalf("older version: %+v", resp)
	}
	row := dvcqg.TienDo{MaHoSo: h.MaHoSo, NguoiXuLy: "cb-1", ChucDanh: "Chuyên viên", ThoiDiemXuLy: "20260302090000",
		PhongBanXuLy: "000.01.01.H55", NoiDungXuLy: "Thẩm định", TrangThai: 4, NgayBatDau: "20260301090000", NgayKetThucTheoQuyDinh: "20260305170000"}
	if _, resp := post(t, api, tok, dvcqg.Request{Service: dvcqg.ServiceSyncProgress, Data: []dvcqg.TienDo{row, row}}); resp.ErrorCode != dvcqg.CodeOK {
		t.Fatalf("progress: %+v", resp)
	}
	bad := row
	bad.NgayKetThucTheoQuyDinh = "20260228170000"
	if _, resp := post(t, api, tok, dvcqg.Request{Service: dvcqg.ServiceSyncProgress, Data: []dvcqg.TienDo{bad}}); resp.ErrorCode != dvcqg.CodeInvalid {
		t.Fatalf("progress due before start: %+v", resp)
	}
	if rec, _ := sim.Record(h.MaHoSo); rec.HoSo.PhienBan != 3 || len(rec.TienDo) != 1 {
		t.Fatalf("record: %+v", rec)
	}
	_, resp := post(t, api, tok, dvcqg.Request{Service: dvcqg.ServiceLookupDossiers, Data: []dvcqg.TraCuu{{MaHoSo: h.MaHoSo}, {MaHoSo: agency + "-260301-0002"}}})
	if resp.ErrorCode != dvcqg.CodeOK || len(resp.Result) != 1 || resp.Result[0].TrangThaiHoSo != 4 {
		t.Fatalf("lookup: %+v", resp)
	}

	// Faults through the admin endpoints.
	for _, body := range []string{`{"fail_next":1,"fail_status":502}`, `{"down":true}`} {
		r, err := http.Post(url+"/admin/faults", "application/json", strings.NewReader(body))
		if err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("faults %s: %v %v", body, r, err)
		}
		r.Body.Close()
		want := map[bool]int{true: 503, false: 502}[strings.Contains(body, "down")]
		if status, _ := post(t, api, tok, sync(h, true)); status != want {
			t.Fatalf("with %s: HTTP %d, want %d", body, status, want)
		}
	}
	sim.SetFaults(portalsim.Faults{DelayMS: 200})
	begin := time.Now()
	post(t, api, tok, sync(h, true))
	if time.Since(begin) < 200*time.Millisecond {
		t.Fatal("not slowed down")
	}
	sim.SetFaults(portalsim.Faults{})
	r, _ := http.Post(url+"/admin/diverge", "application/json", strings.NewReader(`{"MaHoSo":"`+h.MaHoSo+`","KenhThucHien":2}`))
	r.Body.Close()
	if rec, _ := sim.Record(h.MaHoSo); rec.HoSo.KenhThucHien != 2 || !rec.Divergence {
		t.Fatalf("diverge: %+v", rec)
	}
}

// TestSimulatorFile: what the portal accepted survives a restart.
func TestSimulatorFile(t *testing.T) {
	file := t.TempDir() + "/portal.json"
	opts := portalsim.Options{Credentials: map[string]string{agency: "pw"}, File: file}
	_, url, stop, err := portalsim.StartLocal("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, resp := post(t, url+"/api/dvc", token(t, url), sync(valid(), false)); resp.ErrorCode != "0" {
		t.Fatalf("%+v", resp)
	}
	stop()
	sim, err := portalsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sim.Record(valid().MaHoSo); !ok {
		t.Fatal("lost across a restart")
	}
}
