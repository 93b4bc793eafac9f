package service

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

var (
	everyone = []domain.Role{domain.RoleCitizen, domain.RoleRepresentative, domain.RoleCommunityHelper, domain.RoleClerk,
		domain.RoleSpecialist, domain.RoleLeader, domain.RoleAuditor, domain.RoleIntegration, domain.RoleAdmin, domain.RoleSystem}
	admins   = []domain.Role{domain.RoleAdmin}
	auditors = []domain.Role{domain.RoleAuditor, domain.RoleAdmin}
	// reporters read indicators (scope: policy of app.reportScope).
	reporters = []domain.Role{domain.RoleAuditor, domain.RoleLeader, domain.RoleAdmin}
	// readers may read dossiers (which ones is the policy's read scope).
	readers = []domain.Role{domain.RoleCitizen, domain.RoleRepresentative, domain.RoleIntegration,
		domain.RoleClerk, domain.RoleSpecialist, domain.RoleLeader, domain.RoleAuditor}
)

// MethodRoles is the coarse gate: the roles that may call each RPC at all.
// The use cases then apply the fine rules (whose dossier, which unit). An
// RPC missing here is refused to everyone, and a test checks that every
// registered RPC is listed.
var MethodRoles = map[string][]domain.Role{
	pb.CatalogService_CreateAgency_FullMethodName:        admins,
	pb.CatalogService_CreateProcedure_FullMethodName:     admins,
	pb.CatalogService_AddProcedureVersion_FullMethodName: admins,
	pb.CatalogService_GetAgency_FullMethodName:           everyone,
	pb.CatalogService_ListAgencies_FullMethodName:        everyone,
	pb.CatalogService_GetProcedure_FullMethodName:        everyone,
	pb.CatalogService_ListProcedures_FullMethodName:      everyone,

	pb.CalendarService_SetCalendarYear_FullMethodName: admins,
	pb.CalendarService_GetCalendarYear_FullMethodName: everyone,

	pb.DossierService_SubmitDossier_FullMethodName:         policy.ActionRoles(domain.ActionSubmit),
	pb.DossierService_ReceiveDossier_FullMethodName:        policy.ActionRoles(domain.ActionReceive),
	pb.DossierService_NotAcceptDossier_FullMethodName:      policy.ActionRoles(domain.ActionNotAccept),
	pb.DossierService_RequestSupplement_FullMethodName:     policy.ActionRoles(domain.ActionRequestSupplement),
	pb.DossierService_ProvideSupplement_FullMethodName:     policy.ActionRoles(domain.ActionProvideSupplement),
	pb.DossierService_RequestPayment_FullMethodName:        policy.ActionRoles(domain.ActionRequestPayment),
	pb.DossierService_ConfirmPayment_FullMethodName:        policy.ActionRoles(domain.ActionConfirmPayment),
	pb.DossierService_ForwardDossier_FullMethodName:        policy.ActionRoles(domain.ActionForward),
	pb.DossierService_ExtendDeadline_FullMethodName:        policy.ActionRoles(domain.ActionExtend),
	pb.DossierService_WithdrawDossier_FullMethodName:       policy.ActionRoles(domain.ActionWithdraw),
	pb.DossierService_StopDossier_FullMethodName:           policy.ActionRoles(domain.ActionStop),
	pb.DossierService_ResolveDossier_FullMethodName:        policy.ActionRoles(domain.ActionResolve),
	pb.DossierService_ReturnResult_FullMethodName:          policy.ActionRoles(domain.ActionReturn),
	pb.DossierService_GetDossier_FullMethodName:            readers,
	pb.DossierService_ListDossiers_FullMethodName:          readers,
	pb.DossierService_ListDossierEvents_FullMethodName:     readers,
	pb.DossierService_GetProcessControlSlip_FullMethodName: readers,
	pb.DossierService_ExplainDeadline_FullMethodName:       readers,

	pb.AuditService_VerifyAuditChain_FullMethodName:          auditors,
	pb.AuditService_ListDossierAccesses_FullMethodName:       readers,
	pb.AuditService_ListProxyFilingSignals_FullMethodName:    auditors,
	pb.AuditService_ListCounterNetworkFilings_FullMethodName: auditors,
	pb.AuditService_GetCheckpoint_FullMethodName:             auditors,
	pb.AuditService_GetInclusionProof_FullMethodName:         auditors,

	pb.ReportService_GetIndicators_FullMethodName:      reporters,
	pb.ReportService_GetIndicatorSeries_FullMethodName: reporters,
	pb.ReportService_ListOverdueByUnit_FullMethodName:  reporters,
}

func authorize(ctx context.Context, method string) error {
	if auth.Public(method) {
		return nil
	}
	p, ok := auth.FromContext(ctx)
	if !ok {
		return status.Error(codes.Unauthenticated, "not authenticated")
	}
	if !slices.Contains(MethodRoles[method], p.Role) {
		return status.Error(codes.PermissionDenied, fmt.Sprintf("role %s may not call %s", p.Role, method))
	}
	return nil
}

// AuthorizationInterceptor applies MethodRoles to unary calls.
func AuthorizationInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := authorize(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

// AuthorizationStreamInterceptor applies MethodRoles to streaming calls.
func AuthorizationStreamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return h(srv, ss)
}
