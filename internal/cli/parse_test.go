package cli

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func TestParseComponent(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		in   string
		want *pb.DossierComponent
	}{
		{"CCCD=paper", &pb.DossierComponent{Code: "CCCD", Source: pb.ComponentSource_COMPONENT_SOURCE_PAPER}},
		{"TK=uploaded:files/tk.pdf:" + sum, &pb.DossierComponent{Code: "TK", Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED, FileRef: "files/tk.pdf", FileSha256: sum}},
		{"TK=DIGITISED:https://store.example/tk.pdf:" + sum, &pb.DossierComponent{Code: "TK", Source: pb.ComponentSource_COMPONENT_SOURCE_DIGITISED, FileRef: "https://store.example/tk.pdf", FileSha256: sum}},
		{"TK=uploaded:files/tk.pdf", &pb.DossierComponent{Code: "TK", Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED, FileRef: "files/tk.pdf"}},
		{"CCCD=reused::dossier:000.00.01.H55-260213-0007/CCCD", &pb.DossierComponent{Code: "CCCD", Source: pb.ComponentSource_COMPONENT_SOURCE_REUSED, ReusedFrom: "dossier:000.00.01.H55-260213-0007/CCCD"}},
		{"GKS=reused_result::result:000.00.01.H55-260213-0007/KQ", &pb.DossierComponent{Code: "GKS", Source: pb.ComponentSource_COMPONENT_SOURCE_REUSED_RESULT, ReusedFrom: "result:000.00.01.H55-260213-0007/KQ"}},
		{"UQ=reused::000.00.01.H55-260213-0007", &pb.DossierComponent{Code: "UQ", Source: pb.ComponentSource_COMPONENT_SOURCE_REUSED, ReusedFrom: "000.00.01.H55-260213-0007"}},
		{"UQ=reused_result:files/uq.pdf:KQ-1:" + sum, &pb.DossierComponent{Code: "UQ", Source: pb.ComponentSource_COMPONENT_SOURCE_REUSED_RESULT, FileRef: "files/uq.pdf", ReusedFrom: "KQ-1", FileSha256: sum}},
	} {
		got, err := parseComponent("component", tc.in)
		if err != nil || !proto.Equal(got, tc.want) {
			t.Errorf("parseComponent(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"CCCD", "=paper", "CCCD=", "CCCD=scanned", "UQ=reused", "UQ=reused:only-one"} {
		if _, err := parseComponent("component", in); err == nil {
			t.Errorf("parseComponent(%q) accepted", in)
		}
	}
}

func TestParseDocumentTimeAndDays(t *testing.T) {
	sum := strings.Repeat("0f", 32)
	d, err := parseDocument("document", "LLTP=Phiếu lý lịch tư pháp số 1:results/a.pdf:"+sum)
	if err != nil || d.GetCode() != "LLTP" || d.GetName() != "Phiếu lý lịch tư pháp số 1" || d.GetFileRef() != "results/a.pdf" || d.GetFileSha256() != sum {
		t.Errorf("parseDocument: %v, %v", d, err)
	}
	if d, _ := parseDocument("document", "LLTP=Phiếu"); d.GetFileRef() != "" || d.GetName() != "Phiếu" {
		t.Errorf("parseDocument without a file: %v", d)
	}

	want := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // 16:00 in Vietnam
	for _, in := range []string{"2026-03-02 16:00", "2026-03-02T16:00", "02/03/2026 16:00", "2026-03-02T16:00:00+07:00", "2026-03-02T09:00:00Z"} {
		ts, err := parseTime("new-due", in)
		if err != nil || !ts.AsTime().Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, ts.AsTime(), err, want)
		}
	}
	if _, err := parseTime("new-due", "next Monday"); err == nil {
		t.Error("parseTime accepted prose")
	}

	day, err := parseDay("2026-02-16=off:Tết Nguyên đán: mùng 1")
	if err != nil || day.GetDate() != "2026-02-16" || day.GetKind() != pb.DayKind_DAY_KIND_DAY_OFF || day.GetName() != "Tết Nguyên đán: mùng 1" {
		t.Errorf("parseDay: %v, %v", day, err)
	}
	days, err := readDays(strings.NewReader("date,kind,name\n\n# comment\n2026-08-22,work,Làm bù\n2026-09-01, off ,Quốc khánh,ngày 1\n"), "x.csv")
	if err != nil || len(days) != 2 || days[0].GetKind() != pb.DayKind_DAY_KIND_WORKING_DAY || days[1].GetName() != "Quốc khánh,ngày 1" {
		t.Errorf("readDays: %v, %v", days, err)
	}
	if _, err := readDays(strings.NewReader("2026-08-22,maybe,x\n"), "x.csv"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("readDays of a bad kind: %v", err)
	}
}

func TestEnumNames(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{enumName(pb.DossierStatus_DOSSIER_STATUS_RECEIVED), "RECEIVED"},
		{enumName(pb.ActorKind_ACTOR_KIND_STAFF_ON_BEHALF), "STAFF_ON_BEHALF"},
		{enumName(pb.DeadlineSegment_KIND_SKIPPED), "SKIPPED"},
		{enumName(pb.Timeliness_TIMELINESS_UNSPECIFIED), "-"},
		{codeName(5), "NOT_FOUND"},
		{codeName(9), "FAILED_PRECONDITION"},
		{codeName(1), "CANCELLED"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	n, err := parseEnum("channel", pb.Channel(0).Descriptor(), "Channel-Postal")
	if err != nil || pb.Channel(n) != pb.Channel_CHANNEL_POSTAL {
		t.Errorf("parseEnum: %v, %v", n, err)
	}
}
