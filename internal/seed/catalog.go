// Package seed creates data for newcomers and benchmarks: the small demo
// catalog that `motcua serve` installs in an empty store, and (later)
// generated dossiers.
package seed

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// Demo agency codes.
const (
	Province       = "000.00.00.H55" // Ủy ban nhân dân tỉnh: publishes the procedure catalog
	OneStopCentre  = "000.00.01.H55" // Trung tâm Phục vụ hành chính công: receives and returns
	JusticeDept    = "000.00.12.H55" // Sở Tư pháp
	FinanceDept    = "000.00.13.H55" // Sở Tài chính (business registration since 2025)
	ConstructDept  = "000.00.15.H55" // Sở Xây dựng
	ProcCriminal   = "1.001193"      // criminal-record certificate
	ProcEnterprise = "1.001612"      // private-enterprise registration
	ProcBuilding   = "1.009974"      // construction permit
	ProcCopy       = "2.000815"      // certified copy from the original
)

// AdminPrincipal is the principal the seeding acts as.
var AdminPrincipal = domain.Principal{Subject: "motcua-seed", Role: domain.RoleAdmin}

type demoProcedure struct {
	proc domain.Procedure
	ver  domain.ProcedureVersion
}

func hours(h float64) int { return int(h * 60) }

// DemoAgencies is a province with its one-stop centre and three departments.
func DemoAgencies() []domain.Agency {
	return []domain.Agency{
		{Code: Province, Name: "Ủy ban nhân dân tỉnh (demo)"},
		{Code: OneStopCentre, Name: "Trung tâm Phục vụ hành chính công tỉnh", ParentCode: Province},
		{Code: JusticeDept, Name: "Sở Tư pháp", ParentCode: Province},
		{Code: FinanceDept, Name: "Sở Tài chính", ParentCode: Province},
		{Code: ConstructDept, Name: "Sở Xây dựng", ParentCode: Province},
	}
}

func demoProcedures() []demoProcedure {
	cut15 := 15 * 60
	return []demoProcedure{
		{
			proc: domain.Procedure{Code: ProcCriminal, Name: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
				FieldCode: "G12-LLTP", FieldName: "Lý lịch tư pháp", AgencyCode: Province},
			ver: domain.ProcedureVersion{ServiceLevel: domain.ServiceFullOnline, StatutoryMinutes: 10 * domain.MinutesPerWorkingDay,
				Fees: []domain.Fee{{Code: "LLTP", Name: "Phí cấp Phiếu lý lịch tư pháp", Kind: 1, AmountVND: 200000}},
				Components: []domain.DocumentComponent{
					{Code: "TK-LLTP", Name: "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", Mandatory: true, PaperCopies: 1},
					{Code: "CCCD", Name: "Bản chụp thẻ Căn cước", Mandatory: true, PaperCopies: 1},
					{Code: "UQ", Name: "Văn bản ủy quyền (nếu ủy quyền)"},
				},
				Workflow: []domain.WorkflowStep{
					{Name: "Tiếp nhận và chuyển hồ sơ", UnitCode: OneStopCentre, Role: domain.RoleClerk, AllottedMinutes: hours(4)},
					{Name: "Tra cứu, xác minh lý lịch", UnitCode: JusticeDept, Role: domain.RoleSpecialist, AllottedMinutes: hours(60)},
					{Name: "Ký duyệt Phiếu", UnitCode: JusticeDept, Role: domain.RoleLeader, AllottedMinutes: hours(8)},
					{Name: "Chuyển kết quả về Trung tâm", UnitCode: OneStopCentre, Role: domain.RoleClerk, AllottedMinutes: hours(8)},
				}},
		},
		{
			proc: domain.Procedure{Code: ProcEnterprise, Name: "Đăng ký thành lập doanh nghiệp tư nhân",
				FieldCode: "G13-DKKD", FieldName: "Thành lập và hoạt động của doanh nghiệp", AgencyCode: Province},
			ver: domain.ProcedureVersion{ServiceLevel: domain.ServiceFullOnline, StatutoryMinutes: 3 * domain.MinutesPerWorkingDay,
				Fees: []domain.Fee{{Code: "DKDN", Name: "Lệ phí đăng ký doanh nghiệp", Kind: 2, AmountVND: 50000}},
				Components: []domain.DocumentComponent{
					{Code: "GDN", Name: "Giấy đề nghị đăng ký doanh nghiệp", Mandatory: true, PaperCopies: 1},
					{Code: "CCCD-CDN", Name: "Bản sao giấy tờ pháp lý của chủ doanh nghiệp", Mandatory: true, PaperCopies: 1},
				},
				Workflow: []domain.WorkflowStep{
					{Name: "Tiếp nhận hồ sơ", UnitCode: OneStopCentre, Role: domain.RoleClerk, AllottedMinutes: hours(2)},
					{Name: "Xem xét, cấp đăng ký", UnitCode: FinanceDept, Role: domain.RoleSpecialist, AllottedMinutes: hours(18)},
					{Name: "Phê duyệt", UnitCode: FinanceDept, Role: domain.RoleLeader, AllottedMinutes: hours(4)},
				}},
		},
		{
			proc: domain.Procedure{Code: ProcBuilding, Name: "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II",
				FieldCode: "G15-XD", FieldName: "Hoạt động xây dựng", AgencyCode: Province},
			ver: domain.ProcedureVersion{ServiceLevel: domain.ServicePartialOnline, StatutoryMinutes: 20 * domain.MinutesPerWorkingDay,
				Fees: []domain.Fee{{Code: "GPXD", Name: "Lệ phí cấp giấy phép xây dựng", Kind: 2, AmountVND: 150000}},
				Components: []domain.DocumentComponent{
					{Code: "DON-GPXD", Name: "Đơn đề nghị cấp giấy phép xây dựng", Mandatory: true, PaperCopies: 1},
					{Code: "QSDD", Name: "Giấy tờ về quyền sử dụng đất", Mandatory: true, PaperCopies: 1},
					{Code: "BV", Name: "Bản vẽ thiết kế xây dựng", Mandatory: true, PaperCopies: 2},
				},
				Workflow: []domain.WorkflowStep{
					{Name: "Tiếp nhận và chuyển hồ sơ", UnitCode: OneStopCentre, Role: domain.RoleClerk, AllottedMinutes: hours(4)},
					{Name: "Thẩm định hồ sơ, kiểm tra thực địa", UnitCode: ConstructDept, Role: domain.RoleSpecialist, AllottedMinutes: hours(112)},
					{Name: "Lấy ý kiến, hoàn thiện", UnitCode: ConstructDept, Role: domain.RoleSpecialist, AllottedMinutes: hours(28)},
					{Name: "Ký giấy phép", UnitCode: ConstructDept, Role: domain.RoleLeader, AllottedMinutes: hours(12)},
					{Name: "Chuyển kết quả về Trung tâm", UnitCode: OneStopCentre, Role: domain.RoleClerk, AllottedMinutes: hours(4)},
				}},
		},
		{
			proc: domain.Procedure{Code: ProcCopy, Name: "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
				FieldCode: "G12-CT", FieldName: "Chứng thực", AgencyCode: Province},
			ver: domain.ProcedureVersion{ServiceLevel: domain.ServiceOffline, StatutoryMinutes: 4 * 60, CutoffMinute: &cut15,
				Fees: []domain.Fee{{Code: "CT", Name: "Phí chứng thực bản sao (mỗi trang)", Kind: 1, AmountVND: 2000}},
				Components: []domain.DocumentComponent{
					{Code: "BC", Name: "Bản chính giấy tờ cần chứng thực", Mandatory: true},
					{Code: "BS", Name: "Bản sao cần chứng thực", Mandatory: true, PaperCopies: 1},
				},
				Workflow: []domain.WorkflowStep{
					{Name: "Đối chiếu, chứng thực", UnitCode: JusticeDept, Role: domain.RoleSpecialist, AllottedMinutes: hours(3)},
					{Name: "Ký chứng thực", UnitCode: JusticeDept, Role: domain.RoleLeader, AllottedMinutes: hours(1)},
				}},
		},
	}
}

// EnsureDemoCatalog installs the demo catalog when the store has no agency.
// It reports whether it did. The procedures take effect from effective. It
// creates them through the use cases a, in one transaction of st (the store
// under a).
func EnsureDemoCatalog(ctx context.Context, a *app.Service, st app.CatalogStore, effective time.Time) (bool, error) {
	n, err := st.CountAgencies(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	err = st.InTx(ctx, func(ctx context.Context) error {
		for _, ag := range DemoAgencies() {
			if _, err := a.CreateAgency(ctx, AdminPrincipal, ag); err != nil {
				return err
			}
		}
		for _, dp := range demoProcedures() {
			v := dp.ver
			v.EffectiveAt = effective
			if _, err := a.CreateProcedure(ctx, AdminPrincipal, dp.proc, v); err != nil {
				return err
			}
		}
		return nil
	})
	return err == nil, err
}
