package service

import (
	"context"

	"google.golang.org/grpc"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
)

// AuditServer implements pb.AuditServiceServer.
type AuditServer struct {
	pb.UnimplementedAuditServiceServer
	*Server
}

// VerifyAuditChain implements pb.AuditServiceServer.
func (s AuditServer) VerifyAuditChain(req *pb.VerifyAuditChainRequest, stream grpc.ServerStreamingServer[pb.VerifyAuditChainResponse]) error {
	ctx := stream.Context()
	sc := app.ChainScope{DossierID: req.GetDossierId()}
	if ap := req.GetAgencyPeriod(); ap != nil {
		sc.Agency, sc.From, sc.To = ap.GetAgencyCode(), fromTS(ap.GetFromTime()), fromTS(ap.GetToTime())
	}
	sum, err := s.app.VerifyAuditChain(ctx, principal(ctx), sc,
		func(p app.ChainProgress) error {
			return stream.Send(&pb.VerifyAuditChainResponse{Item: &pb.VerifyAuditChainResponse_Progress_{Progress: &pb.VerifyAuditChainResponse_Progress{
				DossiersChecked: p.Checked, DossiersTotal: p.Total, EventsChecked: p.Events}}})
		},
		func(b app.ChainBreak) error {
			return stream.Send(&pb.VerifyAuditChainResponse{Item: &pb.VerifyAuditChainResponse_Broken{Broken: &pb.BrokenLink{
				DossierId: b.Head.DossierID, DossierCode: b.Head.Code, Sequence: b.Seq, Problem: b.Problem, Detail: b.Detail, Field: b.Field}}})
		})
	if err != nil {
		return s.fail(ctx, err)
	}
	return stream.Send(&pb.VerifyAuditChainResponse{Item: &pb.VerifyAuditChainResponse_Summary_{Summary: &pb.VerifyAuditChainResponse_Summary{
		DossiersChecked: sum.Checked, EventsChecked: sum.Events, BrokenDossiers: sum.Broken, Intact: sum.Broken == 0}}})
}

// ListDossierAccesses implements pb.AuditServiceServer.
func (s AuditServer) ListDossierAccesses(ctx context.Context, req *pb.ListDossierAccessesRequest) (*pb.ListDossierAccessesResponse, error) {
	q := app.AccessQuery{DossierID: req.GetDossierId(), ActorID: req.GetActorId(), From: fromTS(req.GetFromTime()), To: fromTS(req.GetToTime())}
	page, next, err := s.app.ListAccesses(ctx, principal(ctx), q, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListDossierAccessesResponse{NextPageToken: next}
	for _, a := range page {
		out.Accesses = append(out.Accesses, &pb.DossierAccess{DossierId: a.DossierID, DossierCode: a.DossierCode, ActorId: a.ActorID,
			ActorRole: pb.Role(a.ActorRole), ActorAgency: a.ActorAgency, Purpose: a.Purpose, Method: a.Method, Time: ts(a.At),
			ClientAddress: a.ClientAddress})
	}
	return out, nil
}

// ListProxyFilingSignals implements pb.AuditServiceServer.
func (s AuditServer) ListProxyFilingSignals(ctx context.Context, req *pb.ListProxyFilingSignalsRequest) (*pb.ListProxyFilingSignalsResponse, error) {
	sigs, err := s.app.ProxyFilingSignals(ctx, principal(ctx), req.GetAgencyCode(), fromTS(req.GetFromTime()), fromTS(req.GetToTime()),
		int(req.GetMinApplicants()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListProxyFilingSignalsResponse{}
	for _, g := range sigs {
		kind := pb.ProxyFilingSignal_KIND_ACCOUNT
		if g.Network {
			kind = pb.ProxyFilingSignal_KIND_NETWORK
		}
		out.Signals = append(out.Signals, &pb.ProxyFilingSignal{Kind: kind, Key: g.Key, DistinctApplicants: g.Applicants,
			Filings: g.Filings, ByActorKind: g.ByActorKind, FirstTime: ts(g.First), LastTime: ts(g.Last)})
	}
	return out, nil
}

// ListCounterNetworkFilings implements pb.AuditServiceServer.
func (s AuditServer) ListCounterNetworkFilings(ctx context.Context, req *pb.ListCounterNetworkFilingsRequest) (*pb.ListCounterNetworkFilingsResponse, error) {
	fs, nets, err := s.app.CounterNetworkFilings(ctx, principal(ctx), req.GetAgencyCode(), fromTS(req.GetFromTime()), fromTS(req.GetToTime()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListCounterNetworkFilingsResponse{}
	for _, n := range nets {
		out.CounterNetworks = append(out.CounterNetworks, n.String())
	}
	for _, f := range fs {
		out.Filings = append(out.Filings, &pb.CounterNetworkFiling{DossierId: f.DossierID, DossierCode: f.DossierCode, ActorId: f.ActorID,
			ActorKind: pb.ActorKind(f.ActorKind), ClientAddress: f.ClientAddress, Network: f.Network.String(), Time: ts(f.At)})
	}
	return out, nil
}
