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

// MethodRoles is the coarse gate: the roles that may call each RPC at all.
// The use cases then apply the fine rules (whose dossier, which unit). An
// RPC missing here is refused to everyone, and a test checks that every
// registered RPC is listed.
var MethodRoles = map[string][]domain.Role{
	pb.CatalogService_CreateAgency_FullMethodName:        policy.Admins(),
	pb.CatalogService_CreateProcedure_FullMethodName:     policy.Admins(),
	pb.CatalogService_AddProcedureVersion_FullMethodName: policy.Admins(),
	pb.CatalogService_GetAgency_FullMethodName:           policy.Everyone(),
	pb.CatalogService_ListAgencies_FullMethodName:        policy.Everyone(),
	pb.CatalogService_GetProcedure_FullMethodName:        policy.Everyone(),
	pb.CatalogService_ListProcedures_FullMethodName:      policy.Everyone(),

	pb.CalendarService_SetCalendarYear_FullMethodName: policy.Admins(),
	pb.CalendarService_GetCalendarYear_FullMethodName: policy.Everyone(),

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
	pb.DossierService_GetDossier_FullMethodName:            policy.Readers(),
	pb.DossierService_ListDossiers_FullMethodName:          policy.Readers(),
	pb.DossierService_ListDossierEvents_FullMethodName:     policy.Readers(),
	pb.DossierService_GetProcessControlSlip_FullMethodName: policy.Readers(),
	pb.DossierService_ExplainDeadline_FullMethodName:       policy.Readers(),

	pb.AuditService_VerifyAuditChain_FullMethodName:          policy.Auditors(),
	pb.AuditService_ListDossierAccesses_FullMethodName:       policy.Readers(),
	pb.AuditService_ListProxyFilingSignals_FullMethodName:    policy.Auditors(),
	pb.AuditService_ListCounterNetworkFilings_FullMethodName: policy.Auditors(),
	pb.AuditService_GetCheckpoint_FullMethodName:             policy.Auditors(),
	pb.AuditService_GetInclusionProof_FullMethodName:         policy.Auditors(),

	pb.EventService_WatchDossierEvents_FullMethodName: policy.Readers(),

	pb.ReportService_GetIndicators_FullMethodName:      policy.Reporters(),
	pb.ReportService_GetIndicatorSeries_FullMethodName: policy.Reporters(),
	pb.ReportService_ListOverdueByUnit_FullMethodName:  policy.Reporters(),

	pb.SyncService_GetSyncStatus_FullMethodName:             policy.Reporters(),
	pb.SyncService_GetReconciliation_FullMethodName:         policy.Reporters(),
	pb.SyncService_RetrySync_FullMethodName:                 policy.Admins(),
	pb.SyncService_ResendSync_FullMethodName:                policy.Admins(),
	pb.SyncService_ReconcileSync_FullMethodName:             policy.Admins(),
	pb.DocumentService_CreateUpload_FullMethodName:          policy.Uploaders(),
	pb.DocumentService_GetUpload_FullMethodName:             policy.Uploaders(),
	pb.DocumentService_UploadChunks_FullMethodName:          policy.Uploaders(),
	pb.DocumentService_DownloadFile_FullMethodName:          policy.Readers(),
	pb.DocumentService_ListReusableDocuments_FullMethodName: policy.Reusers(),
	// Webhooks: admins, and integrations for the subscriptions they created.
	pb.WebhookService_CreateWebhook_FullMethodName:              policy.WebhookManagers(),
	pb.WebhookService_GetWebhook_FullMethodName:                 policy.WebhookManagers(),
	pb.WebhookService_ListWebhooks_FullMethodName:               policy.WebhookManagers(),
	pb.WebhookService_RotateWebhookSecret_FullMethodName:        policy.WebhookManagers(),
	pb.WebhookService_DisableWebhook_FullMethodName:             policy.WebhookManagers(),
	pb.WebhookService_EnableWebhook_FullMethodName:              policy.WebhookManagers(),
	pb.WebhookService_ListWebhookDeliveries_FullMethodName:      policy.WebhookManagers(),
	pb.IdentityService_LookupCitizen_FullMethodName:             policy.ActionRoles(domain.ActionReceive),
	pb.IdentityService_CheckMandate_FullMethodName:              policy.ActionRoles(domain.ActionReceive),
	pb.IdentityService_ListPopulationQueries_FullMethodName:     append(policy.Auditors(), domain.RoleCitizen),
	pb.IdentityService_RetryPendingVerifications_FullMethodName: policy.Admins(),
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
