package service_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

func TestCatalog(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		admin := e.As(t, testenv.Admin)
		clerk := e.As(t, testenv.Clerk)
		ward := &pb.Agency{Code: "000.21.01.H55", Name: "UBND phường A", ParentCode: seed.Province,
			WorkingHours: []*pb.WorkingPeriod{{Start: "07:00", End: "11:30"}, {Start: "13:30", End: "17:00"}}}
		_, err := e.Catalog.CreateAgency(clerk, &pb.CreateAgencyRequest{RequestId: "c1", Agency: ward})
		wantStatus(t, err, codes.PermissionDenied, "")
		got, err := e.Catalog.CreateAgency(admin, &pb.CreateAgencyRequest{RequestId: "c1", Agency: ward})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetAgency().GetTimeZone() != "Asia/Ho_Chi_Minh" || got.GetAgency().GetWorkingHours()[0].GetStart() != "07:00" {
			t.Fatalf("agency: %v", got)
		}
		_, err = e.Catalog.CreateAgency(admin, &pb.CreateAgencyRequest{RequestId: "c2", Agency: ward})
		wantStatus(t, err, codes.AlreadyExists, "")
		for name, c := range map[string]struct {
			a     *pb.Agency
			field string
		}{
			"overlapping hours": {&pb.Agency{Code: "X1", Name: "x", WorkingHours: []*pb.WorkingPeriod{{Start: "08:00", End: "12:00"}, {Start: "11:00", End: "13:00"}}}, "agency.working_hours"},
			"bad time zone":     {&pb.Agency{Code: "X2", Name: "x", TimeZone: "Mars/Base"}, "agency.time_zone"},
			"unknown parent":    {&pb.Agency{Code: "X3", Name: "x", ParentCode: "NOPE"}, "agency.parent_code"},
			"lower-case code":   {&pb.Agency{Code: "x.1", Name: "x"}, "agency.code"},
			"bad clock":         {&pb.Agency{Code: "X4", Name: "x", WorkingHours: []*pb.WorkingPeriod{{Start: "7:30", End: "25:00"}}}, "agency.working_hours[0].start"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := e.Catalog.CreateAgency(admin, &pb.CreateAgencyRequest{RequestId: "bad-" + strings.ReplaceAll(name, " ", "-"), Agency: c.a})
				wantStatus(t, err, codes.InvalidArgument, c.field)
			})
		}
		page, err := e.Catalog.ListAgencies(clerk, &pb.ListAgenciesRequest{PageSize: 2})
		if err != nil || len(page.GetAgencies()) != 2 || page.GetNextPageToken() == "" {
			t.Fatalf("page 1: %v %v", page, err)
		}
		var all []string
		for tok := ""; ; {
			p, err := e.Catalog.ListAgencies(clerk, &pb.ListAgenciesRequest{PageSize: 2, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range p.GetAgencies() {
				all = append(all, a.GetCode())
			}
			if tok = p.GetNextPageToken(); tok == "" {
				break
			}
		}
		if len(all) != 6 {
			t.Fatalf("paged through %v", all)
		}
		_, err = e.Catalog.ListAgencies(clerk, &pb.ListAgenciesRequest{PageSize: 2, PageToken: page.GetNextPageToken(), ParentCode: seed.Province})
		wantStatus(t, err, codes.InvalidArgument, "page_token")

		proc := &pb.Procedure{Code: "1.000111", Name: "Đăng ký khai sinh", FieldCode: "HT", FieldName: "Hộ tịch", AgencyCode: ward.GetCode()}
		ver := &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_FULL_ONLINE, StatutoryWorkingDays: 0.5, CutoffTime: "15:00",
			Components: []*pb.DocumentComponent{{Code: "TK", Name: "Tờ khai", Mandatory: true}},
			Workflow:   []*pb.WorkflowStep{{Name: "Xử lý", UnitCode: ward.GetCode(), Role: pb.Role_ROLE_SPECIALIST, AllottedWorkingHours: 4}}}
		created, err := e.Catalog.CreateProcedure(admin, &pb.CreateProcedureRequest{RequestId: "p1", Procedure: proc, Version: ver})
		if err != nil {
			t.Fatal(err)
		}
		v1 := created.GetProcedure().GetVersions()[0]
		if v1.GetVersion() != 1 || v1.GetStatutoryWorkingDays() != 0.5 || v1.GetCutoffTime() != "15:00" || v1.GetWorkflow()[0].GetAllottedWorkingHours() != 4 {
			t.Fatalf("version 1: %v", v1)
		}
		badUnit := &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_OFFLINE, StatutoryWorkingDays: 1,
			Workflow: []*pb.WorkflowStep{{Name: "x", UnitCode: "000.99.99.H55", Role: pb.Role_ROLE_LEADER, AllottedWorkingHours: 1}}}
		_, err = e.Catalog.AddProcedureVersion(admin, &pb.AddProcedureVersionRequest{RequestId: "v-bad", ProcedureCode: proc.GetCode(), Version: badUnit})
		wantStatus(t, err, codes.InvalidArgument, "version.workflow[0].unit_code")
		_, err = e.Catalog.AddProcedureVersion(admin, &pb.AddProcedureVersionRequest{RequestId: "v-past", ProcedureCode: proc.GetCode(),
			Version: &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_OFFLINE, StatutoryWorkingDays: 1,
				EffectiveTime: timestamppb.New(fixedNow.Add(-24 * time.Hour))}})
		wantStatus(t, err, codes.InvalidArgument, "version.effective_time")
		v2 := &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_PARTIAL_ONLINE, StatutoryWorkingDays: 1,
			EffectiveTime: timestamppb.New(fixedNow.Add(time.Hour))}
		upd, err := e.Catalog.AddProcedureVersion(admin, &pb.AddProcedureVersionRequest{RequestId: "v2", ProcedureCode: proc.GetCode(), Version: v2})
		if err != nil {
			t.Fatal(err)
		}
		vs := upd.GetProcedure().GetVersions()
		if len(vs) != 2 || vs[1].GetVersion() != 2 || !vs[0].GetEndTime().AsTime().Equal(fixedNow.Add(time.Hour)) {
			t.Fatalf("versions: %v", vs)
		}
		list, err := e.Catalog.ListProcedures(clerk, &pb.ListProceduresRequest{AgencyCode: ward.GetCode()})
		if err != nil || len(list.GetProcedures()) != 1 || len(list.GetProcedures()[0].GetVersions()) != 2 {
			t.Fatalf("list: %v %v", list, err)
		}
		_, err = e.Catalog.GetProcedure(clerk, &pb.GetProcedureRequest{Code: "1.999999"})
		wantStatus(t, err, codes.NotFound, "")
	})
}
