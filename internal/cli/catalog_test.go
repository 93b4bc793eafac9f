package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/testenv"
)

// generatedCatalog is a file of n procedures of 11 agencies, each procedure
// with a version in force and every tenth with one to come.
func generatedCatalog(n int) catalogFile {
	f := catalogFile{CoQuan: []fileAgency{{MaCoQuan: "000.00.00.H57", TenCoQuan: "Ủy ban nhân dân tỉnh Thử"}}}
	for d := 1; d <= 10; d++ {
		f.CoQuan = append(f.CoQuan, fileAgency{MaCoQuan: fmt.Sprintf("000.00.%02d.H57", d), TenCoQuan: fmt.Sprintf("Sở số %d", d), MaCoQuanCha: "000.00.00.H57"})
	}
	for i := 1; i <= n; i++ {
		unit := fmt.Sprintf("000.00.%02d.H57", i%10+1)
		v := fileVersion{NgayHieuLuc: "20250101000000", MucDoDVC: "MOT_PHAN", ThoiHanGiaiQuyet: float64(i%20 + 1), GioChotTiepNhan: "16:00",
			ThanhPhanHoSo: []fileComponent{{MaThanhPhanHoSo: "DON", TenThanhPhanHoSo: "Đơn đề nghị", BatBuoc: true, SoBanGiay: 1},
				{MaThanhPhanHoSo: "CCCD", TenThanhPhanHoSo: "Bản sao Căn cước"}},
			DanhSachLePhi: []fileFee{{MaPhiLePhi: "LP", TenPhiLePhi: "Lệ phí", LoaiPhiLePhi: 2, Gia: int64(i * 1000)}},
			QuyTrinh: []fileStep{{TenBuoc: "Tiếp nhận", MaDonVi: "000.00.01.H57", VaiTro: "MOT_CUA", SoGioXuLy: 0.5},
				{TenBuoc: "Thẩm định", MaDonVi: unit, VaiTro: "CHUYEN_VIEN", SoGioXuLy: 1.0 / 3}, // rounded to a minute by the server
				{TenBuoc: "Phê duyệt", MaDonVi: unit, VaiTro: "LANH_DAO", SoGioXuLy: 4}}}
		p := fileProcedure{MaTTHC: fmt.Sprintf("2.%06d", i), TenTTHC: fmt.Sprintf("Thủ tục số %d", i), MaLinhVuc: fmt.Sprintf("LV%02d", i%7),
			TenLinhVuc: "Lĩnh vực thử", MaCoQuanThucHien: unit, PhienBan: []fileVersion{v}}
		if i%10 == 0 {
			next := v
			next.NgayHieuLuc, next.ThoiHanGiaiQuyet = "20300701080000", v.ThoiHanGiaiQuyet+1
			p.PhienBan = append(p.PhienBan, next)
		}
		f.ThuTuc = append(f.ThuTuc, p)
	}
	return f
}

func writeCatalog(t *testing.T, f catalogFile) (string, []byte) {
	t.Helper()
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, data
}

func countProcedures(t *testing.T, e *testenv.Env) int {
	t.Helper()
	n := 0
	for token := ""; ; {
		resp, err := e.Catalog.ListProcedures(e.As(t, testenv.Admin), &pb.ListProceduresRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		n += len(resp.GetProcedures())
		if token = resp.GetNextPageToken(); token == "" {
			return n
		}
	}
}

func TestCatalogImportThousandTwice(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{NoDemo: true})
			admin := e.Token(t, testenv.Admin)
			path, _ := writeCatalog(t, generatedCatalog(1000))
			imp := func(extra ...string) (string, string) {
				t.Helper()
				out, errOut, err := runCLI(append([]string{"catalog", "import", path, "--addr", e.Addr, "--token", admin, "--timeout", "30s"}, extra...)...)
				if err != nil {
					t.Fatalf("import %v: %v\n%s", extra, err, errOut)
				}
				return out, errOut
			}

			before := e.CountRows(t)
			out, _ := imp("--dry-run")
			if !strings.Contains(out, "agencies 11 added, 0 unchanged; procedures 1000 added, 0 changed (0 versions added), 0 unchanged") ||
				!strings.Contains(out, "+ procedure 2.000537 Thủ tục số 537 (1 versions)") || !strings.Contains(out, "nothing was changed") {
				t.Fatalf("dry run output:\n%s", tail(out))
			}
			if after := e.CountRows(t); !maps.Equal(before, after) {
				t.Fatalf("the dry run changed rows: %v → %v", before, after)
			}

			out, errOut := imp()
			if !strings.Contains(out, "imported") || !strings.Contains(out, "procedures 1000 added") {
				t.Fatalf("first import: %s", out)
			}
			if !strings.Contains(errOut, "importing:") || !strings.Contains(errOut, "/ 1011") {
				t.Errorf("no progress on stderr: %q", tail(errOut))
			}
			if n := countProcedures(t, e); n != 1000 {
				t.Fatalf("%d procedures on the server, want 1000", n)
			}
			p, err := e.Catalog.GetProcedure(e.As(t, testenv.Admin), &pb.GetProcedureRequest{Code: "2.000530"})
			if err != nil || len(p.GetProcedure().GetVersions()) != 2 || len(p.GetProcedure().GetVersions()[0].GetWorkflow()) != 3 ||
				p.GetProcedure().GetVersions()[1].GetStatutoryWorkingDays() != 12 {
				t.Fatalf("procedure 2.000530 after import: %v %v", p, err)
			}

			rows := e.CountRows(t)
			out, _ = imp()
			if !strings.Contains(out, "nothing to change: the catalog already matches") ||
				!strings.Contains(out, "agencies 0 added, 11 unchanged; procedures 0 added, 0 changed (0 versions added), 1000 unchanged") {
				t.Fatalf("second import: %s", out)
			}
			if after := e.CountRows(t); !maps.Equal(rows, after) {
				t.Fatalf("the second import changed rows: %v → %v", rows, after)
			}

			// A new version to come is the one change found (a file of the
			// first ten: an import never removes what a file leaves out).
			f := generatedCatalog(10)
			nv := f.ThuTuc[6].PhienBan[0]
			nv.NgayHieuLuc, nv.MucDoDVC = "20310101000000", "TOAN_TRINH"
			f.ThuTuc[6].PhienBan = append(f.ThuTuc[6].PhienBan, nv)
			path2, _ := writeCatalog(t, f)
			out, _, err = runCLI("catalog", "import", path2, "--addr", e.Addr, "--token", admin)
			if err != nil || !strings.Contains(out, "agencies 0 added, 11 unchanged; procedures 0 added, 1 changed (1 versions added), 9 unchanged") {
				t.Fatalf("import with one new version: %v\n%s", err, out)
			}
		})
	}
}

func TestCatalogImportRejectsPrecisely(t *testing.T) {
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{NoDemo: true})
	admin := e.Token(t, testenv.Admin)
	f := generatedCatalog(1000)
	f.ThuTuc[536].PhienBan[0].ThoiHanGiaiQuyet = -3            // record 537
	f.ThuTuc[799].PhienBan[0].QuyTrinh[1].VaiTro = "GIAM_DOC"  // record 800
	f.ThuTuc[899].PhienBan[0].DanhSachLePhi[0].MaPhiLePhi = "" // record 900
	path, data := writeCatalog(t, f)
	lineOf := func(code string) int {
		i := bytes.Index(data, []byte(`"MaTTHC": "`+code+`"`))
		return bytes.Count(data[:bytes.LastIndexByte(data[:i], '{')], []byte("\n")) + 1
	}
	before := e.CountRows(t)
	_, errOut, err := runCLI("catalog", "import", path, "--addr", e.Addr, "--token", admin)
	if err == nil || !strings.Contains(err.Error(), "4 problems; nothing was imported") {
		t.Fatalf("import of a file with bad records: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		fmt.Sprintf("catalog.json:%d: ThuTuc[537] (MaTTHC 2.000537): field PhienBan[0].ThoiHanGiaiQuyet: must be greater than 0", lineOf("2.000537")),
		fmt.Sprintf(`catalog.json:%d: ThuTuc[800] (MaTTHC 2.000800): field PhienBan[0].QuyTrinh[1].VaiTro: "GIAM_DOC": one of MOT_CUA, CHUYEN_VIEN, LANH_DAO`, lineOf("2.000800")),
		fmt.Sprintf("catalog.json:%d: ThuTuc[900] (MaTTHC 2.000900): field PhienBan[0].DanhSachLePhi[0].MaPhiLePhi:", lineOf("2.000900")),
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if after := e.CountRows(t); !maps.Equal(before, after) {
		t.Fatalf("a rejected file changed rows: %v → %v", before, after)
	}

	// Unknown fields and bad dates are named too.
	bad := `{"CoQuan": [], "ThuTuc": [
  {"MaTTHC": "2.000001", "TenTTHC": "x", "MaLinhVuc": "L", "TenLinhVuc": "L", "MaCoQuanThucHien": "000.00.00.H57", "ThoiGian": 3, "PhienBan": []},
  {"MaTTHC": "2.000002", "TenTTHC": "x", "MaLinhVuc": "L", "TenLinhVuc": "L", "MaCoQuanThucHien": "000.00.00.H57",
   "PhienBan": [{"NgayHieuLuc": "2025-01-01", "MucDoDVC": "MOT_PHAN", "ThoiHanGiaiQuyet": 1}]}
]}`
	badPath := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err = runCLI("catalog", "import", badPath, "--addr", e.Addr, "--token", admin)
	for _, want := range []string{`bad.json:2: ThuTuc[1]: unknown field "ThoiGian"`,
		`bad.json:3: ThuTuc[2] (MaTTHC 2.000002): field PhienBan[0].NgayHieuLuc: "2025-01-01" is not a date yyyyMMddHHmmss`} {
		if err == nil || !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q (err %v):\n%s", want, err, errOut)
		}
	}

	// A conflict with the server (an agency renamed) is refused before any
	// write; a token that may not write fails at the first write.
	okPath, _ := writeCatalog(t, generatedCatalog(3))
	if _, errOut, err := runCLI("catalog", "import", okPath, "--addr", e.Addr, "--token", admin); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	renamed := generatedCatalog(3)
	renamed.CoQuan[2].TenCoQuan = "Sở mới"
	renamedPath, _ := writeCatalog(t, renamed)
	_, errOut, err = runCLI("catalog", "import", renamedPath, "--addr", e.Addr, "--token", admin)
	if err == nil || !strings.Contains(errOut, "CoQuan[3] (MaCoQuan 000.00.02.H57): field TenCoQuan/MaCoQuanCha: the server has \"Sở số 2\"") {
		t.Errorf("a renamed agency: %v\n%s", err, errOut)
	}
	clerk := e.Token(t, testenv.Clerk)
	other := generatedCatalog(4)
	otherPath, _ := writeCatalog(t, other)
	if _, errOut, err := runCLI("catalog", "import", otherPath, "--addr", e.Addr, "--token", clerk); err == nil || !strings.Contains(errOut, "PERMISSION_DENIED") {
		t.Errorf("a clerk imported: %v\n%s", err, errOut)
	}
}

func TestCatalogImportExampleFile(t *testing.T) {
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{NoDemo: true})
	admin := e.Token(t, testenv.Admin)
	out, errOut, err := runCLI("catalog", "import", filepath.Join("testdata", "catalog-example.json"), "--addr", e.Addr, "--token", admin)
	if err != nil || !strings.Contains(out, "agencies 3 added") || !strings.Contains(out, "procedures 1 added") {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	if _, err := e.Catalog.GetProcedure(context.Background(), &pb.GetProcedureRequest{Code: "1.001193"}); err == nil {
		t.Error("GetProcedure without a token succeeded")
	}
	p, err := e.Catalog.GetProcedure(e.As(t, testenv.Admin), &pb.GetProcedureRequest{Code: "1.001193"})
	if err != nil || len(p.GetProcedure().GetVersions()) != 2 || p.GetProcedure().GetVersions()[0].GetCutoffTime() != "15:00" {
		t.Fatalf("imported procedure: %v %v", p, err)
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
