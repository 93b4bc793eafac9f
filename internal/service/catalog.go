package service

import (
	"context"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
)

// CreateAgency implements pb.CatalogServiceServer.
func (s *Server) CreateAgency(ctx context.Context, req *pb.CreateAgencyRequest) (*pb.CreateAgencyResponse, error) {
	p := principal(ctx)
	resp, err := idempotent(ctx, s, pb.CatalogService_CreateAgency_FullMethodName, req,
		func() *pb.CreateAgencyResponse { return &pb.CreateAgencyResponse{} },
		func(ctx context.Context) (*pb.CreateAgencyResponse, error) {
			a, err := s.app.CreateAgency(ctx, p, agencyFromPB(req.GetAgency()))
			if err != nil {
				return nil, err
			}
			return &pb.CreateAgencyResponse{Agency: agencyToPB(a)}, nil
		})
	return resp, s.fail(ctx, err)
}

// GetAgency implements pb.CatalogServiceServer.
func (s *Server) GetAgency(ctx context.Context, req *pb.GetAgencyRequest) (*pb.GetAgencyResponse, error) {
	a, err := s.app.GetAgency(ctx, req.GetCode())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.GetAgencyResponse{Agency: agencyToPB(a)}, nil
}

// ListAgencies implements pb.CatalogServiceServer.
func (s *Server) ListAgencies(ctx context.Context, req *pb.ListAgenciesRequest) (*pb.ListAgenciesResponse, error) {
	page, next, err := s.app.ListAgencies(ctx, app.AgencyFilter{ParentCode: req.GetParentCode()}, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListAgenciesResponse{NextPageToken: next}
	for i := range page {
		out.Agencies = append(out.Agencies, agencyToPB(&page[i]))
	}
	return out, nil
}

// CreateProcedure implements pb.CatalogServiceServer.
func (s *Server) CreateProcedure(ctx context.Context, req *pb.CreateProcedureRequest) (*pb.CreateProcedureResponse, error) {
	p := principal(ctx)
	resp, err := idempotent(ctx, s, pb.CatalogService_CreateProcedure_FullMethodName, req,
		func() *pb.CreateProcedureResponse { return &pb.CreateProcedureResponse{} },
		func(ctx context.Context) (*pb.CreateProcedureResponse, error) {
			proc, err := s.app.CreateProcedure(ctx, p, procedureFromPB(req.GetProcedure()), versionFromPB(req.GetVersion()))
			if err != nil {
				return nil, err
			}
			return &pb.CreateProcedureResponse{Procedure: procedureToPB(proc)}, nil
		})
	return resp, s.fail(ctx, err)
}

// AddProcedureVersion implements pb.CatalogServiceServer.
func (s *Server) AddProcedureVersion(ctx context.Context, req *pb.AddProcedureVersionRequest) (*pb.AddProcedureVersionResponse, error) {
	p := principal(ctx)
	resp, err := idempotent(ctx, s, pb.CatalogService_AddProcedureVersion_FullMethodName, req,
		func() *pb.AddProcedureVersionResponse { return &pb.AddProcedureVersionResponse{} },
		func(ctx context.Context) (*pb.AddProcedureVersionResponse, error) {
			proc, err := s.app.AddProcedureVersion(ctx, p, req.GetProcedureCode(), versionFromPB(req.GetVersion()))
			if err != nil {
				return nil, err
			}
			return &pb.AddProcedureVersionResponse{Procedure: procedureToPB(proc)}, nil
		})
	return resp, s.fail(ctx, err)
}

// GetProcedure implements pb.CatalogServiceServer.
func (s *Server) GetProcedure(ctx context.Context, req *pb.GetProcedureRequest) (*pb.GetProcedureResponse, error) {
	proc, err := s.app.GetProcedure(ctx, req.GetCode())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.GetProcedureResponse{Procedure: procedureToPB(proc)}, nil
}

// ListProcedures implements pb.CatalogServiceServer.
func (s *Server) ListProcedures(ctx context.Context, req *pb.ListProceduresRequest) (*pb.ListProceduresResponse, error) {
	f := app.ProcedureFilter{AgencyCode: req.GetAgencyCode(), FieldCode: req.GetFieldCode()}
	page, next, err := s.app.ListProcedures(ctx, f, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListProceduresResponse{NextPageToken: next}
	for i := range page {
		out.Procedures = append(out.Procedures, procedureToPB(&page[i]))
	}
	return out, nil
}
