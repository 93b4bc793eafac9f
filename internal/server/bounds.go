package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/service"
)

// Bounds on the server's own waiting, whatever the client asked for.

// callTimeout bounds a unary call: a call whose client set no deadline, or a
// later one, gets the server's. When it fires, the handler's context is
// cancelled with a FailureError cause, which the service reports as
// UNAVAILABLE (STORE_TIMEOUT… CALL_TIMEOUT) with a retry hint — not
// DEADLINE_EXCEEDED, which says the client's own deadline passed.
func (s *Server) callTimeout(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	ctx, cancel := s.bound(ctx, s.opts.CallTimeout, "call")
	defer cancel()
	return h(ctx, req)
}

// streamTimeout bounds the API's streaming calls (audit verification)
// separately: they legitimately run for minutes. Health Watch and
// reflection streams are not bounded.
func (s *Server) streamTimeout(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if !strings.HasPrefix(info.FullMethod, "/motcua.") {
		return h(srv, ss)
	}
	ctx, cancel := s.bound(ss.Context(), s.opts.StreamTimeout, "stream")
	defer cancel()
	return h(srv, &boundStream{ServerStream: ss, ctx: ctx})
}

func (s *Server) bound(ctx context.Context, d time.Duration, what string) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, d, domain.Unavailable(domain.ReasonCallTimeout,
		fmt.Sprintf("the %s did not finish within the server's limit of %s, most likely waiting for the database", what, d), retrySoon, nil))
}

const retrySoon = 2 * time.Second

type boundStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (b *boundStream) Context() context.Context { return b.ctx }

// streamLimiter caps the concurrent streams of the costly streaming RPCs.
// Excess calls are refused at once with RESOURCE_EXHAUSTED and a retry hint
// rather than queued: a queue would hold connections and goroutines for
// work whose caller may be gone, and an auditor's tool can simply retry.
type streamLimiter struct {
	slots map[string]chan struct{} // by full method
}

func newStreamLimiter(maxVerify int) *streamLimiter {
	l := &streamLimiter{slots: map[string]chan struct{}{}}
	if maxVerify > 0 {
		l.slots[pb.AuditService_VerifyAuditChain_FullMethodName] = make(chan struct{}, maxVerify)
	}
	return l
}

func (s *Server) limitStreams(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	slots, ok := s.streams.slots[info.FullMethod]
	if !ok {
		return h(srv, ss)
	}
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
		return h(srv, ss)
	default:
		s.opts.Log.WarnContext(ss.Context(), "refused a stream: too many running", "method", info.FullMethod, "limit", cap(slots))
		return service.Status(ss.Context(), s.opts.Log, domain.Exhausted(domain.ReasonTooManyStreams,
			fmt.Sprintf("%d %s streams are running, the most this server runs at once; retry shortly", cap(slots),
				info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]), 5*time.Second, nil))
	}
}
