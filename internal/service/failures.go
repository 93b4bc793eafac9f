package service

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/motcua/motcua/internal/domain"
)

// failureStatus reports a failure outside the request: UNAVAILABLE or
// RESOURCE_EXHAUSTED, with the reason (ErrorInfo) and, when known, how long
// to wait before retrying (RetryInfo). The client sees the description,
// never the driver's message; the cause is logged here, once.
func failureStatus(ctx context.Context, log *slog.Logger, f *domain.FailureError) error {
	c := codes.Unavailable
	if errors.Is(f, domain.ErrResourceExhausted) {
		c = codes.ResourceExhausted
	}
	if f.Cause != nil {
		log.WarnContext(ctx, "request failed: "+f.Description, "reason", f.Reason, "code", c.String(), "error", f.Cause)
	}
	msg := f.Description + "; retrying with the same request_id is safe"
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: f.Reason, Domain: ErrorDomain}}
	if f.RetryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(f.RetryAfter)})
	}
	return withDetails(c, msg, details...)
}

// serverTimeout is the FailureError the server's call bound cancelled ctx
// with (bounds.go in internal/server), or nil.
func serverTimeout(ctx context.Context) *domain.FailureError {
	var f *domain.FailureError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &f) {
		return f
	}
	return nil
}

// Status is the gRPC status of err, by the same mapping as every handler's
// errors, for the server's interceptors (gates, limits, timeouts).
func Status(ctx context.Context, log *slog.Logger, err error) error { return toStatus(ctx, log, err) }
