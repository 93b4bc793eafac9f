package testenv

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
	"github.com/motcua/motcua/internal/simulate"
)

// Driver performs lifecycle actions on dossiers as the principal the policy
// ordinarily grants each action to (the first grant, simulate.ActorFor):
// the applicant for their steps, a clerk of the receiving agency for intake
// and counter work, staff of the current step's unit with the step's role
// for workflow steps.
type Driver struct {
	t   testing.TB
	e   *Env
	seq atomic.Int64
	mu  sync.Mutex
	// Workflows by procedure code (the pinned version's steps).
	workflows map[string]map[int32][]*pb.WorkflowStep
	signerKey *Signer // made on first use
}

// signer is the document signer the driver's results are signed by.
func (dr *Driver) signer() Signer {
	dr.mu.Lock()
	defer dr.mu.Unlock()
	if dr.signerKey == nil {
		s := dr.e.NewSigner(dr.t, "Giám đốc Sở (test)")
		dr.signerKey = &s
	}
	return *dr.signerKey
}

// NewDriver returns a driver for the environment.
func (e *Env) NewDriver(t testing.TB) *Driver {
	return &Driver{t: t, e: e, workflows: map[string]map[int32][]*pb.WorkflowStep{}}
}

func (dr *Driver) rid() string { return fmt.Sprintf("drv-%d-%d", time.Now().UnixNano(), dr.seq.Add(1)) }

// Workflow returns the steps of the version a dossier pinned.
func (dr *Driver) Workflow(d *pb.Dossier) []*pb.WorkflowStep {
	dr.mu.Lock()
	defer dr.mu.Unlock()
	byVer, ok := dr.workflows[d.GetProcedureCode()]
	if !ok {
		resp, err := dr.e.Catalog.GetProcedure(dr.e.As(dr.t, Admin), &pb.GetProcedureRequest{Code: d.GetProcedureCode()})
		if err != nil {
			dr.t.Fatal(err)
		}
		byVer = map[int32][]*pb.WorkflowStep{}
		for _, v := range resp.GetProcedure().GetVersions() {
			byVer[v.GetVersion()] = v.GetWorkflow()
		}
		dr.workflows[d.GetProcedureCode()] = byVer
	}
	return byVer[d.GetProcedureVersion()]
}

// ApplicantCtx calls as the dossier's applicant.
func (dr *Driver) ApplicantCtx(d *pb.Dossier) context.Context {
	return dr.e.As(dr.t, Citizen(d.GetApplicant().GetIdNumber()))
}

// ClerkCtx calls as a clerk of the receiving agency.
func (dr *Driver) ClerkCtx(d *pb.Dossier) context.Context { return dr.clerkAt(d.GetAgencyCode()) }

func (dr *Driver) clerkAt(agency string) context.Context {
	return dr.e.As(dr.t, auth.TokenSpec{Subject: simulate.StaffSubject(domain.RoleClerk, 0, agency), Role: domain.RoleClerk, Agency: agency})
}

// StepCtx calls as an official of the current step's unit with its role.
func (dr *Driver) StepCtx(d *pb.Dossier) context.Context {
	wf := dr.Workflow(d)
	i := d.GetCurrentStep().GetIndex()
	if d.GetCurrentStep() == nil || int(i) >= len(wf) {
		return dr.ClerkCtx(d)
	}
	st := wf[i]
	role := domain.Role(st.GetRole())
	return dr.e.As(dr.t, auth.TokenSpec{Subject: simulate.StaffSubject(role, 0, st.GetUnitCode()), Role: role, Agency: st.GetUnitCode()})
}

// GrantedCtx calls as the principal policy ordinarily grants a to on d.
func (dr *Driver) GrantedCtx(a domain.Action, d *pb.Dossier) context.Context {
	if len(policy.Grants(a)) == 0 {
		dr.t.Fatalf("policy grants %s to nobody", a)
	}
	// The step's role matters only at the step's unit, where StepCtx
	// reads it from the workflow.
	switch simulate.ActorFor(a, 0).Seat {
	case policy.SeatReceivingAgency:
		return dr.ClerkCtx(d)
	case policy.SeatStepUnit:
		return dr.StepCtx(d)
	}
	return dr.ApplicantCtx(d)
}

// Do performs action a on d (as the granted principal, with a valid
// payload) and returns the dossier after it, or the error.
func (dr *Driver) Do(a domain.Action, d *pb.Dossier) (*pb.Dossier, error) {
	return dr.do(func(granted context.Context) context.Context { return granted }, a, d)
}

// DoAs is Do as the caller of ctx instead of the granted principal.
func (dr *Driver) DoAs(ctx context.Context, a domain.Action, d *pb.Dossier) (*pb.Dossier, error) {
	return dr.do(func(context.Context) context.Context { return ctx }, a, d)
}

// do performs a with the caller pick chooses given the granted principal.
func (dr *Driver) do(pick func(granted context.Context) context.Context, a domain.Action, d *pb.Dossier) (*pb.Dossier, error) {
	c := dr.e.Dossiers
	id, ver := d.GetId(), d.GetVersion()
	type resp interface{ GetDossier() *pb.Dossier }
	var r resp
	var err error
	ctx := pick(dr.GrantedCtx(a, d))
	switch a {
	case domain.ActionReceive:
		r, err = c.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: dr.rid(),
			Target: &pb.ReceiveDossierRequest_DossierId{DossierId: id}, ExpectedVersion: ver})
	case domain.ActionNotAccept:
		r, err = c.NotAcceptDossier(ctx, &pb.NotAcceptDossierRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Reason: "hồ sơ không thuộc thẩm quyền"})
	case domain.ActionRequestSupplement:
		r, err = c.RequestSupplement(ctx, &pb.RequestSupplementRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Reason: "ảnh chụp không rõ", ComponentCodes: []string{d.GetComponents()[0].GetCode()}})
	case domain.ActionProvideSupplement:
		comp := d.GetComponents()[0]
		r, err = c.ProvideSupplement(ctx, &pb.ProvideSupplementRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Components: []*pb.DossierComponent{{Code: comp.GetCode(), FileRef: "files/supplement.pdf",
				FileSha256: Sha256("supplement"), Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED}}})
	case domain.ActionRequestPayment:
		r, err = c.RequestPayment(ctx, &pb.RequestPaymentRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, AmountVnd: 200000, Reason: "phí cấp phiếu"})
	case domain.ActionConfirmPayment:
		r, err = c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, ReceiptRef: "BL-0001"})
	case domain.ActionForward:
		r, err = c.ForwardDossier(ctx, &pb.ForwardDossierRequest{RequestId: dr.rid(), DossierId: id, ExpectedVersion: ver})
	case domain.ActionExtend:
		r, err = c.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Reason: "cần xác minh thêm",
			NewDueTime: timestamppb.New(d.GetDueTime().AsTime().Add(72 * time.Hour))})
	case domain.ActionWithdraw:
		r, err = c.WithdrawDossier(ctx, &pb.WithdrawDossierRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Reason: "không còn nhu cầu"})
	case domain.ActionStop:
		r, err = c.StopDossier(ctx, &pb.StopDossierRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Reason: "quá hạn bổ sung"})
	case domain.ActionResolve:
		doc := dr.e.SignedResult(dr.t, ctx, dr.signer(), "KQ", []byte("kết quả của hồ sơ "+d.GetCode()))
		r, err = c.ResolveDossier(ctx, &pb.ResolveDossierRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Result: &pb.DossierResult{Electronic: true, Signer: "Giám đốc Sở",
				Documents: []*pb.ResultDocument{doc}}})
	case domain.ActionReturn:
		r, err = c.ReturnResult(ctx, &pb.ReturnResultRequest{RequestId: dr.rid(), DossierId: id,
			ExpectedVersion: ver, Channel: pb.Channel_CHANNEL_COUNTER})
	default:
		dr.t.Fatalf("driver cannot %s an existing dossier", a)
	}
	if err != nil {
		return nil, err
	}
	return r.GetDossier(), nil
}

// Must is Do that fails the test on error.
func (dr *Driver) Must(a domain.Action, d *pb.Dossier) *pb.Dossier {
	dr.t.Helper()
	out, err := dr.Do(a, d)
	if err != nil {
		dr.t.Fatalf("%s on %s (status %s, version %d): %v", a, d.GetCode(), d.GetStatus(), d.GetVersion(), err)
	}
	return out
}

// Submit files draft online as its applicant.
func (dr *Driver) Submit(draft *pb.DossierDraft) *pb.Dossier {
	dr.t.Helper()
	ctx := dr.e.As(dr.t, Citizen(draft.GetApplicant().GetIdNumber()))
	dr.e.StoreFiles(dr.t, ctx, draft.GetComponents())
	r, err := dr.e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: dr.rid(), Dossier: draft})
	if err != nil {
		dr.t.Fatal(err)
	}
	return r.GetDossier()
}

// Intake takes draft in at the counter as a clerk of its agency.
func (dr *Driver) Intake(draft *pb.DossierDraft) *pb.Dossier {
	dr.t.Helper()
	ctx := dr.clerkAt(draft.GetAgencyCode())
	dr.e.StoreFiles(dr.t, ctx, draft.GetComponents())
	r, err := dr.e.Dossiers.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: dr.rid(),
		Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: draft}})
	if err != nil {
		dr.t.Fatal(err)
	}
	return r.GetDossier()
}

// ForwardToLastStep forwards d until it is at its workflow's last step.
func (dr *Driver) ForwardToLastStep(d *pb.Dossier) *pb.Dossier {
	dr.t.Helper()
	for int(d.GetCurrentStep().GetIndex()) < len(dr.Workflow(d))-1 {
		d = dr.Must(domain.ActionForward, d)
	}
	return d
}
