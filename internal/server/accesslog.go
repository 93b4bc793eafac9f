package server

import (
	"context"
	"log/slog"
	"path"
	"time"

	middleware "github.com/grpc-ecosystem/go-grpc-middleware/v2"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/motcua/motcua/internal/auth"
)

// callNote is filled in by the interceptors below the access log (the
// principal is known only after authentication) and read when the call
// finishes.
type callNote struct {
	principal, role, agency string
	address                 string // the caller's address as authentication resolved it (gateway, trusted proxies)
}

type callNoteKey struct{}

// notePrincipal records the authenticated principal for the access log.
func notePrincipal(ctx context.Context) {
	n, ok := ctx.Value(callNoteKey{}).(*callNote)
	if !ok {
		return
	}
	if p, ok := auth.FromContext(ctx); ok {
		n.principal, n.role, n.agency, n.address = p.Subject, p.Role.String(), p.AgencyCode, p.ClientAddress
	}
}

// accessLogUnary writes one line per finished call and puts the trace id
// in the details of every error it returns.
func (s *Server) accessLogUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	start := time.Now()
	n := &callNote{}
	resp, err := h(context.WithValue(ctx, callNoteKey{}, n), req)
	return resp, s.finishCall(ctx, info.FullMethod, n, start, err)
}

func (s *Server) accessLogStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	start := time.Now()
	n := &callNote{}
	w := middleware.WrapServerStream(ss)
	w.WrappedContext = context.WithValue(ss.Context(), callNoteKey{}, n)
	err := h(srv, w)
	return s.finishCall(ss.Context(), info.FullMethod, n, start, err)
}

// finishCall logs the call: at info, at warn for overload and timeouts, at
// error for server faults, and at debug for health probes. It never logs
// a token, a request or personal data beyond the principal's id.
func (s *Server) finishCall(ctx context.Context, method string, n *callNote, start time.Time, err error) error {
	code := status.Code(err)
	sc := trace.SpanContextFromContext(ctx)
	if err != nil && sc.HasTraceID() {
		err = withRequestInfo(err, sc.TraceID().String())
	}
	lvl := slog.LevelInfo
	switch code {
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		lvl = slog.LevelError
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		lvl = slog.LevelWarn
	}
	if code == codes.OK && path.Dir(method) == "/grpc.health.v1.Health" {
		lvl = slog.LevelDebug
	}
	log := s.opts.Log
	if !log.Enabled(ctx, lvl) {
		return err
	}
	attrs := []slog.Attr{
		slog.String("grpc.service", path.Base(path.Dir(method))),
		slog.String("grpc.method", path.Base(method)),
		slog.String("grpc.code", code.String()),
		slog.Float64("grpc.time_ms", float64(time.Since(start).Microseconds())/1000),
	}
	// The caller's own address: behind the JSON gateway the transport peer
	// is the in-memory connection, so the address authentication resolved
	// (the HTTP client's, or X-Forwarded-For from a trusted proxy) wins.
	if n.address != "" {
		attrs = append(attrs, slog.String("peer.address", n.address))
	} else if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		attrs = append(attrs, slog.String("peer.address", p.Addr.String()))
	}
	if n.principal != "" {
		attrs = append(attrs, slog.String("principal", n.principal), slog.String("role", n.role))
		if n.agency != "" {
			attrs = append(attrs, slog.String("agency", n.agency))
		}
	}
	if err != nil && lvl >= slog.LevelWarn {
		attrs = append(attrs, slog.String("error", status.Convert(err).Message()))
	}
	// trace_id and span_id are added by the log handler (telemetry.LogHandler)
	// when it is installed; without it, add the trace id here.
	if sc.HasTraceID() && !tracedLogs(log) {
		attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()))
	}
	log.LogAttrs(ctx, lvl, "finished call", attrs...)
	return err
}

// withRequestInfo adds a google.rpc.RequestInfo detail carrying the trace
// id, so that a caller's error report leads to the server's log lines and
// trace.
func withRequestInfo(err error, traceID string) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.RequestInfo); ok {
			return err
		}
	}
	withInfo, derr := st.WithDetails(&errdetails.RequestInfo{RequestId: traceID})
	if derr != nil {
		return err
	}
	return withInfo.Err()
}

// traceIDAdder is implemented by a log handler that adds trace ids itself.
type traceIDAdder interface{ AddsTraceID() bool }

func tracedLogs(l *slog.Logger) bool {
	t, ok := l.Handler().(traceIDAdder)
	return ok && t.AddsTraceID()
}
