package service

import (
	"context"
	"regexp"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// SyncServer implements pb.SyncServiceServer.
type SyncServer struct {
	pb.UnimplementedSyncServiceServer
	*Server
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func syncQuery(sel *pb.SyncSelector, field string) (app.SyncQuery, error) {
	q := app.SyncQuery{Agency: sel.GetAgencyCode(), SubAgencies: sel.GetIncludeSubAgencies(), DossierID: sel.GetDossierId(),
		DossierCode: sel.GetDossierCode(), CreatedFrom: fromTS(sel.GetFromTime()), CreatedTo: fromTS(sel.GetToTime())}
	if !q.CreatedFrom.IsZero() && !q.CreatedTo.IsZero() && !q.CreatedTo.After(q.CreatedFrom) {
		return q, domain.Invalid(field+".to_time", "must be after from_time")
	}
	return q, nil
}

func syncCondition(st *app.SyncState) pb.SyncCondition {
	switch {
	case !st.DeadLetteredAt.IsZero():
		return pb.SyncCondition_SYNC_CONDITION_DEAD_LETTERED
	case !st.Pending() && st.AckedVersion >= st.DossierVersion:
		return pb.SyncCondition_SYNC_CONDITION_SYNCED
	case st.Attempts > 0:
		return pb.SyncCondition_SYNC_CONDITION_RETRYING
	}
	return pb.SyncCondition_SYNC_CONDITION_PENDING
}

func syncStateToPB(st *app.SyncState) *pb.SyncState {
	return &pb.SyncState{DossierId: st.DossierID, DossierCode: st.DossierCode, AgencyCode: st.AgencyCode, Condition: syncCondition(st),
		DossierVersion: st.DossierVersion, WantedVersion: st.WantedVersion, AckedVersion: st.AckedVersion, AckedAt: ts(st.AckedAt),
		Attempts: int32(st.Attempts), LastError: st.LastError, FirstFailedAt: ts(st.FirstFailedAt), NextAttemptAt: ts(st.NextAttemptAt),
		DeadLetteredAt: ts(st.DeadLetteredAt), Resend: st.Resend}
}

func countsToPB(c app.SyncCounts) *pb.SyncCounts {
	return &pb.SyncCounts{Dossiers: c.Dossiers, Synced: c.Synced, OutOfSync: c.OutOfSync, DeadLettered: c.DeadLettered, NeverSent: c.NeverSent}
}

var findingKinds = map[string]pb.FindingKind{app.FindingMissing: pb.FindingKind_FINDING_KIND_MISSING,
	app.FindingDivergent: pb.FindingKind_FINDING_KIND_DIVERGENT, app.FindingPending: pb.FindingKind_FINDING_KIND_PENDING}

func reconciliationToPB(r *app.Reconciliation) *pb.Reconciliation {
	out := &pb.Reconciliation{Id: r.ID, AgencyCode: r.AgencyCode, StartedAt: ts(r.StartedAt), FinishedAt: ts(r.FinishedAt),
		Checked: r.Checked, Matched: r.Matched, Divergent: r.Divergent, Missing: r.Missing, Pending: r.Pending}
	for _, f := range r.Findings {
		pf := &pb.ReconciliationFinding{DossierId: f.DossierID, DossierCode: f.DossierCode, Kind: findingKinds[f.Kind]}
		for _, d := range f.Fields {
			pf.Fields = append(pf.Fields, &pb.FieldDifference{Field: d.Field, Local: d.Local, Portal: d.Portal})
		}
		out.Findings = append(out.Findings, pf)
	}
	return out
}

// GetSyncStatus implements pb.SyncServiceServer.
func (s SyncServer) GetSyncStatus(ctx context.Context, req *pb.GetSyncStatusRequest) (*pb.GetSyncStatusResponse, error) {
	q, err := syncQuery(req.GetSelector(), "selector")
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	q.View = app.SyncView(req.GetView())
	after := req.GetPageToken()
	if after != "" && !uuidPattern.MatchString(after) {
		return nil, s.fail(ctx, domain.Invalid("page_token", "not a token this call returned"))
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = 100
	}
	st, err := s.app.Status(ctx, principal(ctx), q, after, size)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.GetSyncStatusResponse{Counts: countsToPB(st.Counts), NextPageToken: st.Next, PortalConfigured: s.app.Enabled()}
	for i := range st.States {
		out.States = append(out.States, syncStateToPB(&st.States[i]))
	}
	return out, nil
}

// RetrySync implements pb.SyncServiceServer.
func (s SyncServer) RetrySync(ctx context.Context, req *pb.RetrySyncRequest) (*pb.RetrySyncResponse, error) {
	q, err := syncQuery(req.GetSelector(), "selector")
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	resp, err := idempotent(ctx, s.Server, pb.SyncService_RetrySync_FullMethodName, req, func() *pb.RetrySyncResponse { return &pb.RetrySyncResponse{} },
		func(ctx context.Context) (*pb.RetrySyncResponse, error) {
			n, err := s.app.Retry(ctx, principal(ctx), q)
			return &pb.RetrySyncResponse{Rearmed: n}, err
		})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return resp, nil
}

// ResendSync implements pb.SyncServiceServer.
func (s SyncServer) ResendSync(ctx context.Context, req *pb.ResendSyncRequest) (*pb.ResendSyncResponse, error) {
	q, err := syncQuery(req.GetSelector(), "selector")
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if q.DossierID == "" && q.DossierCode == "" && q.CreatedFrom.IsZero() {
		return nil, s.fail(ctx, domain.Invalid("selector.from_time", "resend a dossier (dossier_id or dossier_code) or the dossiers filed in a period (from_time)"))
	}
	resp, err := idempotent(ctx, s.Server, pb.SyncService_ResendSync_FullMethodName, req, func() *pb.ResendSyncResponse { return &pb.ResendSyncResponse{} },
		func(ctx context.Context) (*pb.ResendSyncResponse, error) {
			n, err := s.app.Resend(ctx, principal(ctx), q)
			return &pb.ResendSyncResponse{Queued: n}, err
		})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return resp, nil
}

// ReconcileSync implements pb.SyncServiceServer. The reading happens
// before the mutation (it calls the portal and must not hold a
// transaction); only storing the report is the idempotent mutation, so a
// retry returns the first report and stores nothing more.
func (s SyncServer) ReconcileSync(ctx context.Context, req *pb.ReconcileSyncRequest) (*pb.ReconcileSyncResponse, error) {
	from, to := fromTS(req.GetFromTime()), fromTS(req.GetToTime())
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return nil, s.fail(ctx, domain.Invalid("to_time", "must be after from_time"))
	}
	r, err := s.app.Reconcile(ctx, principal(ctx), req.GetAgencyCode(), from, to)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	resp, err := idempotent(ctx, s.Server, pb.SyncService_ReconcileSync_FullMethodName, req, func() *pb.ReconcileSyncResponse { return &pb.ReconcileSyncResponse{} },
		func(ctx context.Context) (*pb.ReconcileSyncResponse, error) {
			return &pb.ReconcileSyncResponse{Reconciliation: reconciliationToPB(r)}, s.app.SaveReconciliation(ctx, r)
		})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return resp, nil
}

// GetReconciliation implements pb.SyncServiceServer.
func (s SyncServer) GetReconciliation(ctx context.Context, req *pb.GetReconciliationRequest) (*pb.GetReconciliationResponse, error) {
	r, err := s.app.GetReconciliation(ctx, principal(ctx), req.GetId())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.GetReconciliationResponse{Reconciliation: reconciliationToPB(r)}, nil
}
