package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/bizreg"
	"github.com/motcua/motcua/internal/bizregsim"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/popdb"
	"github.com/motcua/motcua/internal/popsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/simulate"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// demoIdentityDay is when the counter meets the national databases: the
// Monday after the simulated period, so the period's indicators are those
// of the office without them.
var demoIdentityDay = time.Date(2026, 3, 16, 8, 30, 0, 0, vietnam)

// demoBizProc is the demo's business-registration procedure with a
// structured form (created on demoIdentityDay).
const demoBizProc = "2.000001"

// demoCitizen is one citizen the population-database simulator knows.
type demoCitizen struct {
	id   string
	c    popdb.CongDan
	says string // the name the applicant gives at the counter
}

// demoIdentity plays the national databases on demoIdentityDay: a second
// server on the demo store, connected to the population-database and
// business-registry simulators running in this process on 127.0.0.1,
// takes counter intakes that are verified (one with a mismatch planted in
// the simulator), one pre-filled from the database, and one
// business-registration dossier that is handed off to the registry. It
// returns the paragraph the demo prints.
func demoIdentity(ctx context.Context, st *gormstore.Store, clock *simulate.Clock, verifier *auth.Verifier, sim *simulate.Demo,
	errOut io.Writer) (story string, err error) {
	clock.Set(demoIdentityDay)
	pop, err := popsim.Start("127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer pop.Close()
	biz, err := bizregsim.Start("127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer biz.Close()
	pcl, err := popdb.New(popdb.Config{BaseURL: pop.URL(), ClientID: popsim.ClientID, ClientSecret: popsim.ClientSecret,
		Timeout: 10 * time.Second})
	if err != nil {
		return "", err
	}
	bcl, err := bizreg.New(bizreg.Config{BaseURL: biz.URL(), ClientID: bizregsim.ClientID, ClientSecret: bizregsim.ClientSecret,
		Timeout: 10 * time.Second})
	if err != nil {
		return "", err
	}
	// A generous budget: on loopback the simulator answers at once, and
	// the demo's output must not depend on the machine's speed.
	a := app.New(st, app.WithClock(clock.Now), app.WithPopulationDB(pcl, 30*time.Second), app.WithBusinessRegistry(bcl))
	srv, err := newDemoServer(a, st, verifier, errOut)
	if err != nil {
		return "", err
	}
	if err := srv.Listen(); err != nil {
		return "", err
	}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx) }()
	defer func() {
		stop()
		if e := <-served; e != nil && err == nil {
			err = fmt.Errorf("demo identity server: %w", e)
		}
	}()
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	as := func(spec auth.TokenSpec) (context.Context, error) {
		tok, err := sim.Token(spec)
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), err
	}
	clerk, err := as(auth.TokenSpec{Subject: "clerk-1", Role: domain.RoleClerk, Agency: seed.OneStopCentre})
	if err != nil {
		return "", err
	}
	admin, err := as(auth.TokenSpec{Subject: "admin-1", Role: domain.RoleAdmin})
	if err != nil {
		return "", err
	}
	dossiers, identity := pb.NewDossierServiceClient(conn), pb.NewIdentityServiceClient(conn)

	citizens := []demoCitizen{
		{id: simulate.CitizenNumber("001", 1985, false, 901), says: "Nguyễn Văn Hùng",
			c: popdb.CongDan{HoVaTen: "Nguyễn Văn Hùng", NgayThangNamSinh: "1985-04-02", GioiTinh: "NAM"}},
		{id: simulate.CitizenNumber("001", 1992, true, 902), says: "Lê Thị Mai",
			c: popdb.CongDan{HoVaTen: "Lê Thị Mai", NgayThangNamSinh: "1992-11-20", GioiTinh: "NU"}},
		{id: simulate.CitizenNumber("001", 1978, false, 903), says: "Phạm Văn Tâm", // planted: the registry disagrees
			c: popdb.CongDan{HoVaTen: "Phạm Văn Tâm", NgayThangNamSinh: "1978-07-15", GioiTinh: "NAM"}},
		{id: simulate.CitizenNumber("001", 1990, true, 904),
			c: popdb.CongDan{HoVaTen: "Trần Thị Thu Hà", NgayThangNamSinh: "1990-01-09", GioiTinh: "NU",
				NoiThuongTru: "12 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội", NoiOHienTai: "12 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"}},
	}
	for i := range citizens {
		citizens[i].c.SoDinhDanh = citizens[i].id
		pop.Add(citizens[i].c)
	}
	pop.SetMismatch(citizens[2].id, true)

	counter := func(rid string, ap *pb.Applicant, prefill bool) (*pb.Dossier, error) {
		r, err := dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: rid, PrefillFromPopulationDb: prefill,
			Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: &pb.DossierDraft{ProcedureCode: seed.ProcCopy,
				AgencyCode: seed.OneStopCentre, Applicant: ap, Summary: "Chứng thực bản sao từ bản chính",
				Components: []*pb.DossierComponent{{Code: "BC", Source: pb.ComponentSource_COMPONENT_SOURCE_PAPER},
					{Code: "BS", Source: pb.ComponentSource_COMPONENT_SOURCE_PAPER}}}}})
		return r.GetDossier(), err
	}
	var lines []string
	verified := 0
	for i, c := range citizens[:3] {
		d, err := counter(fmt.Sprintf("demo-identity-%d", i), &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN,
			IdNumber: c.id, Name: c.says, BirthDate: c.c.NgayThangNamSinh}, false)
		if err != nil {
			return "", fmt.Errorf("demo counter intake: %w", err)
		}
		v := d.GetIdentityVerification()
		switch v.GetOutcome() {
		case pb.VerificationOutcome_VERIFICATION_OUTCOME_MATCH:
			verified++
		default:
			lines = append(lines, fmt.Sprintf("%s was flagged: the database answered %s on %s (flag %s);", d.GetCode(),
				strings.TrimPrefix(v.GetOutcome().String(), "VERIFICATION_OUTCOME_"),
				strings.Join(v.GetApplicant().GetFieldsMismatched(), " and "), v.GetFlag()))
		}
	}

	// Pre-fill: the clerk looks the citizen up and files with the
	// registered data instead of typing it.
	look, err := identity.LookupCitizen(clerk, &pb.LookupCitizenRequest{IdNumber: citizens[3].id,
		Purpose: "counter intake: pre-fill from the population database"})
	if err != nil {
		return "", fmt.Errorf("demo lookup: %w", err)
	}
	z := look.GetCitizen()
	pre, err := counter("demo-identity-prefill", &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: z.GetIdNumber(),
		Name: z.GetFullName(), BirthDate: z.GetBirthDate(), Address: z.GetPermanentAddress()}, true)
	if err != nil {
		return "", fmt.Errorf("demo pre-filled intake: %w", err)
	}

	// Business registration: a procedure with a structured form; the
	// dossier accepted at the counter is handed off once.
	if _, err := pb.NewCatalogServiceClient(conn).CreateProcedure(admin, &pb.CreateProcedureRequest{RequestId: "demo-biz-proc",
		Procedure: &pb.Procedure{Code: demoBizProc, Name: "Đăng ký thành lập doanh nghiệp tư nhân (liên thông)", FieldCode: "DKKD",
			FieldName: "Thành lập và phát triển doanh nghiệp", AgencyCode: seed.OneStopCentre},
		Version: &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_FULL_ONLINE, StatutoryWorkingDays: 3,
			Components: []*pb.DocumentComponent{{Code: "GDN", Name: "Giấy đề nghị đăng ký doanh nghiệp", Mandatory: true}},
			Form: []*pb.FormField{
				{Name: "ten_doanh_nghiep", Label: "Tên doanh nghiệp", Type: "text", Required: true, MaxLen: 200},
				{Name: "von_dieu_le", Label: "Vốn điều lệ (đồng)", Type: "number", Required: true},
				{Name: "loai_hinh", Label: "Loại hình", Type: "enum", Required: true, Options: []string{"DNTN", "TNHH1TV"}},
			}}}); err != nil {
		return "", fmt.Errorf("demo business procedure: %w", err)
	}
	r, err := dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "demo-identity-biz",
		Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: &pb.DossierDraft{ProcedureCode: demoBizProc, AgencyCode: seed.OneStopCentre,
			Applicant: &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: citizens[0].id, Name: citizens[0].says,
				BirthDate: citizens[0].c.NgayThangNamSinh},
			Components: []*pb.DossierComponent{{Code: "GDN", Source: pb.ComponentSource_COMPONENT_SOURCE_PAPER}},
			Form:       map[string]string{"ten_doanh_nghiep": "Doanh nghiệp tư nhân Hùng Phát", "von_dieu_le": "500000000", "loai_hinh": "DNTN"}}}})
	if err != nil {
		return "", fmt.Errorf("demo business intake: %w", err)
	}
	// The job engine does this in serve; here it runs in the demo's
	// goroutine, so the output does not depend on timing.
	if _, err := a.RunHandoffs(ctx); err != nil {
		return "", err
	}
	got, err := dossiers.GetDossier(clerk, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: r.GetDossier().GetId()},
		Purpose: "demo: read the enterprise code the registry returned"})
	if err != nil {
		return "", err
	}
	h := got.GetDossier().GetBusinessHandoff()

	story = fmt.Sprintf("On %s a clerk took %d counter intakes with the population-database simulator answering on "+
		"127.0.0.1: %d were verified (MATCH, sealed into their event chains with the source and the fields that matched). "+
		"A mismatch was planted in the simulator for the third: %s "+
		"a fourth intake, %s, was pre-filled from the database (motcua dossier receive --from-population-db): fields %s "+
		"marked as taken from it. The business-registration dossier %s was accepted at the counter and handed off to "+
		"the business-registry simulator once (%d registration): status %s, enterprise code %s.",
		demoIdentityDay.Format(timeLayout), 3, verified, strings.Join(lines, " "), pre.GetCode(),
		strings.Join(pre.GetIdentityVerification().GetPrefilledFields(), ", "), got.GetDossier().GetCode(), biz.Registrations(),
		h.GetStatus(), h.GetEnterpriseCode())
	return story, nil
}
