package service

import (
	"context"
	"errors"

	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// ValidationInterceptor enforces the rules written in the proto files
// (protovalidate) and the storable-input rules (text.go) before any handler
// runs, answering INVALID_ARGUMENT with a google.rpc.BadRequest listing every
// violated field.
// Streaming calls have each received message validated the same way.
func ValidationInterceptor() (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor, error) {
	v, err := protovalidate.New()
	if err != nil {
		return nil, nil, err
	}
	unary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if m, ok := req.(proto.Message); ok {
			if err := validateRequest(v, m); err != nil {
				return nil, err
			}
		}
		return handler(ctx, req)
	}
	stream := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &validatingStream{ServerStream: ss, v: v})
	}
	return unary, stream, nil
}

type validatingStream struct {
	grpc.ServerStream
	v protovalidate.Validator
}

func (s *validatingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		if err := validateRequest(s.v, pm); err != nil {
			return err
		}
	}
	return nil
}

func validationStatus(err error) error {
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return status.Errorf(codes.InvalidArgument, "request cannot be validated: %v", err)
	}
	return badRequest(protovalidateViolations(ve))
}

func protovalidateViolations(ve *protovalidate.ValidationError) []*errdetails.BadRequest_FieldViolation {
	var out []*errdetails.BadRequest_FieldViolation
	if ve == nil {
		return nil
	}
	for _, v := range ve.Violations {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		if field == "" {
			field = "(request)"
		}
		out = append(out, &errdetails.BadRequest_FieldViolation{
			Field: field, Description: v.Proto.GetMessage(), Reason: v.Proto.GetRuleId()})
	}
	return out
}
