package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/motcua/motcua/internal/domain"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of our reason codes.
const ErrorDomain = "motcua.gov.vn"

// toStatus is the one place where errors become gRPC statuses. Domain errors
// keep their message and gain machine-readable details; anything else is an
// internal failure, logged here and reported without internals.
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var (
		inv  *domain.InvalidError
		nf   *domain.NotFoundError
		conf *domain.ConflictError
		pre  *domain.PreconditionError
		fail *domain.FailureError
		den  *domain.DeniedError
	)
	switch {
	case errors.As(err, &fail):
		return failureStatus(ctx, log, fail)
	case errors.As(err, &inv):
		br := &errdetails.BadRequest{}
		for _, v := range inv.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		return withDetails(codes.InvalidArgument, err.Error(), br)
	case errors.As(err, &nf):
		return withDetails(codes.NotFound, err.Error(), &errdetails.ResourceInfo{ResourceType: nf.Kind, ResourceName: nf.Key,
			Description: err.Error()})
	case errors.As(err, &conf):
		return withDetails(codes.Aborted, err.Error(), &errdetails.ErrorInfo{Reason: "VERSION_CONFLICT", Domain: ErrorDomain,
			Metadata: map[string]string{"expected_version": fmt.Sprint(conf.Expected), "current_version": fmt.Sprint(conf.Current)}})
	case errors.As(err, &pre):
		return withDetails(codes.FailedPrecondition, err.Error(),
			&errdetails.ErrorInfo{Reason: pre.Reason, Domain: ErrorDomain, Metadata: pre.Metadata},
			&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{
				{Type: pre.Reason, Subject: pre.Subject, Description: pre.Description}}})
	case errors.As(err, &den):
		return withDetails(codes.PermissionDenied, err.Error(), &errdetails.ErrorInfo{Reason: den.Reason, Domain: ErrorDomain},
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: den.Field, Description: den.Description}}})
	case errors.Is(err, domain.ErrRequestReused):
		return withDetails(codes.AlreadyExists, err.Error(), &errdetails.ErrorInfo{Reason: "REQUEST_ID_REUSED", Domain: ErrorDomain})
	case errors.Is(err, domain.ErrAlreadyExists):
		return status.Error(codes.AlreadyExists, err.Error())
	case errors.Is(err, domain.ErrPermissionDenied):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.Is(err, domain.ErrUnauthenticated):
		return status.Error(codes.Unauthenticated, err.Error())
	case errors.Is(err, domain.ErrUnavailable):
		return status.Error(codes.Unavailable, err.Error())
	case serverTimeout(ctx) != nil:
		// The server's own bound on the call fired while the handler
		// waited: report that, with the driver's symptom as the cause.
		f := *serverTimeout(ctx)
		f.Cause = err
		return failureStatus(ctx, log, &f)
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "the call was cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "the call's deadline passed before it finished; it may be retried with the same request_id")
	}
	log.ErrorContext(ctx, "internal error", "error", err)
	return status.Error(codes.Internal, "internal error; it was logged. Retrying with the same request_id is safe")
}

func withDetails(c codes.Code, msg string, details ...protoadapt.MessageV1) error {
	st, err := status.New(c, msg).WithDetails(details...)
	if err != nil {
		return status.Error(c, msg)
	}
	return st.Err()
}
