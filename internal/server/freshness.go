package server

import (
	"context"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/freshness"
)

// Freshness tokens (docs/SCALING.md, "Replicas and freshness tokens"): a
// call that committed a transaction answers with the primary's WAL position
// in the x-motcua-freshness header (over the JSON gateway the HTTP response
// header X-Motcua-Freshness; a stream's in its trailer). A read that sends it
// back (metadata, or the HTTP request header) is served by a replica only
// once that replica has replayed past it. The token is metadata, not a field
// of every response message: it concerns the deployment, not the resource,
// and leaves the API's messages unchanged.

// replicaReadMethods are the calls whose reads may be served by a replica:
// reports, lists and the event stream. Everything else — every mutation,
// GetDossier (read right after a write by the same caller, and whose staff
// reads are logged in the same breath) — reads the primary.
var replicaReadMethods = map[string]bool{
	pb.ReportService_GetIndicators_FullMethodName:      true,
	pb.ReportService_GetIndicatorSeries_FullMethodName: true,
	pb.ReportService_ListOverdueByUnit_FullMethodName:  true,
	pb.DossierService_ListDossiers_FullMethodName:      true,
	pb.EventService_WatchDossierEvents_FullMethodName:  true,
}

// readPolicy parses the caller's token, if any, and marks ctx with the
// method's read policy. A token that does not parse is INVALID_ARGUMENT
// naming the metadata key, whatever the method.
func readPolicy(ctx context.Context, method string) (context.Context, error) {
	var p freshness.ReadPolicy
	if vals := metadata.ValueFromIncomingContext(ctx, freshness.Metadata); len(vals) > 0 {
		if len(vals) > 1 {
			return ctx, badToken("give one freshness token, not several")
		}
		tok, err := freshness.Parse(vals[0])
		if err != nil {
			return ctx, badToken("not a freshness token issued by this service: " + err.Error())
		}
		p.MinLSN = tok.LSN
	}
	p.Replica = replicaReadMethods[method]
	return freshness.WithReadPolicy(ctx, p), nil
}

func badToken(desc string) error {
	st := status.New(codes.InvalidArgument, "invalid argument: "+freshness.Metadata+": "+desc)
	if d, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: freshness.Metadata, Reason: "FRESHNESS_TOKEN_INVALID", Description: desc}}}); err == nil {
		st = d
	}
	return st.Err()
}

func freshnessUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, err := readPolicy(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	sink := &freshness.Sink{}
	resp, err := handler(freshness.WithSink(ctx, sink), req)
	if tok, ok := sink.Token(); ok {
		_ = grpc.SetHeader(ctx, metadata.Pairs(freshness.Metadata, tok.String()))
	}
	return resp, err
}

func freshnessStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, err := readPolicy(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	sink := &freshness.Sink{}
	err = handler(srv, contextStream{ServerStream: ss, ctx: freshness.WithSink(ctx, sink)})
	if tok, ok := sink.Token(); ok {
		ss.SetTrailer(metadata.Pairs(freshness.Metadata, tok.String()))
	}
	return err
}

type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s contextStream) Context() context.Context { return s.ctx }

// outgoingHeader makes the gateway answer the token as the plain HTTP
// header X-Motcua-Freshness (grpc-gateway's default would prefix it
// Grpc-Metadata-); other metadata keeps the default.
func outgoingHeader(key string) (string, bool) {
	if key == freshness.Metadata {
		return "X-Motcua-Freshness", true
	}
	return runtime.MetadataHeaderPrefix + key, true // grpc-gateway's default
}
