package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
)

// The catalog file: the shape of an export of the national procedure
// database (Cơ sở dữ liệu quốc gia về TTHC), with its Vietnamese field names.
// docs/catalog-import.md defines it; testdata/catalog/example.json is one.

type catalogFile struct {
	CoQuan []fileAgency    `json:"CoQuan"`
	ThuTuc []fileProcedure `json:"ThuTuc"`
}

type fileAgency struct {
	MaCoQuan    string `json:"MaCoQuan"`
	TenCoQuan   string `json:"TenCoQuan"`
	MaCoQuanCha string `json:"MaCoQuanCha"`
}

type fileProcedure struct {
	MaTTHC           string        `json:"MaTTHC"`
	TenTTHC          string        `json:"TenTTHC"`
	MaLinhVuc        string        `json:"MaLinhVuc"`
	TenLinhVuc       string        `json:"TenLinhVuc"`
	MaCoQuanThucHien string        `json:"MaCoQuanThucHien"`
	PhienBan         []fileVersion `json:"PhienBan"`
}

type fileVersion struct {
	NgayHieuLuc      string          `json:"NgayHieuLuc"`
	MucDoDVC         string          `json:"MucDoDVC"`
	ThoiHanGiaiQuyet float64         `json:"ThoiHanGiaiQuyet"`
	GioChotTiepNhan  string          `json:"GioChotTiepNhan"`
	ThanhPhanHoSo    []fileComponent `json:"ThanhPhanHoSo"`
	DanhSachLePhi    []fileFee       `json:"DanhSachLePhi"`
	QuyTrinh         []fileStep      `json:"QuyTrinh"`
}

type fileComponent struct {
	MaThanhPhanHoSo  string `json:"MaThanhPhanHoSo"`
	TenThanhPhanHoSo string `json:"TenThanhPhanHoSo"`
	BatBuoc          bool   `json:"BatBuoc"`
	SoBanGiay        int32  `json:"SoBanGiay"`
}

type fileFee struct {
	MaPhiLePhi   string `json:"MaPhiLePhi"`
	TenPhiLePhi  string `json:"TenPhiLePhi"`
	LoaiPhiLePhi int    `json:"LoaiPhiLePhi"`
	Gia          int64  `json:"Gia"`
}

type fileStep struct {
	TenBuoc   string  `json:"TenBuoc"`
	MaDonVi   string  `json:"MaDonVi"`
	VaiTro    string  `json:"VaiTro"`
	SoGioXuLy float64 `json:"SoGioXuLy"`
}

// importAgency and importProcedure are validated records, as the API
// takes them, with where they are in the file.
type importAgency struct {
	where string
	pb    *pb.Agency
}

type importProcedure struct {
	where    string
	pb       *pb.Procedure // without versions
	versions []*pb.ProcedureVersion
}

// fileProblem is a record that cannot be imported: where (file:line and
// record), which field (as named in the file) and why.
type fileProblem struct{ where, field, msg string }

func (p fileProblem) String() string {
	if p.field == "" {
		return p.where + ": " + p.msg
	}
	return p.where + ": field " + p.field + ": " + p.msg
}

var (
	serviceLevels = map[string]pb.ServiceLevel{"TOAN_TRINH": pb.ServiceLevel_SERVICE_LEVEL_FULL_ONLINE,
		"MOT_PHAN": pb.ServiceLevel_SERVICE_LEVEL_PARTIAL_ONLINE, "TRUC_TIEP": pb.ServiceLevel_SERVICE_LEVEL_OFFLINE}
	stepRoles = map[string]pb.Role{"MOT_CUA": pb.Role_ROLE_CLERK, "CHUYEN_VIEN": pb.Role_ROLE_SPECIALIST, "LANH_DAO": pb.Role_ROLE_LEADER}
	// fileTimeZone is the zone of the export's dates (yyyyMMddHHmmss).
	fileTimeZone = mustZone("Asia/Ho_Chi_Minh")
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// parseCatalogFile reads and validates the whole file. It returns every
// problem found (not only the first); with any, nothing may be imported.
func parseCatalogFile(name string, data []byte) ([]importAgency, []importProcedure, []fileProblem, error) {
	validator, err := protovalidate.New()
	if err != nil {
		return nil, nil, nil, err
	}
	lineAt := func(off int64) int {
		// The decoder's offset is just before the record (and the comma or
		// whitespace before it): count to its first byte.
		for off < int64(len(data)) && strings.ContainsRune(" \t\r\n,", rune(data[off])) {
			off++
		}
		return bytes.Count(data[:off], []byte("\n")) + 1
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var problems []fileProblem
	var agencies []importAgency
	var procs []importProcedure
	fail := func(off int64, msg string) ([]importAgency, []importProcedure, []fileProblem, error) {
		return nil, nil, []fileProblem{{where: fmt.Sprintf("%s:%d", name, lineAt(off)), msg: msg}}, nil
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fail(0, "the file must be one JSON object with the arrays CoQuan and ThuTuc")
	}
	seenAgency, seenProc := map[string]string{}, map[string]string{}
	for dec.More() {
		keyOff := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return fail(keyOff, err.Error())
		}
		key, _ := t.(string)
		if key != "CoQuan" && key != "ThuTuc" {
			return fail(keyOff, fmt.Sprintf("unknown section %q (CoQuan and ThuTuc are known)", key))
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return fail(keyOff, key+" must be an array")
		}
		for n := 1; dec.More(); n++ {
			off := dec.InputOffset()
			where := fmt.Sprintf("%s:%d: %s[%d]", name, lineAt(off), key, n)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(off, fmt.Sprintf("%s[%d]: %v", key, n, err))
			}
			strict := json.NewDecoder(bytes.NewReader(raw))
			strict.DisallowUnknownFields()
			if key == "CoQuan" {
				var a fileAgency
				if err := strict.Decode(&a); err != nil {
					problems = append(problems, fileProblem{where: where, msg: jsonProblem(err)})
					continue
				}
				where += " (MaCoQuan " + a.MaCoQuan + ")"
				if prev, dup := seenAgency[a.MaCoQuan]; dup && a.MaCoQuan != "" {
					problems = append(problems, fileProblem{where, "MaCoQuan", "appears twice (first at " + prev + ")"})
					continue
				}
				seenAgency[a.MaCoQuan] = where
				ag := &pb.Agency{Code: a.MaCoQuan, Name: a.TenCoQuan, ParentCode: a.MaCoQuanCha}
				if err := validator.Validate(&pb.CreateAgencyRequest{RequestId: "x", Agency: ag}); err != nil {
					problems = append(problems, protoProblems(where, err)...)
					continue
				}
				agencies = append(agencies, importAgency{where: where, pb: ag})
				continue
			}
			var p fileProcedure
			if err := strict.Decode(&p); err != nil {
				problems = append(problems, fileProblem{where: where, msg: jsonProblem(err)})
				continue
			}
			where += " (MaTTHC " + p.MaTTHC + ")"
			if prev, dup := seenProc[p.MaTTHC]; dup && p.MaTTHC != "" {
				problems = append(problems, fileProblem{where, "MaTTHC", "appears twice (first at " + prev + ")"})
				continue
			}
			seenProc[p.MaTTHC] = where
			ip, probs := convertProcedure(where, p, validator)
			problems = append(problems, probs...)
			if len(probs) == 0 {
				procs = append(procs, ip)
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return fail(dec.InputOffset(), err.Error())
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return fail(dec.InputOffset(), err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(dec.InputOffset(), "unexpected data after the catalog object")
	}
	// Parents within the file or already known are checked against the
	// server in the plan; here only that a parent is not the agency itself.
	for _, a := range agencies {
		if a.pb.GetParentCode() == a.pb.GetCode() && a.pb.GetCode() != "" {
			problems = append(problems, fileProblem{a.where, "MaCoQuanCha", "an agency cannot be its own parent"})
		}
	}
	return agencies, procs, problems, nil
}

func jsonProblem(err error) string {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + f + " (docs/catalog-import.md lists the fields)"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: a JSON %s where %s is expected", te.Field, te.Value, te.Type)
	}
	return msg
}

func convertProcedure(where string, p fileProcedure, validator protovalidate.Validator) (importProcedure, []fileProblem) {
	var probs []fileProblem
	bad := func(field, format string, args ...any) {
		probs = append(probs, fileProblem{where, field, fmt.Sprintf(format, args...)})
	}
	ip := importProcedure{where: where, pb: &pb.Procedure{Code: p.MaTTHC, Name: p.TenTTHC, FieldCode: p.MaLinhVuc,
		FieldName: p.TenLinhVuc, AgencyCode: p.MaCoQuanThucHien}}
	if len(p.PhienBan) == 0 {
		bad("PhienBan", "at least one version is required")
	}
	var last time.Time
	for i, v := range p.PhienBan {
		vf := fmt.Sprintf("PhienBan[%d]", i)
		eff, err := time.ParseInLocation("20060102150405", v.NgayHieuLuc, fileTimeZone)
		if err != nil {
			bad(vf+".NgayHieuLuc", "%q is not a date yyyyMMddHHmmss", v.NgayHieuLuc)
		} else if !last.IsZero() && !eff.After(last) {
			bad(vf+".NgayHieuLuc", "versions must be in order of effective date, each after the one before")
		}
		last = eff
		level, ok := serviceLevels[v.MucDoDVC]
		if !ok {
			bad(vf+".MucDoDVC", "%q: one of TOAN_TRINH, MOT_PHAN, TRUC_TIEP", v.MucDoDVC)
		}
		pv := &pb.ProcedureVersion{EffectiveTime: timestamppb.New(eff), ServiceLevel: level,
			StatutoryWorkingDays: roundTo(v.ThoiHanGiaiQuyet, domain.MinutesPerWorkingDay), CutoffTime: v.GioChotTiepNhan}
		for _, c := range v.ThanhPhanHoSo {
			pv.Components = append(pv.Components, &pb.DocumentComponent{Code: c.MaThanhPhanHoSo, Name: c.TenThanhPhanHoSo,
				Mandatory: c.BatBuoc, PaperCopies: c.SoBanGiay})
		}
		for j, f := range v.DanhSachLePhi {
			kind := pb.FeeKind(f.LoaiPhiLePhi)
			if f.LoaiPhiLePhi != 1 && f.LoaiPhiLePhi != 2 {
				bad(fmt.Sprintf("%s.DanhSachLePhi[%d].LoaiPhiLePhi", vf, j), "%d: 1 (phí) or 2 (lệ phí)", f.LoaiPhiLePhi)
			}
			pv.Fees = append(pv.Fees, &pb.Fee{Code: f.MaPhiLePhi, Name: f.TenPhiLePhi, Kind: kind, AmountVnd: f.Gia})
		}
		for j, s := range v.QuyTrinh {
			role, ok := stepRoles[s.VaiTro]
			if !ok {
				bad(fmt.Sprintf("%s.QuyTrinh[%d].VaiTro", vf, j), "%q: one of MOT_CUA, CHUYEN_VIEN, LANH_DAO", s.VaiTro)
			}
			pv.Workflow = append(pv.Workflow, &pb.WorkflowStep{Name: s.TenBuoc, UnitCode: s.MaDonVi, Role: role,
				AllottedWorkingHours: roundTo(s.SoGioXuLy, 60)})
		}
		if len(probs) == 0 {
			if err := validator.Validate(&pb.CreateProcedureRequest{RequestId: "x", Procedure: ip.pb, Version: pv}); err != nil {
				for _, fp := range protoProblems(where, err) {
					fp.field = strings.Replace(fp.field, "PhienBan[].", vf+".", 1)
					probs = append(probs, fp)
				}
			}
		}
		ip.versions = append(ip.versions, pv)
	}
	return ip, probs
}

// roundTo rounds x to whole 1/per units: the server keeps working time in
// whole minutes, so a file value is compared as the server will keep it.
func roundTo(x float64, per int) float64 { return math.Round(x*float64(per)) / float64(per) }

// fileFieldNames maps the API's field paths to the file's names.
var fileFieldNames = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`^agency\.code$`), "MaCoQuan"},
	{regexp.MustCompile(`^agency\.name$`), "TenCoQuan"},
	{regexp.MustCompile(`^agency\.parent_code$`), "MaCoQuanCha"},
	{regexp.MustCompile(`^procedure\.code$`), "MaTTHC"},
	{regexp.MustCompile(`^procedure\.name$`), "TenTTHC"},
	{regexp.MustCompile(`^procedure\.field_code$`), "MaLinhVuc"},
	{regexp.MustCompile(`^procedure\.field_name$`), "TenLinhVuc"},
	{regexp.MustCompile(`^procedure\.agency_code$`), "MaCoQuanThucHien"},
	{regexp.MustCompile(`^version\.statutory_working_days$`), "PhienBan[].ThoiHanGiaiQuyet"},
	{regexp.MustCompile(`^version\.cutoff_time$`), "PhienBan[].GioChotTiepNhan"},
	{regexp.MustCompile(`^version\.service_level$`), "PhienBan[].MucDoDVC"},
	{regexp.MustCompile(`^version\.components\[(\d+)\]\.code$`), "PhienBan[].ThanhPhanHoSo[$1].MaThanhPhanHoSo"},
	{regexp.MustCompile(`^version\.components\[(\d+)\]\.name$`), "PhienBan[].ThanhPhanHoSo[$1].TenThanhPhanHoSo"},
	{regexp.MustCompile(`^version\.components\[(\d+)\]\.paper_copies$`), "PhienBan[].ThanhPhanHoSo[$1].SoBanGiay"},
	{regexp.MustCompile(`^version\.components$`), "PhienBan[].ThanhPhanHoSo"},
	{regexp.MustCompile(`^version\.fees\[(\d+)\]\.code$`), "PhienBan[].DanhSachLePhi[$1].MaPhiLePhi"},
	{regexp.MustCompile(`^version\.fees\[(\d+)\]\.name$`), "PhienBan[].DanhSachLePhi[$1].TenPhiLePhi"},
	{regexp.MustCompile(`^version\.fees\[(\d+)\]\.amount_vnd$`), "PhienBan[].DanhSachLePhi[$1].Gia"},
	{regexp.MustCompile(`^version\.fees$`), "PhienBan[].DanhSachLePhi"},
	{regexp.MustCompile(`^version\.workflow\[(\d+)\]\.name$`), "PhienBan[].QuyTrinh[$1].TenBuoc"},
	{regexp.MustCompile(`^version\.workflow\[(\d+)\]\.unit_code$`), "PhienBan[].QuyTrinh[$1].MaDonVi"},
	{regexp.MustCompile(`^version\.workflow\[(\d+)\]\.allotted_working_hours$`), "PhienBan[].QuyTrinh[$1].SoGioXuLy"},
	{regexp.MustCompile(`^version\.workflow$`), "PhienBan[].QuyTrinh"},
}

func protoProblems(where string, err error) []fileProblem {
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return []fileProblem{{where, "", err.Error()}}
	}
	var out []fileProblem
	for _, v := range ve.Violations {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		for _, m := range fileFieldNames {
			if m.re.MatchString(field) {
				field = m.re.ReplaceAllString(field, m.repl)
				break
			}
		}
		out = append(out, fileProblem{where, field, v.Proto.GetMessage()})
	}
	return out
}
