package service_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/service"
	"github.com/motcua/motcua/internal/testenv"
)

// outcome is what one principal gets from one RPC.
type outcome string

const (
	// OK: the call succeeds; a list contains the target.
	OK outcome = "OK"
	// PD: PERMISSION_DENIED, and nothing changes.
	PD outcome = "DENIED"
	// NF: NOT_FOUND that tells nothing about the dossier (its existence is
	// hidden), and nothing changes; a list succeeds without the target.
	NF outcome = "HIDDEN"
)

// matrixPrincipals are the columns of the matrix. "Step unit" is the unit of
// the target dossier's current workflow step: the justice department for
// every row whose dossier is at a step.
var matrixPrincipals = []string{
	"citizen",          // the applicant of the target dossier
	"other-citizen",    // a citizen with no part in it
	"representative",   // role representative, named in the dossier with its mandate
	"helper",           // a community digital-support helper
	"clerk",            // clerk of the receiving agency 000.00.01.H55
	"clerk-other",      // clerk of another province's centre 000.00.01.H56
	"specialist",       // specialist of the step unit (justice 000.00.12.H55)
	"specialist-other", // specialist of another unit (finance 000.00.13.H55)
	"leader",           // leader of the step unit (justice)
	"leader-other",     // leader of another unit (finance)
	"auditor",          // auditor of the province 000.00.00.H55
	"auditor-other",    // auditor of the other province 000.00.00.H56
	"portal",           // integration relaying the applicant (x-motcua-citizen-id)
	"portal-alone",     // integration acting as itself, for no citizen
	"admin",
}

type cells = [15]outcome

type matrixRow struct {
	cells cells
	// rpc is the method name, with the variant in parentheses.
	rpc string
	// target is the dossier the call is made on.
	target string
}

// Targets of the dossier rows: the demo criminal-record procedure 1.001193
// (steps: 0 centre/clerk, 1 justice/specialist, 2 justice/leader, 3
// centre/clerk) filed at the centre by the applicant with a representative,
// except Resolve, made on the certified-copy procedure 2.000815 (steps: 0
// justice/specialist, 1 justice/leader) at its last step.
const (
	tNone      = "—"
	tNew       = "new online filing"
	tIntake    = "new counter filing"
	tSubmitted = "SUBMITTED"
	tStep1     = "PROCESSING at step 1 (justice/specialist)"
	tSupp      = "AWAITING_SUPPLEMENT at step 1"
	tPay       = "AWAITING_PAYMENT at step 1"
	tCopyLast  = "2.000815 PROCESSING at its last step 1 (justice/leader)"
	tResolved  = "RESOLVED"
	tProvince  = "province 000.00.00.H55"
	tReads     = "the clerk's reads of a step-1 dossier"
	tJustice   = "agency 000.00.12.H55 (the step unit), 2026"
	// No portal is configured in the matrix: a call that gets past the
	// authorisation to where it would need the portal counts as OK.
	tJusticeAll    = "agency 000.00.12.H55, no portal"
	tJusticeReport = "a reconciliation report of 000.00.12.H55"
	tWebhook       = "a webhook the admin created"
	tWebhookOff    = "a disabled webhook the admin created"
)

// authzMatrix is who gets what: rows are RPCs, columns matrixPrincipals.
// docs/authorization-matrix.md prints the same table.
var authzMatrix = []matrixRow{
	// ci citizen, oc other-citizen, re representative, he helper, cl clerk, cx clerk-other,
	// sp specialist, sx specialist-other, le leader, lx leader-other, au auditor,
	// ax auditor-other, po portal, pa portal-alone, ad admin.
	//
	//     ci  oc  re  he  cl  cx  sp  sx  le  lx  au  ax  po  pa  ad
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "CreateAgency", tNone},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK}, "GetAgency", tNone},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK}, "ListAgencies", tNone},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "CreateProcedure", tNone},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "AddProcedureVersion", tNone},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK}, "GetProcedure", tNone},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK}, "ListProcedures", tNone},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "SetCalendarYear", tNone},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK}, "GetCalendarYear", tNone},
	{cells{OK, PD, OK, OK, OK, PD, PD, PD, PD, PD, PD, PD, OK, PD, PD}, "SubmitDossier", tNew},
	{cells{PD, PD, PD, PD, OK, NF, PD, PD, PD, PD, PD, PD, PD, PD, PD}, "ReceiveDossier (accept)", tSubmitted},
	{cells{PD, PD, PD, PD, OK, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD}, "ReceiveDossier (intake)", tIntake},
	{cells{PD, PD, PD, PD, OK, NF, PD, PD, PD, PD, PD, PD, PD, PD, PD}, "NotAcceptDossier", tSubmitted},
	{cells{PD, PD, PD, PD, OK, NF, OK, NF, OK, NF, PD, PD, PD, PD, PD}, "RequestSupplement", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, PD, PD, PD, PD, PD, PD, OK, NF, PD}, "ProvideSupplement", tSupp},
	{cells{PD, PD, PD, PD, OK, NF, OK, NF, OK, NF, PD, PD, PD, PD, PD}, "RequestPayment", tStep1},
	{cells{PD, PD, PD, PD, OK, NF, PD, PD, PD, PD, PD, PD, OK, NF, PD}, "ConfirmPayment", tPay},
	{cells{PD, PD, PD, PD, PD, NF, OK, NF, OK, NF, PD, PD, PD, PD, PD}, "ForwardDossier", tStep1},
	{cells{PD, PD, PD, PD, OK, NF, PD, PD, OK, NF, PD, PD, PD, PD, PD}, "ExtendDeadline", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, PD, PD, PD, PD, PD, PD, OK, NF, PD}, "WithdrawDossier", tStep1},
	{cells{PD, PD, PD, PD, OK, NF, PD, PD, OK, NF, PD, PD, PD, PD, PD}, "StopDossier", tStep1},
	{cells{PD, PD, PD, PD, OK, NF, PD, NF, OK, NF, PD, PD, PD, PD, PD}, "ResolveDossier", tCopyLast},
	{cells{PD, PD, PD, PD, OK, NF, PD, PD, PD, PD, PD, PD, OK, NF, PD}, "ReturnResult", tResolved},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "GetDossier (id)", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "GetDossier (code)", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "ListDossiers", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "ListDossierEvents", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "GetProcessControlSlip", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "ExplainDeadline", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "WatchDossierEvents (dossier)", tStep1},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK, NF, PD, PD, OK}, "VerifyAuditChain (dossier)", tStep1},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK, PD, PD, PD, OK}, "VerifyAuditChain (agency)", tProvince},
	{cells{OK, NF, OK, PD, PD, NF, PD, NF, PD, NF, OK, NF, OK, NF, PD}, "ListDossierAccesses (dossier)", tStep1},
	{cells{PD, PD, PD, PD, OK, PD, PD, PD, PD, PD, OK, NF, PD, PD, PD}, "ListDossierAccesses (actor)", tReads},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK, PD, PD, PD, OK}, "ListProxyFilingSignals", tProvince},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK, PD, PD, PD, OK}, "ListCounterNetworkFilings", tProvince},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK, OK, PD, PD, OK}, "GetCheckpoint", tNone},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK, NF, PD, PD, OK}, "GetInclusionProof", tStep1},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, OK, PD, OK, PD, PD, PD, OK}, "GetIndicators", tJustice},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, OK, PD, OK, PD, PD, PD, OK}, "GetIndicatorSeries", tJustice},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, OK, PD, OK, PD, PD, PD, OK}, "ListOverdueByUnit", tJustice},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, OK, PD, OK, PD, PD, PD, OK}, "GetSyncStatus", tJusticeAll},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, OK, NF, OK, NF, PD, PD, OK}, "GetReconciliation", tJusticeReport},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "RetrySync", tJusticeAll},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "ResendSync", tJustice},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "ReconcileSync", tJusticeAll},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, PD, PD, OK, OK, PD}, "CreateUpload", tNone},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, PD, PD, OK, OK, PD}, "GetUpload (own)", tNone},
	{cells{OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, PD, PD, OK, OK, PD}, "UploadChunks (own)", tNone},
	{cells{OK, NF, OK, PD, OK, NF, OK, NF, OK, NF, OK, NF, OK, NF, PD}, "DownloadFile", tStep1},
	{cells{OK, NF, OK, PD, OK, NF, PD, PD, PD, PD, PD, PD, OK, NF, PD}, "ListReusableDocuments", tStep1},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK, OK, OK}, "CreateWebhook", tNone},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, NF, NF, OK}, "GetWebhook", tWebhook},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, NF, NF, OK}, "ListWebhooks", tWebhook},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, NF, NF, OK}, "RotateWebhookSecret", tWebhook},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, NF, NF, OK}, "DisableWebhook", tWebhook},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, NF, NF, OK}, "EnableWebhook", tWebhookOff},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, NF, NF, OK}, "ListWebhookDeliveries", tWebhook},
	{cells{PD, PD, PD, PD, OK, OK, PD, PD, PD, PD, PD, PD, PD, PD, PD}, "LookupCitizen", tNone},
	{cells{PD, PD, PD, PD, OK, NF, PD, PD, PD, PD, PD, PD, PD, PD, PD}, "CheckMandate", tStep1},
	{cells{OK, OK, PD, PD, PD, PD, PD, PD, PD, PD, OK, OK, PD, PD, OK}, "ListPopulationQueries", tNone},
	{cells{PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, PD, OK}, "RetryPendingVerifications", tNone},
}

const (
	h56Province  = "000.00.00.H56"
	h56Centre    = "000.00.01.H56"
	authzMandate = "GUQ-2026/0042"
	authzPurpose = "kiểm tra phân quyền"
	// authzProc is a procedure the test creates for AddProcedureVersion.
	authzProc = "9.MATRIX"
)

var (
	authzApplicant = testenv.CitizenID(501)
	authzRep       = testenv.CitizenID(502)
	authzOther     = testenv.CitizenID(503)
)

// methodOf returns the full method name of a matrix row ("GetDossier (id)"
// → "/motcua.v1.DossierService/GetDossier"), or "".
func methodOf(rpc string) string {
	name, _, _ := strings.Cut(rpc, " ")
	for m := range service.MethodRoles {
		if strings.HasSuffix(m, "/"+name) {
			return m
		}
	}
	return ""
}

// TestAuthorizationMatrix calls every RPC as each principal and checks the
// outcome against authzMatrix, which must also equal the table in
// docs/authorization-matrix.md. Denied and hidden calls must change nothing;
// HIDDEN answers must not mention anything the caller did not send.
func TestAuthorizationMatrix(t *testing.T) {
	t.Run("every RPC has a row", func(t *testing.T) {
		rows := map[string]int{}
		for _, r := range authzMatrix {
			m := methodOf(r.rpc)
			if m == "" {
				t.Errorf("row %q names no RPC of service.MethodRoles", r.rpc)
			}
			rows[m]++
		}
		methods := make([]string, 0, len(service.MethodRoles))
		for m := range service.MethodRoles {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			if rows[m] == 0 {
				t.Errorf("%s has no row in authzMatrix (and docs/authorization-matrix.md)", m)
			}
		}
	})
	t.Run("docs/authorization-matrix.md", checkMatrixDoc)
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		newAuthzEnv(t, e).run()
	})
}

// checkMatrixDoc compares the table between the matrix markers of
// docs/authorization-matrix.md with authzMatrix.
func checkMatrixDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/authorization-matrix.md")
	if err != nil {
		t.Fatalf("%v; it should hold:\n%s", err, matrixMarkdown())
	}
	doc := string(b)
	const beginMark, endMark = "<!-- matrix:begin -->", "<!-- matrix:end -->"
	begin, end := strings.Index(doc, beginMark), strings.Index(doc, endMark)
	if begin < 0 || end < begin {
		t.Fatalf("matrix markers not found in docs/authorization-matrix.md; the table is:\n%s", matrixMarkdown())
	}
	lines := strings.Split(strings.TrimSpace(doc[begin+len(beginMark):end]), "\n")
	cellsOf := func(line string) []string {
		parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range parts {
			parts[i] = strings.Trim(strings.TrimSpace(parts[i]), "`")
		}
		return parts
	}
	defer func() {
		if t.Failed() {
			t.Logf("the table should be:\n%s", matrixMarkdown())
		}
	}()
	if len(lines) < 2 {
		t.Fatal("the matrix has no header")
	}
	header := cellsOf(lines[0])
	if want := append([]string{"RPC", "dossier"}, matrixPrincipals...); !slices.Equal(header, want) {
		t.Fatalf("header is %q, want %q", header, want)
	}
	rows := lines[2:]
	if len(rows) != len(authzMatrix) {
		t.Fatalf("docs have %d rows, the test %d", len(rows), len(authzMatrix))
	}
	for i, r := range authzMatrix {
		c := cellsOf(rows[i])
		if len(c) != 2+len(matrixPrincipals) {
			t.Errorf("docs row %d has %d cells, want %d", i+1, len(c), 2+len(matrixPrincipals))
			continue
		}
		if c[0] != r.rpc || c[1] != r.target {
			t.Errorf("docs row %d is %q on %q, want %q on %q", i+1, c[0], c[1], r.rpc, r.target)
			continue
		}
		for j, who := range matrixPrincipals {
			if c[2+j] != string(r.cells[j]) {
				t.Errorf("%s × %s: docs say %s, the test %s", r.rpc, who, c[2+j], r.cells[j])
			}
		}
	}
}

// matrixMarkdown renders authzMatrix as the docs print it.
func matrixMarkdown() string {
	var b strings.Builder
	row := func(cs []string) { b.WriteString("| " + strings.Join(cs, " | ") + " |\n") }
	row(append([]string{"RPC", "dossier"}, matrixPrincipals...))
	b.WriteString("|" + strings.Repeat("---|", 2+len(matrixPrincipals)) + "\n")
	for _, r := range authzMatrix {
		cs := []string{r.rpc, r.target}
		for _, c := range r.cells {
			cs = append(cs, string(c))
		}
		row(cs)
	}
	return b.String()
}

// authzEnv is one server with the principals of the matrix.
type authzEnv struct {
	t     *testing.T
	e     *testenv.Env
	dr    *testenv.Driver
	audit pb.AuditServiceClient
	rep   pb.ReportServiceClient
	sync  pb.SyncServiceClient
	ctx   map[string]context.Context
	admin context.Context
	n     int
	read  *pb.Dossier
	// reportID is the reconciliation report GetReconciliation reads.
	reportID string
}

func newAuthzEnv(t *testing.T, e *testenv.Env) *authzEnv {
	m := &authzEnv{t: t, e: e, dr: e.NewDriver(t), audit: pb.NewAuditServiceClient(e.Conn),
		rep: pb.NewReportServiceClient(e.Conn), sync: pb.NewSyncServiceClient(e.Conn), admin: e.As(t, testenv.Admin)}
	for _, a := range []*pb.Agency{{Code: h56Province, Name: "Ủy ban nhân dân tỉnh khác"},
		{Code: h56Centre, Name: "Trung tâm Phục vụ hành chính công tỉnh khác", ParentCode: h56Province}} {
		if _, err := e.Catalog.CreateAgency(m.admin, &pb.CreateAgencyRequest{RequestId: "setup-" + a.GetCode(), Agency: a}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Catalog.CreateProcedure(m.admin, &pb.CreateProcedureRequest{RequestId: "setup-proc",
		Procedure: m.procedure(authzProc), Version: m.procedureVersion(time.Time{})}); err != nil {
		t.Fatal(err)
	}
	staff := func(sub string, r domain.Role, agency string) auth.TokenSpec {
		return auth.TokenSpec{Subject: sub, Role: r, Agency: agency}
	}
	specs := map[string]auth.TokenSpec{
		"citizen":       testenv.Citizen(authzApplicant),
		"other-citizen": testenv.Citizen(authzOther),
		"representative": {Subject: "rep-" + authzRep, Role: domain.RoleRepresentative, CitizenID: authzRep,
			Assurance: domain.AssuranceVNeID2, MandateRef: authzMandate},
		"helper":           {Subject: "helper-1", Role: domain.RoleCommunityHelper},
		"clerk":            staff("m-clerk", domain.RoleClerk, seed.OneStopCentre),
		"clerk-other":      staff("m-clerk-h56", domain.RoleClerk, h56Centre),
		"specialist":       staff("m-specialist", domain.RoleSpecialist, seed.JusticeDept),
		"specialist-other": staff("m-specialist-fin", domain.RoleSpecialist, seed.FinanceDept),
		"leader":           staff("m-leader", domain.RoleLeader, seed.JusticeDept),
		"leader-other":     staff("m-leader-fin", domain.RoleLeader, seed.FinanceDept),
		"auditor":          staff("m-auditor", domain.RoleAuditor, seed.Province),
		"auditor-other":    staff("m-auditor-h56", domain.RoleAuditor, h56Province),
		"portal":           {Subject: "dvc-portal", Role: domain.RoleIntegration},
		"portal-alone":     {Subject: "payment-gateway", Role: domain.RoleIntegration},
		"admin":            testenv.Admin,
	}
	m.ctx = map[string]context.Context{}
	for _, who := range matrixPrincipals {
		spec, ok := specs[who]
		if !ok {
			t.Fatalf("no principal %q", who)
		}
		m.ctx[who] = e.As(t, spec)
	}
	m.ctx["portal"] = withCitizen(m.ctx["portal"], authzApplicant, "VNEID_2")
	return m
}

func (m *authzEnv) rid() string { m.n++; return fmt.Sprintf("authz-%d", m.n) }

func (m *authzEnv) procedure(code string) *pb.Procedure {
	return &pb.Procedure{Code: code, Name: "Thủ tục thử phân quyền", FieldCode: "TEST", FieldName: "Thử nghiệm", AgencyCode: seed.Province}
}

func (m *authzEnv) procedureVersion(effective time.Time) *pb.ProcedureVersion {
	v := &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_OFFLINE, StatutoryWorkingDays: 1,
		Components: []*pb.DocumentComponent{{Code: "DON", Name: "Đơn", Mandatory: true}},
		Workflow:   []*pb.WorkflowStep{{Name: "Xử lý", UnitCode: seed.JusticeDept, Role: pb.Role_ROLE_SPECIALIST, AllottedWorkingHours: 8}}}
	if !effective.IsZero() {
		v.EffectiveTime = timestamppb.New(effective)
	}
	return v
}

func authzRepresentative() *pb.Representative {
	return &pb.Representative{Name: "Lê Thị Cúc", IdNumber: authzRep, MandateRef: authzMandate}
}

// authzDraft is the applicant's online filing naming the representative.
func authzDraft() *pb.DossierDraft {
	d := testenv.Draft(authzApplicant)
	d.Representative = authzRepresentative()
	return d
}

// Targets. Each returns a fresh dossier (the read target is shared).

func (m *authzEnv) submitted() *pb.Dossier { return m.dr.Submit(authzDraft()) }

func (m *authzEnv) atStep1() *pb.Dossier {
	d := m.dr.Must(domain.ActionForward, m.dr.Must(domain.ActionReceive, m.submitted()))
	if d.GetCurrentStep().GetIndex() != 1 || d.GetCurrentStep().GetUnitCode() != seed.JusticeDept {
		m.t.Fatalf("not at step 1 of the justice department: %v", d.GetCurrentStep())
	}
	return d
}

func (m *authzEnv) paused(a domain.Action) func() *pb.Dossier {
	return func() *pb.Dossier { return m.dr.Must(a, m.atStep1()) }
}

func (m *authzEnv) copyAtLastStep() *pb.Dossier {
	d := m.dr.Intake(&pb.DossierDraft{ProcedureCode: seed.ProcCopy, AgencyCode: seed.OneStopCentre,
		Applicant:      &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: authzApplicant, Name: "Nguyễn Văn An"},
		Representative: authzRepresentative(), Summary: "Chứng thực bản sao",
		Components: []*pb.DossierComponent{{Code: "BC", Source: pb.ComponentSource_COMPONENT_SOURCE_PAPER},
			{Code: "BS", Source: pb.ComponentSource_COMPONENT_SOURCE_DIGITISED, FileRef: "files/bs.pdf", FileSha256: testenv.Sha256("files/bs.pdf")}}})
	d = m.dr.Must(domain.ActionForward, d)
	if d.GetCurrentStep().GetIndex() != 1 || d.GetCurrentStep().GetUnitCode() != seed.JusticeDept {
		m.t.Fatalf("not at the last step of the justice department: %v", d.GetCurrentStep())
	}
	return d
}

func (m *authzEnv) resolved() *pb.Dossier {
	return m.dr.Must(domain.ActionResolve, m.dr.ForwardToLastStep(m.atStep1()))
}

func (m *authzEnv) readTarget() *pb.Dossier {
	if m.read == nil {
		m.read = m.atStep1()
	}
	return m.read
}

// sealed makes sure a checkpoint includes the read target.
func (m *authzEnv) sealed() *pb.Dossier {
	d := m.readTarget()
	if _, err := m.e.App.SealCheckpoint(context.Background()); err != nil {
		m.t.Fatal(err)
	}
	return d
}

// readByClerk makes sure the receiving clerk's reads include the read target.
func (m *authzEnv) readByClerk() *pb.Dossier {
	d := m.readTarget()
	if _, err := m.e.Dossiers.GetDossier(m.ctx["clerk"], &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: authzPurpose}); err != nil {
		m.t.Fatal(err)
	}
	return d
}

// rowImpl is how a row's call is made and judged.
type rowImpl struct {
	// prep returns the target dossier; nil when the call needs none.
	prep func() *pb.Dossier
	// mutates: OK consumes the target (version + 1); any other outcome
	// leaves it as it was.
	mutates bool
	// creates: an outcome other than OK leaves every table's row count as
	// it was.
	creates bool
	// list: OK means the target is in the answer; HIDDEN that the call
	// succeeds without it.
	list bool
	// byCode: the call names the dossier by its code, not its id.
	byCode bool
	// state, if set, fingerprints what a refused call must not change.
	state func() string
	// call makes the RPC; for a list it reports whether the target is in it.
	call func(ctx context.Context, d *pb.Dossier) (listed bool, err error)
}

func noList(err error) (bool, error) { return false, err }

// sameDossier checks that a successful single-dossier answer is about d.
func sameDossier(got interface{ GetId() string }, d *pb.Dossier, err error) (bool, error) {
	if err == nil && got.GetId() != d.GetId() {
		return false, fmt.Errorf("answered with dossier %q, want %q", got.GetId(), d.GetId())
	}
	return false, err
}

func (m *authzEnv) impls() map[string]rowImpl {
	e, c := m.e, m.e.Dossiers
	period := func() (*timestamppb.Timestamp, *timestamppb.Timestamp) {
		return timestamppb.New(fixedNow.Add(-24 * time.Hour)), timestamppb.New(fixedNow.Add(24 * time.Hour))
	}
	calendarState := func() string {
		v, err := e.Calendar.GetCalendarYear(m.admin, &pb.GetCalendarYearRequest{Year: 2030, AgencyCode: h56Centre})
		if err != nil {
			m.t.Fatal(err)
		}
		return fmt.Sprint(e.CountRows(m.t), len(v.GetLocalDays()), v.GetNationalDecided())
	}
	return map[string]rowImpl{
		"CreateAgency": {creates: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			rid := m.rid()
			_, err := e.Catalog.CreateAgency(ctx, &pb.CreateAgencyRequest{RequestId: rid,
				Agency: &pb.Agency{Code: fmt.Sprintf("T%d.00.H55", m.n), Name: "Phường thử " + rid, ParentCode: seed.Province}})
			return noList(err)
		}},
		"GetAgency": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			r, err := e.Catalog.GetAgency(ctx, &pb.GetAgencyRequest{Code: seed.Province})
			if err == nil && r.GetAgency().GetCode() != seed.Province {
				err = fmt.Errorf("got agency %q", r.GetAgency().GetCode())
			}
			return noList(err)
		}},
		"ListAgencies": {list: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			found := false
			for tok := ""; ; {
				r, err := e.Catalog.ListAgencies(ctx, &pb.ListAgenciesRequest{PageSize: 1000, PageToken: tok})
				if err != nil {
					return false, err
				}
				for _, a := range r.GetAgencies() {
					found = found || a.GetCode() == seed.Province
				}
				if tok = r.GetNextPageToken(); tok == "" {
					return found, nil
				}
			}
		}},
		"CreateProcedure": {creates: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			rid := m.rid()
			_, err := e.Catalog.CreateProcedure(ctx, &pb.CreateProcedureRequest{RequestId: rid,
				Procedure: m.procedure(fmt.Sprintf("9.T%05d", m.n)), Version: m.procedureVersion(time.Time{})})
			return noList(err)
		}},
		"AddProcedureVersion": {creates: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			rid := m.rid()
			_, err := e.Catalog.AddProcedureVersion(ctx, &pb.AddProcedureVersionRequest{RequestId: rid, ProcedureCode: authzProc,
				Version: m.procedureVersion(fixedNow.Add(time.Duration(m.n) * 24 * time.Hour))})
			return noList(err)
		}},
		"GetProcedure": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			r, err := e.Catalog.GetProcedure(ctx, &pb.GetProcedureRequest{Code: seed.ProcCriminal})
			if err == nil && r.GetProcedure().GetCode() != seed.ProcCriminal {
				err = fmt.Errorf("got procedure %q", r.GetProcedure().GetCode())
			}
			return noList(err)
		}},
		"ListProcedures": {list: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			found := false
			for tok := ""; ; {
				r, err := e.Catalog.ListProcedures(ctx, &pb.ListProceduresRequest{PageSize: 1000, PageToken: tok})
				if err != nil {
					return false, err
				}
				for _, p := range r.GetProcedures() {
					found = found || p.GetCode() == seed.ProcCriminal
				}
				if tok = r.GetNextPageToken(); tok == "" {
					return found, nil
				}
			}
		}},
		"SetCalendarYear": {creates: true, state: calendarState, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := e.Calendar.SetCalendarYear(ctx, &pb.SetCalendarYearRequest{RequestId: m.rid(), Year: 2030, AgencyCode: h56Centre,
				Days: []*pb.SpecialDay{{Date: "2030-03-15", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Ngày thử"}}})
			return noList(err)
		}},
		"GetCalendarYear": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := e.Calendar.GetCalendarYear(ctx, &pb.GetCalendarYearRequest{Year: 2026, AgencyCode: seed.OneStopCentre})
			return noList(err)
		}},

		"SubmitDossier": {creates: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := c.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: m.rid(), Dossier: authzDraft()})
			return noList(err)
		}},
		"ReceiveDossier (accept)": {prep: m.submitted, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: m.rid(),
				Target: &pb.ReceiveDossierRequest_DossierId{DossierId: d.GetId()}, ExpectedVersion: d.GetVersion()})
			return noList(err)
		}},
		"ReceiveDossier (intake)": {creates: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			draft := testenv.CounterDraft(authzApplicant)
			draft.Representative = authzRepresentative()
			// Authorisation only: the scan's upload is the clerk's (DocumentService rows).
			draft.Components[0].Source, draft.Components[0].FileRef, draft.Components[0].FileSha256 = pb.ComponentSource_COMPONENT_SOURCE_PAPER, "", ""
			_, err := c.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: m.rid(),
				Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: draft}})
			return noList(err)
		}},
		"NotAcceptDossier": {prep: m.submitted, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.NotAcceptDossier(ctx, &pb.NotAcceptDossierRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Reason: "không thuộc thẩm quyền"})
			return noList(err)
		}},
		"RequestSupplement": {prep: m.atStep1, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.RequestSupplement(ctx, &pb.RequestSupplementRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Reason: "tờ khai thiếu chữ ký", ComponentCodes: []string{"TK-LLTP"}})
			return noList(err)
		}},
		"ProvideSupplement": {prep: m.paused(domain.ActionRequestSupplement), mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.ProvideSupplement(ctx, &pb.ProvideSupplementRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Components: []*pb.DossierComponent{{Code: "TK-LLTP", FileRef: "files/tk2.pdf",
					FileSha256: testenv.Sha256("tk2"), Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED}}})
			return noList(err)
		}},
		"RequestPayment": {prep: m.atStep1, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.RequestPayment(ctx, &pb.RequestPaymentRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), AmountVnd: 200000, Reason: "phí cấp phiếu"})
			return noList(err)
		}},
		"ConfirmPayment": {prep: m.paused(domain.ActionRequestPayment), mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), ReceiptRef: "BL-0042"})
			return noList(err)
		}},
		"ForwardDossier": {prep: m.atStep1, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.ForwardDossier(ctx, &pb.ForwardDossierRequest{RequestId: m.rid(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion()})
			return noList(err)
		}},
		"ExtendDeadline": {prep: m.atStep1, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Reason: "cần xác minh thêm",
				NewDueTime: timestamppb.New(d.GetDueTime().AsTime().Add(72 * time.Hour))})
			return noList(err)
		}},
		"WithdrawDossier": {prep: m.atStep1, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.WithdrawDossier(ctx, &pb.WithdrawDossierRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Reason: "không còn nhu cầu"})
			return noList(err)
		}},
		"StopDossier": {prep: m.atStep1, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.StopDossier(ctx, &pb.StopDossierRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Reason: "quá hạn bổ sung"})
			return noList(err)
		}},
		"ResolveDossier": {prep: m.copyAtLastStep, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.ResolveDossier(ctx, &pb.ResolveDossierRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Result: &pb.DossierResult{Signer: "Giám đốc Sở Tư pháp",
					Documents: []*pb.ResultDocument{{Code: "BS-CT", Name: "Bản sao đã chứng thực", FileRef: "files/ct.pdf", FileSha256: testenv.Sha256("ct")}}}})
			return noList(err)
		}},
		"ReturnResult": {prep: m.resolved, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := c.ReturnResult(ctx, &pb.ReturnResultRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Channel: pb.Channel_CHANNEL_ONLINE})
			return noList(err)
		}},

		"GetDossier (id)": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := c.GetDossier(ctx, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: authzPurpose})
			return sameDossier(r.GetDossier(), d, err)
		}},
		"GetDossier (code)": {prep: m.readTarget, byCode: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := c.GetDossier(ctx, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Code{Code: d.GetCode()}, Purpose: authzPurpose})
			return sameDossier(r.GetDossier(), d, err)
		}},
		"ListDossiers": {prep: m.readTarget, list: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			all, err := listAllDossiers(ctx, c, &pb.ListDossiersRequest{Purpose: authzPurpose})
			return slices.ContainsFunc(all, func(x *pb.Dossier) bool { return x.GetId() == d.GetId() }), err
		}},
		"ListDossierEvents": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := c.ListDossierEvents(ctx, &pb.ListDossierEventsRequest{DossierId: d.GetId(), Purpose: authzPurpose})
			if err == nil && (len(r.GetEvents()) == 0 || r.GetEvents()[0].GetDossierId() != d.GetId()) {
				err = fmt.Errorf("events %v", r.GetEvents())
			}
			return noList(err)
		}},
		"GetProcessControlSlip": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := c.GetProcessControlSlip(ctx, &pb.GetProcessControlSlipRequest{DossierId: d.GetId(), Purpose: authzPurpose})
			if err == nil && r.GetDossierCode() != d.GetCode() {
				err = fmt.Errorf("slip of %q", r.GetDossierCode())
			}
			return noList(err)
		}},
		"ExplainDeadline": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := c.ExplainDeadline(ctx, &pb.ExplainDeadlineRequest{DossierId: d.GetId(), Purpose: authzPurpose})
			if err == nil && r.GetDossierCode() != d.GetCode() {
				err = fmt.Errorf("explanation of %q", r.GetDossierCode())
			}
			return noList(err)
		}},

		"WatchDossierEvents (dossier)": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			ev, err := firstWatched(ctx, pb.NewEventServiceClient(m.e.Conn), d.GetId(), authzPurpose)
			if err == nil && ev.GetDossierId() != d.GetId() {
				err = fmt.Errorf("event %v", ev)
			}
			return noList(err)
		}},
		"VerifyAuditChain (dossier)": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			return noList(firstOfChain(ctx, m.audit, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_DossierId{DossierId: d.GetId()}}))
		}},
		"VerifyAuditChain (agency)": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			from, to := period()
			return noList(firstOfChain(ctx, m.audit, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_AgencyPeriod{
				AgencyPeriod: &pb.AgencyPeriod{AgencyCode: seed.Province, FromTime: from, ToTime: to}}}))
		}},
		"ListDossierAccesses (dossier)": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := m.audit.ListDossierAccesses(ctx, &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: d.GetId()}})
			for _, a := range r.GetAccesses() {
				if a.GetDossierId() != d.GetId() {
					err = errors.Join(err, fmt.Errorf("access to another dossier: %v", a))
				}
			}
			return noList(err)
		}},
		"ListDossierAccesses (actor)": {prep: m.readByClerk, list: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := m.audit.ListDossierAccesses(ctx, &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_ActorId{ActorId: "m-clerk"}, PageSize: 1000})
			return slices.ContainsFunc(r.GetAccesses(), func(a *pb.DossierAccess) bool { return a.GetDossierId() == d.GetId() }), err
		}},
		"ListProxyFilingSignals": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			from, to := period()
			_, err := m.audit.ListProxyFilingSignals(ctx, &pb.ListProxyFilingSignalsRequest{AgencyCode: seed.Province, FromTime: from, ToTime: to})
			return noList(err)
		}},
		"GetCheckpoint": {prep: m.sealed, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.audit.GetCheckpoint(ctx, &pb.GetCheckpointRequest{})
			return noList(err)
		}},
		"GetInclusionProof": {prep: m.sealed, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := m.audit.GetInclusionProof(ctx, &pb.GetInclusionProofRequest{DossierId: d.GetId()})
			return noList(err)
		}},
		"ListCounterNetworkFilings": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			from, to := period()
			_, err := m.audit.ListCounterNetworkFilings(ctx, &pb.ListCounterNetworkFilingsRequest{AgencyCode: seed.Province, FromTime: from, ToTime: to})
			return noList(err)
		}},

		"CreateUpload": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: m.rid(), Sha256: testenv.Sha256("x"), Size: 1, MediaType: testenv.TextFile})
			return noList(err)
		}},
		"GetUpload (own)": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			u, err := m.e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: m.rid(), Sha256: testenv.Sha256("x"), Size: 1, MediaType: testenv.TextFile})
			if err != nil {
				return noList(err)
			}
			_, err = m.e.Files.GetUpload(ctx, &pb.GetUploadRequest{UploadId: u.GetUpload().GetUploadId()})
			return noList(err)
		}},
		"UploadChunks (own)": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			u, err := m.e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: m.rid(), Sha256: testenv.Sha256("x"), Size: 1, MediaType: testenv.TextFile})
			if err != nil {
				return noList(err)
			}
			st, err := m.e.Files.UploadChunks(ctx)
			if err == nil {
				_ = st.Send(&pb.UploadChunksRequest{UploadId: u.GetUpload().GetUploadId(), Data: []byte("x")})
				_, err = st.CloseAndRecv()
			}
			return noList(err)
		}},
		"DownloadFile": {prep: m.readTarget, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			st, err := m.e.Files.DownloadFile(ctx, &pb.DownloadFileRequest{DossierId: d.GetId(),
				File: &pb.DownloadFileRequest_ComponentCode{ComponentCode: "TK-LLTP"}, Purpose: authzPurpose})
			if err == nil {
				var r *pb.DownloadFileResponse
				if r, err = st.Recv(); err == nil && r.GetInfo().GetSha256() != d.GetComponents()[0].GetFileSha256() {
					err = fmt.Errorf("file %v", r.GetInfo())
				}
			}
			return noList(err)
		}},
		"ListReusableDocuments": {prep: m.readTarget, list: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			found := false
			for tok := ""; ; {
				r, err := m.e.Files.ListReusableDocuments(ctx, &pb.ListReusableDocumentsRequest{ApplicantIdNumber: authzApplicant,
					Purpose: authzPurpose, PageToken: tok})
				if err != nil {
					return false, err
				}
				for _, doc := range r.GetDocuments() {
					found = found || doc.GetReference() == "dossier:"+d.GetCode()+"/TK-LLTP"
				}
				if tok = r.GetNextPageToken(); tok == "" {
					return found, nil
				}
			}
		}},

		"LookupCitizen": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := pb.NewIdentityServiceClient(e.Conn).LookupCitizen(ctx, &pb.LookupCitizenRequest{IdNumber: authzOther, Purpose: authzPurpose})
			// The matrix's server has no population database: a caller past
			// every permission check learns that (population_test.go tests
			// the connected server).
			if st, _ := status.FromError(err); st.Code() == codes.FailedPrecondition && reason(st) == "POPULATION_DB_NOT_CONFIGURED" {
				err = nil
			}
			return noList(err)
		}},
		"CheckMandate": {prep: m.atStep1, mutates: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := pb.NewIdentityServiceClient(e.Conn).CheckMandate(ctx, &pb.CheckMandateRequest{RequestId: m.rid(), DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Decision: pb.MandateStatus_MANDATE_STATUS_VERIFIED, Note: "đã đối chiếu"})
			return sameDossier(r.GetDossier(), d, err)
		}},
		"ListPopulationQueries": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := pb.NewIdentityServiceClient(e.Conn).ListPopulationQueries(ctx, &pb.ListPopulationQueriesRequest{})
			return noList(err)
		}},
		"RetryPendingVerifications": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := pb.NewIdentityServiceClient(e.Conn).RetryPendingVerifications(ctx, &pb.RetryPendingVerificationsRequest{})
			return noList(err)
		}},
		"GetIndicators": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.rep.GetIndicators(ctx, &pb.GetIndicatorsRequest{Scope: justice2026()})
			return noList(err)
		}},
		"GetIndicatorSeries": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.rep.GetIndicatorSeries(ctx, &pb.GetIndicatorSeriesRequest{Scope: justice2026()})
			return noList(err)
		}},
		"ListOverdueByUnit": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.rep.ListOverdueByUnit(ctx, &pb.ListOverdueByUnitRequest{Scope: justice2026()})
			return noList(err)
		}},

		"GetSyncStatus": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.sync.GetSyncStatus(ctx, &pb.GetSyncStatusRequest{Selector: &pb.SyncSelector{AgencyCode: seed.JusticeDept}})
			return noList(err)
		}},
		"GetReconciliation": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.sync.GetReconciliation(ctx, &pb.GetReconciliationRequest{Id: m.reconciliation()})
			return noList(err)
		}},
		"RetrySync": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.sync.RetrySync(ctx, &pb.RetrySyncRequest{RequestId: m.rid(), Selector: &pb.SyncSelector{AgencyCode: seed.JusticeDept}})
			return noList(err)
		}},
		"ResendSync": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			from, _ := period()
			_, err := m.sync.ResendSync(ctx, &pb.ResendSyncRequest{RequestId: m.rid(), Selector: &pb.SyncSelector{AgencyCode: seed.JusticeDept, FromTime: from}})
			return noList(err)
		}},
		"ReconcileSync": {call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := m.sync.ReconcileSync(ctx, &pb.ReconcileSyncRequest{RequestId: m.rid(), AgencyCode: seed.JusticeDept})
			if st, _ := status.FromError(err); st.Code() == codes.FailedPrecondition && strings.Contains(st.Message(), "not configured") {
				err = nil // authorised, and stopped only for want of a portal
			}
			return noList(err)
		}},
	}
}

// reconciliation stores (once) a reconciliation report of the justice
// department and returns its id.
func (m *authzEnv) reconciliation() string {
	if m.reportID == "" {
		m.reportID = uuid.NewString()
		now := time.Now().UTC()
		if err := m.e.Store.PutReconciliation(context.Background(), &app.Reconciliation{ID: m.reportID, AgencyCode: seed.JusticeDept,
			StartedAt: now, FinishedAt: now}); err != nil {
			m.t.Fatal(err)
		}
	}
	return m.reportID
}

// justice2026 is the report scope of the matrix: the step unit's year.
func justice2026() *pb.ReportScope {
	return &pb.ReportScope{AgencyCode: seed.JusticeDept, Period: "2026"}
}

// firstWatched replays a dossier's events with WatchDossierEvents and
// returns the first.
func firstWatched(ctx context.Context, c pb.EventServiceClient, dossierID, purpose string) (*pb.DossierEvent, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.WatchDossierEvents(ctx, &pb.WatchDossierEventsRequest{DossierId: dossierID, Purpose: purpose,
		Start: pb.WatchDossierEventsRequest_START_BEGINNING})
	if err != nil {
		return nil, err
	}
	m, err := stream.Recv()
	return m.GetEvent(), err
}

// firstOfChain starts VerifyAuditChain and reads its first message.
func firstOfChain(ctx context.Context, c pb.AuditServiceClient, req *pb.VerifyAuditChainRequest) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.VerifyAuditChain(ctx, req)
	if err != nil {
		return err
	}
	_, err = stream.Recv()
	return err
}

// listAllDossiers pages through ListDossiers.
func listAllDossiers(ctx context.Context, c pb.DossierServiceClient, req *pb.ListDossiersRequest) ([]*pb.Dossier, error) {
	req = proto.Clone(req).(*pb.ListDossiersRequest)
	req.PageSize = 1000
	var out []*pb.Dossier
	for {
		r, err := c.ListDossiers(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, r.GetDossiers()...)
		if r.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = r.GetNextPageToken()
	}
}

// judge turns a call's answer into an outcome; anything unexpected is
// spelled out so that the mismatch says what happened.
func judge(impl rowImpl, listed bool, err error) outcome {
	if err == nil {
		if impl.list && !listed {
			return NF
		}
		return OK
	}
	st, ok := status.FromError(err)
	switch {
	case !ok:
		return outcome("wrong answer")
	case st.Code() == codes.PermissionDenied:
		return PD
	case st.Code() == codes.NotFound && !impl.list:
		return NF
	}
	return outcome(st.Code().String())
}

// dossierState is what a refused call must not change.
func (m *authzEnv) dossierState(id string) (int64, string) {
	d, err := m.e.Store.GetDossier(context.Background(), id)
	if err != nil {
		m.t.Fatal(err)
	}
	return d.Version, fmt.Sprintf("v%d %s events %d head %s updated %s", d.Version, d.Status, d.LastEventSeq, d.LastEventHash, d.UpdatedAt)
}

// leaks lists what a HIDDEN answer says about d that the caller did not send.
func leaks(err error, d *pb.Dossier, byCode bool) []string {
	st, _ := status.FromError(err)
	text := st.Message() + fmt.Sprint(st.Details())
	secrets := []string{d.GetApplicant().GetName(), d.GetSummary(), d.GetStatus().String(), d.GetRepresentative().GetIdNumber()}
	if byCode {
		secrets = append(secrets, d.GetId())
	} else {
		secrets = append(secrets, d.GetCode())
	}
	var out []string
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	return out
}

func (m *authzEnv) run() {
	t := m.t
	impls := m.impls()
	maps.Copy(impls, m.webhookImpls())
	for _, row := range authzMatrix {
		impl, ok := impls[row.rpc]
		if !ok {
			t.Errorf("row %q has no implementation in the test", row.rpc)
			continue
		}
		var d *pb.Dossier
		for j, who := range matrixPrincipals {
			want := row.cells[j]
			if impl.prep != nil && d == nil {
				d = impl.prep()
			}
			state := impl.state
			if state == nil && impl.creates {
				state = func() string { return fmt.Sprint(m.e.CountRows(t)) }
			}
			var beforeVersion int64
			var before string
			if impl.mutates {
				beforeVersion, before = m.dossierState(d.GetId())
			} else if state != nil {
				before = state()
			}
			listed, err := impl.call(m.ctx[who], d)
			got := judge(impl, listed, err)
			if got != want {
				t.Errorf("%s × %s: got %s (%v), want %s", row.rpc, who, got, err, want)
			}
			if got == NF && d != nil && !impl.list {
				if l := leaks(err, d, impl.byCode); len(l) > 0 {
					t.Errorf("%s × %s: the NOT_FOUND answer reveals %q it was not given: %v", row.rpc, who, l, err)
				}
			}
			switch {
			case impl.mutates && got == OK:
				if v, _ := m.dossierState(d.GetId()); v != beforeVersion+1 {
					t.Errorf("%s × %s: succeeded but the dossier is at version %d, want %d", row.rpc, who, v, beforeVersion+1)
				}
				d = nil // consumed: the next principal gets a fresh target
			case impl.mutates:
				if _, after := m.dossierState(d.GetId()); after != before {
					t.Errorf("%s × %s: refused (%s) but the dossier changed: %s -> %s", row.rpc, who, got, before, after)
				}
			case state != nil && got != OK:
				if after := state(); after != before {
					t.Errorf("%s × %s: refused (%s) but the store changed: %s -> %s", row.rpc, who, got, before, after)
				}
			}
		}
	}
}

// TestCitizenCannotReachAnotherCitizensDossier: a citizen tries every dossier
// RPC on other citizens' dossiers (by id and by code). RPCs a citizen may
// call at all answer NOT_FOUND exactly as for a dossier that does not exist;
// RPCs no citizen may call answer PERMISSION_DENIED, also exactly as for a
// dossier that does not exist, so neither confirms the dossier. No list
// filter naming the victim returns the victim's dossiers, and the victim's
// dossiers are unchanged afterwards.
func TestCitizenCannotReachAnotherCitizensDossier(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		victimID, attackerID := testenv.CitizenID(601), testenv.CitizenID(602)
		victim, attacker := e.As(t, testenv.Citizen(victimID)), e.As(t, testenv.Citizen(attackerID))
		audit := pb.NewAuditServiceClient(e.Conn)
		c := e.Dossiers

		submitted := dr.Submit(testenv.Draft(victimID))
		awaiting := dr.Must(domain.ActionRequestSupplement, dr.Must(domain.ActionForward, dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(victimID)))))
		resolved := dr.Must(domain.ActionResolve, dr.ForwardToLastStep(dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(victimID)))))
		victims := []*pb.Dossier{submitted, awaiting, resolved}
		own := dr.Submit(testenv.Draft(attackerID))

		snapshot := func(d *pb.Dossier) string {
			t.Helper()
			g, err := c.GetDossier(victim, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}})
			if err != nil {
				t.Fatal(err)
			}
			evs, err := c.ListDossierEvents(victim, &pb.ListDossierEventsRequest{DossierId: d.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			slip, err := c.GetProcessControlSlip(victim, &pb.GetProcessControlSlipRequest{DossierId: d.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(g, evs, slip)
		}
		before := map[string]string{}
		for _, v := range victims {
			before[v.GetId()] = snapshot(v)
		}
		rowsBefore := e.CountRows(t)

		type call struct {
			rpc string
			// lookup: the call names an existing dossier (else it files a
			// new one in the victim's name).
			lookup bool
			do     func(ctx context.Context, d *pb.Dossier) error
		}
		rid := 0
		next := func() string { rid++; return fmt.Sprintf("reach-%d", rid) }
		calls := []call{
			{"SubmitDossier", false, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: next(), Dossier: testenv.Draft(d.GetApplicant().GetIdNumber())})
				return err
			}},
			{"ReceiveDossier", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: next(),
					Target: &pb.ReceiveDossierRequest_DossierId{DossierId: d.GetId()}, ExpectedVersion: d.GetVersion()})
				return err
			}},
			{"NotAcceptDossier", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.NotAcceptDossier(ctx, &pb.NotAcceptDossierRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(), Reason: "x"})
				return err
			}},
			{"RequestSupplement", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.RequestSupplement(ctx, &pb.RequestSupplementRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(),
					Reason: "x", ComponentCodes: []string{"TK-LLTP"}})
				return err
			}},
			{"ProvideSupplement", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ProvideSupplement(ctx, &pb.ProvideSupplementRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(),
					Components: []*pb.DossierComponent{{Code: "TK-LLTP", FileRef: "files/x.pdf", FileSha256: testenv.Sha256("x"),
						Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED}}})
				return err
			}},
			{"RequestPayment", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.RequestPayment(ctx, &pb.RequestPaymentRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(),
					AmountVnd: 1000, Reason: "x"})
				return err
			}},
			{"ConfirmPayment", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(), ReceiptRef: "x"})
				return err
			}},
			{"ForwardDossier", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ForwardDossier(ctx, &pb.ForwardDossierRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion()})
				return err
			}},
			{"ExtendDeadline", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(),
					Reason: "x", NewDueTime: timestamppb.New(fixedNow.Add(30 * 24 * time.Hour))})
				return err
			}},
			{"WithdrawDossier", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.WithdrawDossier(ctx, &pb.WithdrawDossierRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(), Reason: "x"})
				return err
			}},
			{"StopDossier", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.StopDossier(ctx, &pb.StopDossierRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(), Reason: "x"})
				return err
			}},
			{"ResolveDossier", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ResolveDossier(ctx, &pb.ResolveDossierRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(),
					Result: &pb.DossierResult{Electronic: true}})
				return err
			}},
			{"ReturnResult", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ReturnResult(ctx, &pb.ReturnResultRequest{RequestId: next(), DossierId: d.GetId(), ExpectedVersion: d.GetVersion(),
					Channel: pb.Channel_CHANNEL_ONLINE})
				return err
			}},
			{"GetDossier (id)", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.GetDossier(ctx, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}})
				return err
			}},
			{"GetDossier (code)", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.GetDossier(ctx, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Code{Code: d.GetCode()}})
				return err
			}},
			{"ListDossierEvents", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ListDossierEvents(ctx, &pb.ListDossierEventsRequest{DossierId: d.GetId()})
				return err
			}},
			{"GetProcessControlSlip", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.GetProcessControlSlip(ctx, &pb.GetProcessControlSlipRequest{DossierId: d.GetId()})
				return err
			}},
			{"ExplainDeadline", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := c.ExplainDeadline(ctx, &pb.ExplainDeadlineRequest{DossierId: d.GetId()})
				return err
			}},
			{"WatchDossierEvents (dossier)", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := firstWatched(ctx, pb.NewEventServiceClient(e.Conn), d.GetId(), "")
				return err
			}},
			{"VerifyAuditChain (dossier)", true, func(ctx context.Context, d *pb.Dossier) error {
				return firstOfChain(ctx, audit, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_DossierId{DossierId: d.GetId()}})
			}},
			{"ListDossierAccesses (dossier)", true, func(ctx context.Context, d *pb.Dossier) error {
				_, err := audit.ListDossierAccesses(ctx, &pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: d.GetId()}})
				return err
			}},
		}
		covered := map[string]bool{pb.DossierService_ListDossiers_FullMethodName: true} // below
		for _, cl := range calls {
			covered[methodOf(cl.rpc)] = true
		}
		for m := range service.MethodRoles {
			if strings.HasPrefix(m, "/motcua.v1.DossierService/") && !covered[m] {
				t.Errorf("%s is not tried", m)
			}
		}

		// ghost is a dossier like v that does not exist, for a citizen who
		// has none.
		ghost := func(v *pb.Dossier) *pb.Dossier {
			g := proto.Clone(v).(*pb.Dossier)
			g.Id = uuid.NewString()
			g.Code = v.GetCode()[:strings.LastIndex(v.GetCode(), "-")+1] + "9999"
			g.Applicant.IdNumber = testenv.CitizenID(699)
			return g
		}
		// answer is an error with the dossier's own names replaced, so the
		// answers for the victim and the ghost can be compared.
		answer := func(err error, d *pb.Dossier) string {
			st, _ := status.FromError(err)
			s := fmt.Sprintf("%s: %s %v", st.Code(), st.Message(), st.Details())
			return strings.NewReplacer(d.GetId(), "<id>", d.GetCode(), "<code>", d.GetApplicant().GetIdNumber(), "<applicant>").Replace(s)
		}
		for _, v := range victims {
			g := ghost(v)
			for _, cl := range calls {
				name := fmt.Sprintf("%s on the %s dossier", cl.rpc, v.GetStatus())
				errV, errG := cl.do(attacker, v), cl.do(attacker, g)
				if errV == nil {
					t.Errorf("%s: succeeded", name)
					continue
				}
				citizenMayCall := slices.Contains(service.MethodRoles[methodOf(cl.rpc)], domain.RoleCitizen)
				if want := codes.NotFound; cl.lookup && citizenMayCall && status.Code(errV) != want {
					t.Errorf("%s: got %v, want %v", name, errV, want)
				}
				if want := codes.PermissionDenied; (!cl.lookup || !citizenMayCall) && status.Code(errV) != want {
					t.Errorf("%s: got %v, want %v", name, errV, want)
				}
				if a, b := answer(errV, v), answer(errG, g); a != b {
					t.Errorf("%s: the answer differs from the one for a dossier that does not exist, so it tells the dossier exists:\n  victim's: %s\n  none:     %s", name, a, b)
				}
			}
			// Lists: every combination of filters naming the victim.
			for mask := 0; mask < 16; mask++ {
				req := &pb.ListDossiersRequest{}
				if mask&1 != 0 {
					req.ApplicantIdNumber = victimID
				}
				if mask&2 != 0 {
					req.AgencyCode = v.GetAgencyCode()
				}
				if mask&4 != 0 {
					req.ProcedureCode = v.GetProcedureCode()
				}
				if mask&8 != 0 {
					req.Statuses = []pb.DossierStatus{v.GetStatus()}
				}
				got, err := listAllDossiers(attacker, c, req)
				if err != nil {
					t.Errorf("ListDossiers %v: %v", req, err)
					continue
				}
				sawOwn := false
				for _, d := range got {
					if d.GetApplicant().GetIdNumber() != attackerID && d.GetRepresentative().GetIdNumber() != attackerID {
						t.Errorf("ListDossiers %v returned %s of applicant %s", req, d.GetCode(), d.GetApplicant().GetIdNumber())
					}
					sawOwn = sawOwn || d.GetId() == own.GetId()
				}
				if wantOwn := mask&1 == 0 && (mask&8 == 0 || v.GetStatus() == own.GetStatus()); wantOwn && !sawOwn {
					t.Errorf("ListDossiers %v: the attacker's own dossier is missing (%d listed)", req, len(got))
				}
			}
		}
		for _, v := range victims {
			if after := snapshot(v); after != before[v.GetId()] {
				t.Errorf("the victim's %s changed:\n%s\n->\n%s", v.GetCode(), before[v.GetId()], after)
			}
		}
		if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(rowsBefore) {
			t.Errorf("the attempts changed the store: %v -> %v", rowsBefore, after)
		}
	})
}
