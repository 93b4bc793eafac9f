package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/stats"

	"github.com/motcua/motcua/internal/service"
)

// Operations are the settings an operator tunes: the admin listener, the
// drain on shutdown, tracing, extra metrics, limits and the retention of
// idempotency records (docs/operations.md).
type Operations struct {
	// AdminAddr serves /healthz, /readyz and /metrics; "" turns it off.
	// The public HTTP port serves only the JSON API.
	AdminAddr string
	// DrainPeriod is how long the server stays up, NOT_SERVING but still
	// answering, after a shutdown starts and before it stops accepting
	// calls: the time load balancers need to notice.
	DrainPeriod time.Duration
	// TracerProvider creates the gRPC spans; nil means the global provider.
	TracerProvider trace.TracerProvider
	// Collectors are registered with the server's metrics (domain metrics,
	// database pool, build info).
	Collectors []prometheus.Collector
	// Limits are the per-principal limits (limits.go).
	Limits Limits
	// Requests, when set, has idempotency records older than
	// RequestRetention deleted every PruneInterval (prune.go).
	Requests         RequestPruner
	RequestRetention time.Duration
	PruneInterval    time.Duration
	// Watch tunes the event streams (service.WatchOptions; its Stopping
	// is the server's own).
	Watch service.WatchOptions
}

// opsState is the running part of Operations.
type opsState struct {
	healthMu sync.Mutex // orders setServing against drain
	draining atomic.Bool
	adminLis net.Listener
	admin    *http.Server
	limiter  *limiter
	pruned   prometheus.Counter
	// stopping is closed when the graceful stop begins: event streams end
	// then, with a cursor to resume from (service.WatchOptions).
	stopping     chan struct{}
	stoppingOnce sync.Once
}

// initOperations registers the extra collectors and builds the limiter.
func (s *Server) initOperations(reg prometheus.Registerer) error {
	for _, c := range s.opts.Collectors {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	s.ops.pruned = newPrunedCounter()
	if err := reg.Register(s.ops.pruned); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	l, err := newLimiter(s.opts.Limits, reg)
	if err != nil {
		return err
	}
	s.ops.limiter = l
	return nil
}

// listenAdmin opens the admin listener, if configured.
func (s *Server) listenAdmin() error {
	if s.opts.AdminAddr == "" || s.ops.adminLis != nil {
		return nil
	}
	lis, err := net.Listen("tcp", s.opts.AdminAddr)
	if err != nil {
		return fmt.Errorf("admin listen on %s: %w", s.opts.AdminAddr, err)
	}
	s.ops.adminLis = lis
	return nil
}

// AdminAddr returns the bound admin address, or "" when it is off.
func (s *Server) AdminAddr() string {
	if s.ops.adminLis == nil {
		return ""
	}
	return s.ops.adminLis.Addr().String()
}

// Ready reports what /readyz answers: the schema is current and the server
// is not draining.
func (s *Server) Ready() bool { ok, _ := s.readiness(); return ok }

// startOperations starts the admin listener and the background prune.
func (s *Server) startOperations(ctx context.Context, errc chan<- error) {
	if s.opts.Requests != nil {
		go s.pruneLoop(ctx)
	}
	if err := s.listenAdmin(); err != nil {
		errc <- err
		return
	}
	if s.ops.adminLis == nil {
		return
	}
	s.ops.admin = &http.Server{Handler: s.adminHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.ops.admin.Serve(s.ops.adminLis); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
}

// stopAdmin closes the admin listener last, so that probes see the drain.
func (s *Server) stopAdmin(ctx context.Context) {
	if s.ops.admin != nil {
		_ = s.ops.admin.Shutdown(ctx)
	} else if s.ops.adminLis != nil {
		_ = s.ops.adminLis.Close()
	}
}

// adminHandler serves /healthz (the process is alive), /readyz (200 when
// serving, 503 with the reason otherwise) and /metrics.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ok, why := s.readiness(); !ok {
			http.Error(w, why, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return mux
}

func (s *Server) tracerProvider() trace.TracerProvider {
	if s.opts.TracerProvider != nil {
		return s.opts.TracerProvider
	}
	return otel.GetTracerProvider()
}

// untracedMethods are probes and tooling: tracing them is noise.
func traced(info *stats.RPCTagInfo) bool {
	switch info.FullMethodName {
	case "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch", "/grpc.health.v1.Health/List":
		return false
	}
	return true
}

// serverTraceHandler starts a span per incoming call (continuing the
// caller's W3C trace context).
func (s *Server) serverTraceHandler() stats.Handler {
	return otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(s.tracerProvider()), otelgrpc.WithFilter(traced),
		otelgrpc.WithPropagators(propagation.TraceContext{}))
}

// clientTraceHandler propagates the trace from the JSON gateway to the gRPC
// server it calls. A JSON request's trace starts there: the HTTP side is not
// instrumented, because HTTP server spans record URL query strings, which
// may hold identity numbers.
func (s *Server) clientTraceHandler() stats.Handler {
	return otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(s.tracerProvider()), otelgrpc.WithFilter(traced),
		otelgrpc.WithPropagators(propagation.TraceContext{}))
}
