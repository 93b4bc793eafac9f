package service

import (
	"context"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// IdentityServer implements pb.IdentityServiceServer.
type IdentityServer struct {
	pb.UnimplementedIdentityServiceServer
	*Server
}

// LookupCitizen implements pb.IdentityServiceServer.
func (s IdentityServer) LookupCitizen(ctx context.Context, req *pb.LookupCitizenRequest) (*pb.LookupCitizenResponse, error) {
	z, err := s.app.LookupCitizen(ctx, principal(ctx), req.GetIdNumber(), req.GetPurpose())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.LookupCitizenResponse{Citizen: &pb.Citizen{IdNumber: z.IDNumber, FullName: z.FullName, BirthDate: z.BirthDate,
		Sex: z.Sex, PermanentAddress: z.PermanentAddress, CurrentAddress: z.CurrentAddress, QueryId: z.QueryID}}, nil
}

// CheckMandate implements pb.IdentityServiceServer.
func (s IdentityServer) CheckMandate(ctx context.Context, req *pb.CheckMandateRequest) (*pb.CheckMandateResponse, error) {
	p := principal(ctx)
	resp, err := idempotent(ctx, s.Server, pb.IdentityService_CheckMandate_FullMethodName, req,
		func() *pb.CheckMandateResponse { return &pb.CheckMandateResponse{} },
		func(ctx context.Context) (*pb.CheckMandateResponse, error) {
			d, e, err := s.app.CheckMandate(ctx, p, req.GetRequestId(), req.GetDossierId(), req.GetExpectedVersion(),
				domain.MandateStatus(req.GetDecision()), req.GetNote())
			if err != nil {
				return nil, err
			}
			return &pb.CheckMandateResponse{Dossier: dossierToPBAt(d, s.app.Now()), Event: eventToPB(e)}, nil
		})
	return resp, s.fail(ctx, err)
}

// ListPopulationQueries implements pb.IdentityServiceServer.
func (s IdentityServer) ListPopulationQueries(ctx context.Context, req *pb.ListPopulationQueriesRequest) (*pb.ListPopulationQueriesResponse, error) {
	size := int(req.GetPageSize())
	if size == 0 {
		size = 100
	}
	qs, err := s.app.ListPopulationQueries(ctx, principal(ctx), app.PopulationQueryFilter{SubjectIDNumber: req.GetSubjectIdNumber(),
		DossierID: req.GetDossierId(), AfterID: req.GetPageToken()}, size+1)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListPopulationQueriesResponse{}
	if len(qs) > size {
		qs = qs[:size]
		out.NextPageToken = qs[size-1].ID
	}
	for _, q := range qs {
		out.Queries = append(out.Queries, &pb.PopulationQuery{Id: q.ID, Time: ts(q.At), ActorKey: q.ActorKey, ActorId: q.ActorID,
			ActorRole: pb.Role(q.ActorRole), DossierId: q.DossierID, Kind: q.Kind, Purpose: q.Purpose, SubjectIdNumber: q.SubjectIDNumber,
			Outcome: q.Outcome, QueryId: q.QueryID, Cached: q.Cached, Problem: q.Problem})
	}
	return out, nil
}

// RetryPendingVerifications implements pb.IdentityServiceServer.
func (s IdentityServer) RetryPendingVerifications(ctx context.Context, _ *pb.RetryPendingVerificationsRequest) (*pb.RetryPendingVerificationsResponse, error) {
	n, err := s.app.RetryPendingVerifications(ctx)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.RetryPendingVerificationsResponse{Resolved: int32(n)}, nil
}
