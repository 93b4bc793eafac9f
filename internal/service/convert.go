package service

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
)

// Enumerations share numbers with the API, so conversions are casts.

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func fromTS(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime().UTC()
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// parseClock reads "HH:MM" (already pattern-checked by the proto rules).
func parseClock(s string) int {
	var h, m int
	_, _ = fmt.Sscanf(s, "%d:%d", &h, &m)
	return h*60 + m
}

func agencyToPB(a *domain.Agency) *pb.Agency {
	out := &pb.Agency{Code: a.Code, Name: a.Name, ParentCode: a.ParentCode, TimeZone: a.TimeZone, CreateTime: ts(a.CreatedAt)}
	for _, p := range a.WorkingHours {
		out.WorkingHours = append(out.WorkingHours, &pb.WorkingPeriod{Start: clock(p.Start), End: clock(p.End)})
	}
	return out
}

func agencyFromPB(a *pb.Agency) domain.Agency {
	out := domain.Agency{Code: a.GetCode(), Name: a.GetName(), ParentCode: a.GetParentCode(), TimeZone: a.GetTimeZone()}
	for _, p := range a.GetWorkingHours() {
		out.WorkingHours = append(out.WorkingHours, domain.WorkingPeriod{Start: parseClock(p.GetStart()), End: parseClock(p.GetEnd())})
	}
	return out
}

func procedureToPB(p *domain.Procedure) *pb.Procedure {
	out := &pb.Procedure{Code: p.Code, Name: p.Name, FieldCode: p.FieldCode, FieldName: p.FieldName, AgencyCode: p.AgencyCode}
	for i := range p.Versions {
		out.Versions = append(out.Versions, versionToPB(&p.Versions[i]))
	}
	return out
}

func versionToPB(v *domain.ProcedureVersion) *pb.ProcedureVersion {
	out := &pb.ProcedureVersion{
		Version: int32(v.Version), EffectiveTime: ts(v.EffectiveAt), EndTime: ts(v.EndAt),
		ServiceLevel:         pb.ServiceLevel(v.ServiceLevel),
		StatutoryWorkingDays: float64(v.StatutoryMinutes) / domain.MinutesPerWorkingDay,
	}
	if v.CutoffMinute != nil {
		out.CutoffTime = clock(*v.CutoffMinute)
	}
	for _, f := range v.Fees {
		out.Fees = append(out.Fees, &pb.Fee{Code: f.Code, Name: f.Name, Kind: pb.FeeKind(f.Kind), AmountVnd: f.AmountVND})
	}
	for _, f := range v.Form {
		out.Form = append(out.Form, &pb.FormField{Name: f.Name, Label: f.Label, Type: f.Type, Required: f.Required, Options: f.Options,
			MaxLen: int32(f.MaxLen)})
	}
	for _, c := range v.Components {
		out.Components = append(out.Components, &pb.DocumentComponent{Code: c.Code, Name: c.Name, Mandatory: c.Mandatory, PaperCopies: int32(c.PaperCopies),
			MaxBytes: c.MaxBytes, MediaTypes: c.MediaTypes})
	}
	for _, s := range v.Workflow {
		out.Workflow = append(out.Workflow, &pb.WorkflowStep{Name: s.Name, UnitCode: s.UnitCode, Role: pb.Role(s.Role),
			AllottedWorkingHours: float64(s.AllottedMinutes) / 60})
	}
	return out
}

// versionFromPB converts a version; working time is rounded to whole
// minutes, the unit the calendar counts in.
func versionFromPB(v *pb.ProcedureVersion) domain.ProcedureVersion {
	out := domain.ProcedureVersion{
		EffectiveAt: fromTS(v.GetEffectiveTime()), ServiceLevel: domain.ServiceLevel(v.GetServiceLevel()),
		StatutoryMinutes: int(math.Round(v.GetStatutoryWorkingDays() * domain.MinutesPerWorkingDay)),
	}
	if v.GetCutoffTime() != "" {
		m := parseClock(v.GetCutoffTime())
		out.CutoffMinute = &m
	}
	for _, f := range v.GetFees() {
		out.Fees = append(out.Fees, domain.Fee{Code: f.GetCode(), Name: f.GetName(), Kind: int(f.GetKind()), AmountVND: f.GetAmountVnd()})
	}
	for _, c := range v.GetComponents() {
		out.Components = append(out.Components, domain.DocumentComponent{Code: c.GetCode(), Name: c.GetName(),
			Mandatory: c.GetMandatory(), PaperCopies: int(c.GetPaperCopies()), MaxBytes: c.GetMaxBytes(), MediaTypes: c.GetMediaTypes()})
	}
	for _, s := range v.GetWorkflow() {
		out.Workflow = append(out.Workflow, domain.WorkflowStep{Name: s.GetName(), UnitCode: s.GetUnitCode(),
			Role: domain.Role(s.GetRole()), AllottedMinutes: int(math.Round(s.GetAllottedWorkingHours() * 60))})
	}
	for _, f := range v.GetForm() {
		out.Form = append(out.Form, domain.FormField{Name: f.GetName(), Label: f.GetLabel(), Type: f.GetType(), Required: f.GetRequired(),
			Options: f.GetOptions(), MaxLen: int(f.GetMaxLen())})
	}
	return out
}

func procedureFromPB(p *pb.Procedure) domain.Procedure {
	return domain.Procedure{Code: p.GetCode(), Name: p.GetName(), FieldCode: p.GetFieldCode(), FieldName: p.GetFieldName(), AgencyCode: p.GetAgencyCode()}
}

func applicantFromPB(a *pb.Applicant) domain.Applicant {
	return domain.Applicant{Kind: domain.ApplicantKind(a.GetKind()), IDNumber: a.GetIdNumber(), Name: a.GetName(),
		Phone: a.GetPhone(), Email: a.GetEmail(), Address: a.GetAddress(), BirthDate: a.GetBirthDate()}
}

func draftFromPB(d *pb.DossierDraft) domain.Draft {
	out := domain.Draft{ProcedureCode: d.GetProcedureCode(), AgencyCode: d.GetAgencyCode(),
		Applicant: applicantFromPB(d.GetApplicant()), Summary: d.GetSummary(), ReturnChannel: domain.Channel(d.GetReturnChannel()),
		Form: d.GetForm()}
	if r := d.GetRepresentative(); r != nil {
		// mandate_check is output only: how a mandate was checked is the
		// server's record, never the filer's claim.
		out.Representative = &domain.Representative{Name: r.GetName(), IDNumber: r.GetIdNumber(), MandateRef: r.GetMandateRef(),
			BirthDate: r.GetBirthDate(), MandateScope: r.GetMandateScope(), MandateValidFrom: r.GetMandateValidFrom(),
			MandateValidUntil: r.GetMandateValidUntil(), PrincipalIDNumber: r.GetPrincipalIdNumber()}
	}
	for _, c := range d.GetComponents() {
		out.Components = append(out.Components, domain.Component{Code: c.GetCode(), FileRef: c.GetFileRef(),
			FileSHA256: c.GetFileSha256(), Source: domain.ComponentSource(c.GetSource()), ReusedFrom: c.GetReusedFrom()})
	}
	return out
}

func dossierToPB(d *domain.Dossier) *pb.Dossier {
	a := d.Applicant
	out := &pb.Dossier{
		Id: d.ID, Code: d.Code, ProcedureCode: d.ProcedureCode, ProcedureVersion: int32(d.ProcedureVersion),
		AgencyCode: d.AgencyCode,
		Applicant: &pb.Applicant{Kind: pb.ApplicantKind(a.Kind), IdNumber: a.IDNumber, Name: a.Name, Phone: a.Phone,
			Email: a.Email, Address: a.Address, BirthDate: a.BirthDate},
		Channel: pb.Channel(d.Channel), FiledBy: pb.ActorKind(d.FiledBy), Status: pb.DossierStatus(d.Status),
		Summary: d.Summary, SubmitTime: ts(d.SubmittedAt), ReceiveTime: ts(d.ReceivedAt),
		ClockStartTime: ts(d.ClockStartedAt), DueTime: ts(d.DueAt), OriginalDueTime: ts(d.OriginalDueAt),
		PausedWorkingDuration: durationpb.New(d.PausedWorking), PauseTime: ts(d.PausedAt),
		ReturnChannel: pb.Channel(d.ReturnChannel), FinishTime: ts(d.FinishedAt), ReturnTime: ts(d.ReturnedAt),
		Version: d.Version, CreateTime: ts(d.CreatedAt), UpdateTime: ts(d.UpdatedAt),
	}
	if r := d.Representative; r != nil {
		out.Representative = representativeToPB(r)
	}
	for _, c := range d.Components {
		out.Components = append(out.Components, &pb.DossierComponent{Code: c.Code, FileRef: c.FileRef,
			FileSha256: c.FileSHA256, Source: pb.ComponentSource(c.Source), ReusedFrom: c.ReusedFrom,
			Verified: c.Verified, Size: c.Size, MediaType: c.MediaType})
	}
	if s := d.Step; s.Index >= 0 {
		out.CurrentStep = &pb.DossierStep{Index: int32(s.Index), Name: s.Name, UnitCode: s.UnitCode, Assignee: s.Assignee,
			StartTime: ts(s.StartedAt), DueTime: ts(s.DueAt)}
	}
	if r := d.Result; r != nil {
		res := &pb.DossierResult{Electronic: r.Electronic, Signer: r.Signer, IssueTime: ts(r.IssuedAt)}
		for _, doc := range r.Documents {
			rd := &pb.ResultDocument{Code: doc.Code, Name: doc.Name, FileRef: doc.FileRef, FileSha256: doc.FileSHA256,
				SignatureSha256: doc.SignatureSHA256, Verified: doc.Verified, ValidUntil: ts(doc.ValidUntil)}
			rd.Signature = signatureToPB(doc.Signature)
			res.Documents = append(res.Documents, rd)
		}
		out.Result = res
	}
	if v := d.Identity; v != nil {
		out.IdentityVerification = identityToPB(v)
	}
	out.Form = d.Form
	if h := d.Handoff; h != nil {
		out.BusinessHandoff = &pb.BusinessHandoff{Status: h.Status.String(), EnterpriseCode: h.EnterpriseCode, ReceiptId: h.ReceiptID,
			RegistryStatus: h.RegistryStatus, Source: h.Source, SendTime: ts(h.SentAt), UpdateTime: ts(h.UpdatedAt)}
	}
	return out
}

// dossierToPBAt converts a dossier and judges its timeliness at now.
func dossierToPBAt(d *domain.Dossier, now time.Time) *pb.Dossier {
	out := dossierToPB(d)
	out.Timeliness = pb.Timeliness(d.Timeliness(now))
	return out
}

func eventToPB(e *domain.Event) *pb.DossierEvent {
	a := e.Attribution
	return &pb.DossierEvent{
		Id: e.ID, DossierId: e.DossierID, DossierCode: e.DossierCode, Sequence: e.Seq, Action: pb.Action(e.Action),
		FromStatus: pb.DossierStatus(e.From), ToStatus: pb.DossierStatus(e.To), StepIndex: int32(e.StepIndex),
		Time: ts(e.At), Note: e.Note, RequestId: e.RequestID, DossierVersion: e.DossierVersion, Details: e.Details,
		Hash: e.Hash, PrevHash: e.PrevHash, State: e.State,
		Attribution: &pb.Attribution{
			Channel: pb.Channel(a.Channel), ActorId: a.ActorID, ActorRole: pb.Role(a.ActorRole), ActorAgency: a.ActorAgency,
			ActorKind: pb.ActorKind(a.ActorKind), Assurance: pb.AssuranceLevel(a.Assurance), OnBehalfOf: a.OnBehalfOf,
			MandateRef: a.MandateRef, SourceSystem: a.SourceSystem, ClientAddress: a.ClientAddress,
		},
	}
}

func componentsFromPB(cs []*pb.DossierComponent) []domain.Component {
	out := make([]domain.Component, len(cs))
	for i, c := range cs {
		out[i] = domain.Component{Code: c.GetCode(), FileRef: c.GetFileRef(), FileSHA256: c.GetFileSha256(),
			Source: domain.ComponentSource(c.GetSource()), ReusedFrom: c.GetReusedFrom()}
	}
	return out
}

func resultFromPB(r *pb.DossierResult) domain.Result {
	out := domain.Result{Electronic: r.GetElectronic(), Signer: r.GetSigner(), IssuedAt: fromTS(r.GetIssueTime())}
	for _, d := range r.GetDocuments() {
		out.Documents = append(out.Documents, domain.ResultDocument{Code: d.GetCode(), Name: d.GetName(), FileRef: d.GetFileRef(), FileSHA256: d.GetFileSha256(),
			SignatureSHA256: d.GetSignatureSha256(), ValidUntil: fromTS(d.GetValidUntil())})
	}
	return out
}

func segmentToPB(s calendar.Segment) *pb.DeadlineSegment {
	kind := pb.DeadlineSegment_KIND_COUNTED
	if s.Kind == calendar.Skipped {
		kind = pb.DeadlineSegment_KIND_SKIPPED
	}
	return &pb.DeadlineSegment{Kind: kind, FirstDate: s.First.String(), LastDate: s.Last.String(), FromTime: ts(s.From),
		ToTime: ts(s.To), Counted: durationpb.New(s.Worked), Total: durationpb.New(s.Total), Reasons: s.Reasons, Text: s.String()}
}

func representativeToPB(r *domain.Representative) *pb.Representative {
	out := &pb.Representative{Name: r.Name, IdNumber: r.IDNumber, MandateRef: r.MandateRef, BirthDate: r.BirthDate,
		MandateScope: r.MandateScope, MandateValidFrom: r.MandateValidFrom, MandateValidUntil: r.MandateValidUntil,
		PrincipalIdNumber: r.PrincipalIDNumber}
	out.MandateCheck = &pb.MandateCheck{Status: pb.MandateStatus_MANDATE_STATUS_UNVERIFIED}
	if c := r.MandateCheck; c != nil {
		out.MandateCheck = mandateCheckToPB(c)
	}
	return out
}

func mandateCheckToPB(c *domain.MandateCheck) *pb.MandateCheck {
	m := &pb.MandateCheck{Status: pb.MandateStatus(c.Status), Method: c.Method, CheckedBy: c.By, CheckTime: ts(c.At), Note: c.Note,
		Source: c.Source, QueryId: c.QueryID, Reason: c.Reason, Assurance: c.Assurance, Flag: c.Flag, Attempts: int32(c.Attempts)}
	if r := c.Record; r != nil {
		m.Record = &pb.MandateRecord{Scope: r.Scope, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil,
			PrincipalIdNumber: r.PrincipalID, RepresentativeIdNumber: r.RepresentativeID}
	}
	if c.Registry != nil {
		m.Registry = mandateCheckToPB(c.Registry)
	}
	return m
}

func identityToPB(v *domain.IdentityVerification) *pb.IdentityVerification {
	out := &pb.IdentityVerification{Matched: v.Matched, Source: v.Source, QueryId: v.QueryID, VerifyTime: ts(v.VerifiedAt),
		Outcome: pb.VerificationOutcome(v.Outcome), Applicant: personCheckToPB(v.Applicant),
		Representative: personCheckToPB(v.Representative), Attempts: int32(v.Attempts), Flag: v.Flag,
		PrefilledFields: v.Prefilled, PendingWhileProcessed: v.PendingWhileProcessed}
	return out
}

func personCheckToPB(c *domain.PersonCheck) *pb.PersonCheck {
	if c == nil {
		return nil
	}
	return &pb.PersonCheck{Outcome: pb.VerificationOutcome(c.Outcome), Source: c.Source, QueryId: c.QueryID, CheckTime: ts(c.CheckedAt),
		FieldsMatched: c.FieldsMatched, FieldsMismatched: c.FieldsMismatched, Assurance: c.Assurance, Problem: c.Problem}
}

func signatureToPB(sg *domain.Signature) *pb.DocumentSignature {
	if sg == nil {
		return nil
	}
	return &pb.DocumentSignature{Signer: sg.Signer, Issuer: sg.Issuer, Serial: sg.Serial, Root: sg.Root, SignTime: ts(sg.SignedAt)}
}
