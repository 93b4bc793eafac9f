// Package server assembles the running service: the gRPC server with its
// interceptor chain, health and reflection, the HTTP side (health, metrics,
// the JSON gateway), the schema gate, and graceful shutdown.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync/atomic"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/motcua/motcua"
	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/service"
	"github.com/motcua/motcua/internal/webhooks"
)

// Options configure a Server.
type Options struct {
	// Webhooks are the webhook use cases (nil: WebhookService answers
	// UNAVAILABLE).
	Webhooks *webhooks.Service
	GRPCAddr string
	HTTPAddr string
	// ShutdownTimeout bounds the graceful stop; then calls are cut.
	ShutdownTimeout time.Duration
	// SchemaPoll is how often a server whose schema is behind re-checks it.
	SchemaPoll time.Duration
	Log        *slog.Logger
	Verifier   *auth.Verifier
	// Registerer receives metrics; nil means a fresh registry.
	Registerer *prometheus.Registry
	// TLS, when set, serves gRPC and HTTP over TLS; with ClientCAs it also
	// verifies client certificates that are presented (mTLS).
	TLS *tls.Config
	// Probes are checked every HealthInterval within HealthTimeout (see
	// Probe; health.go). Nil means StoreProbes(db).
	Probes                        []Probe
	HealthInterval, HealthTimeout time.Duration
	// CallTimeout bounds each unary call and StreamTimeout each API stream
	// (bounds.go); zero means no bound. MaxVerifyStreams caps concurrent
	// VerifyAuditChain streams; zero means no cap.
	CallTimeout, StreamTimeout time.Duration
	MaxVerifyStreams           int
	// HTTPMount, when set, adds handlers to the HTTP side (the web console);
	// conn reaches this server's gRPC API over loopback, like the gateway.
	HTTPMount func(ctx context.Context, mux *http.ServeMux, conn grpc.ClientConnInterface) error
	// Operations: admin listener, drain, tracing, limits, retention
	// (operations.go).
	Operations
	// TrustedProxies are the networks whose X-Forwarded-For is believed,
	// over HTTP and gRPC (auth.ClientAddress); none by default.
	TrustedProxies []netip.Prefix
}

// Database is what the server asks of the database for its readiness: the
// schema version (gormstore.Store implements it).
type Database interface {
	// SchemaStatus reports the applied migration version and the version
	// this code needs.
	SchemaStatus(ctx context.Context) (current, wanted int64, err error)
	// Ping checks the connection.
	Ping(ctx context.Context) error
}

// Server is a running motcua instance.
type Server struct {
	opts     Options
	store    Database
	grpc     *grpc.Server
	health   *health.Server
	http     *http.Server
	registry *prometheus.Registry
	ready    atomic.Bool
	schema   atomic.Value // string: why the server is not ready
	grpcLis  net.Listener
	httpLis  net.Listener
	gwBuf    *bufconn.Listener // the gateway's in-memory connection (forwarded.go)
	gwLis    net.Listener

	probes     probeState
	probeGauge *prometheus.GaugeVec
	streams    *streamLimiter
	ops        opsState // operations.go
}

// healthService is the name under which the whole API's health is reported.
const healthService = "motcua.v1"

// streamWorkers is how many goroutines serve calls (grpc.NumStreamWorkers):
// enough for the calls a busy server has in flight at once, each keeping a
// stack of some tens of KB.
const streamWorkers = 64

// New builds a server over the use cases a, whose readiness follows db's
// schema; Listen and Serve start it.
func New(a *app.Service, db Database, opts Options) (*Server, error) {
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 15 * time.Second
	}
	if opts.SchemaPoll == 0 {
		opts.SchemaPoll = 5 * time.Second
	}
	if opts.HealthInterval == 0 {
		opts.HealthInterval = 2 * time.Second
	}
	if opts.HealthTimeout == 0 {
		opts.HealthTimeout = 2 * time.Second
	}
	if opts.Probes == nil {
		opts.Probes = StoreProbes(db)
	}
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	metrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	reg.MustRegister(metrics)
	validate, validateStream, err := service.ValidationInterceptor()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, store: db, health: health.NewServer(), registry: reg}
	s.schema.Store("schema not checked yet")
	s.probes.failed, s.probes.streak = map[string]error{}, map[string]int{}
	s.probeGauge = newProbeGauge(reg)
	s.streams = newStreamLimiter(opts.MaxVerifyStreams)
	s.ops.stopping = make(chan struct{})
	authn := &auth.Authenticator{Verifier: opts.Verifier, Log: opts.Log, IntegrationCert: opts.TLS != nil && opts.TLS.ClientCAs != nil,
		TrustedProxies: opts.TrustedProxies}
	log := opts.Log
	recoverFn := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return status.Error(codes.Internal, "internal error; it was logged")
	})
	if err := s.initOperations(reg); err != nil {
		return nil, err
	}
	// The interceptor order is deliberate (the same in both chains):
	//   1. recovery  — a panic anywhere below becomes INTERNAL, never a crash;
	//   2. access log — one line per finished call (info; error for server faults), with
	//                  the principal, peer and trace id; adds the trace id to error details;
	//   3. metrics   — counts every call, including rejected ones;
	//   3b. decoding — a request whose bytes did not decode is INVALID_ARGUMENT (codec.go);
	//   3c. bounds   — the server's own time limit on a call or stream (bounds.go);
	//   4. schema    — UNAVAILABLE while the database schema is behind the code;
	//   5. authn     — verifies the bearer token and attaches the principal;
	//   5b. limits   — per-principal rate and concurrent-stream limits (limits.go);
	//   6. authz     — the coarse gate: may this role call this RPC at all;
	//   6b. freshness — the caller's freshness token and where reads may go; the
	//                  answer's token (freshness.go);
	//   7. validate  — protovalidate rules, only for authorised callers.
	// The fine rules (whose dossier, which unit) are the use cases' job.
	codec := newRequestCodec()
	s.grpc = grpc.NewServer(
		grpc.ChainUnaryInterceptor(
			recovery.UnaryServerInterceptor(recoverFn),
			s.accessLogUnary,
			metrics.UnaryServerInterceptor(),
			codec.unary,
			s.callTimeout,
			s.schemaGate,
			authn.Unary(),
			s.limitUnary,
			service.AuthorizationInterceptor,
			freshnessUnary,
			validate,
		),
		grpc.ChainStreamInterceptor(
			recovery.StreamServerInterceptor(recoverFn),
			s.accessLogStream,
			metrics.StreamServerInterceptor(),
			codec.stream,
			s.streamTimeout,
			s.schemaGateStream,
			authn.Stream(),
			s.limitStream,
			service.AuthorizationStreamInterceptor,
			s.limitStreams,
			freshnessStream,
			validateStream,
		),
		grpc.MaxRecvMsgSize(4<<20),
		// Calls run on long-lived worker goroutines whose stacks have
		// already grown through the interceptor chain, rather than each on
		// a new goroutine that grows its stack from 8 KB again: in the read
		// profile that growth (runtime.newstack) was a seventh of
		// GetDossier's CPU and a third of a health check's. When every
		// worker is busy a call gets its own goroutine, as before.
		grpc.NumStreamWorkers(streamWorkers),
		grpc.ForceServerCodecV2(codec),
		grpc.Creds(serverCreds(opts.TLS)),
		grpc.StatsHandler(s.serverTraceHandler()),
	)
	svc := service.New(a, log)
	pb.RegisterCatalogServiceServer(s.grpc, svc)
	pb.RegisterDossierServiceServer(s.grpc, svc)
	pb.RegisterCalendarServiceServer(s.grpc, service.CalendarServer{Server: svc})
	pb.RegisterAuditServiceServer(s.grpc, service.AuditServer{Server: svc})
	pb.RegisterReportServiceServer(s.grpc, service.ReportServer{Server: svc})
	pb.RegisterSyncServiceServer(s.grpc, service.SyncServer{Server: svc})
	pb.RegisterDocumentServiceServer(s.grpc, service.DocumentServer{Server: svc})
	pb.RegisterIdentityServiceServer(s.grpc, service.IdentityServer{Server: svc})
	watch := opts.Watch
	watch.Stopping = s.ops.stopping
	pb.RegisterEventServiceServer(s.grpc, service.EventServer{Server: svc, Watch: watch})
	pb.RegisterWebhookServiceServer(s.grpc, service.WebhookServer{Server: svc, W: opts.Webhooks})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	metrics.InitializeMetrics(s.grpc)
	s.setServing(false)
	return s, nil
}

// GRPCServer exposes the gRPC server (tests list the services registered on it).
func (s *Server) GRPCServer() *grpc.Server { return s.grpc }

func (s *Server) setServing(ok bool) {
	s.ops.healthMu.Lock() // against a concurrent drain (drain.go)
	defer s.ops.healthMu.Unlock()
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ok && !s.ops.draining.Load() {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.ready.Store(ok)
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(healthService, st)
	s.publishHealth() // and the probes' verdict (health.go)
}

func (s *Server) schemaGate(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := s.gate(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (s *Server) schemaGateStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := s.gate(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return h(srv, ss)
}

// CheckSchema compares the database schema with the code and sets health.
func (s *Server) CheckSchema(ctx context.Context) bool {
	cur, want, err := s.store.SchemaStatus(ctx)
	switch {
	case err != nil:
		s.schema.Store("database unavailable: " + err.Error())
		s.opts.Log.Error("cannot read the database schema version; not serving", "error", err)
	case cur < want:
		msg := fmt.Sprintf("database schema is at version %d but this build needs %d: run `motcua migrate` with the same --database-url", cur, want)
		s.schema.Store(msg)
		s.opts.Log.Error(msg + "; not serving until then")
	case cur > want:
		msg := fmt.Sprintf("database schema is at version %d, newer than this build knows (%d): upgrade motcua", cur, want)
		s.schema.Store(msg)
		s.opts.Log.Error(msg + "; not serving")
	default:
		s.setServing(true)
		return true
	}
	s.setServing(false)
	return false
}

// Listen opens both listeners (so that callers learn the real ports).
func (s *Server) Listen() error {
	var err error
	if s.grpcLis, err = net.Listen("tcp", s.opts.GRPCAddr); err != nil {
		return fmt.Errorf("gRPC listen on %s: %w", s.opts.GRPCAddr, err)
	}
	if s.opts.HTTPAddr != "" {
		if s.httpLis, err = net.Listen("tcp", s.opts.HTTPAddr); err != nil {
			s.grpcLis.Close()
			return fmt.Errorf("HTTP listen on %s: %w", s.opts.HTTPAddr, err)
		}
	}
	if err := s.listenAdmin(); err != nil {
		s.grpcLis.Close()
		if s.httpLis != nil {
			s.httpLis.Close()
		}
		return err
	}
	return nil
}

// GRPCAddr and HTTPAddr return the bound addresses after Listen.
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// HTTPAddr returns the bound HTTP address, or "" when HTTP is off.
func (s *Server) HTTPAddr() string {
	if s.httpLis == nil {
		return ""
	}
	return s.httpLis.Addr().String()
}

// Serve runs until ctx is cancelled, then stops gracefully within the
// shutdown timeout and forcibly after it.
func (s *Server) Serve(ctx context.Context) error {
	if s.grpcLis == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	if !s.CheckSchema(ctx) {
		go s.pollSchema(ctx)
	}
	go s.watchProbes(ctx)
	errc := make(chan error, 4) // gRPC, the gateway's in-memory listener, HTTP, admin
	s.startOperations(ctx, errc)
	go func() { errc <- s.grpc.Serve(s.grpcLis) }()
	if s.httpLis != nil {
		s.listenGateway()
		go func() { errc <- s.grpc.Serve(s.gwLis) }()
		h, err := s.httpHandler(ctx)
		if err != nil {
			return err
		}
		s.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: httpTLS(s.opts.TLS)}
		go func() {
			var err error
			if s.opts.TLS != nil {
				err = s.http.ServeTLS(s.httpLis, "", "")
			} else {
				err = s.http.Serve(s.httpLis)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	select {
	case err := <-errc:
		s.grpc.Stop()
		s.stopAdmin(context.Background())
		return err
	case <-ctx.Done():
	}
	return s.shutdown()
}

func (s *Server) pollSchema(ctx context.Context) {
	t := time.NewTicker(s.opts.SchemaPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.CheckSchema(ctx) {
				s.opts.Log.Info("database schema is current; now serving")
				return
			}
		}
	}
}

func (s *Server) shutdown() error {
	s.drain() // NOT_SERVING first, then the drain period (drain.go)
	s.opts.Log.Info("shutting down", "grace", s.opts.ShutdownTimeout)
	// Event streams would hold the graceful stop until its timeout: end
	// them now, each with the cursor its client resumes from elsewhere.
	s.ops.stoppingOnce.Do(func() { close(s.ops.stopping) })
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	var httpErr error
	if s.http != nil {
		httpErr = s.http.Shutdown(ctx)
	}
	select {
	case <-done:
	case <-ctx.Done():
		s.opts.Log.Warn("graceful stop timed out; cutting remaining calls")
		s.grpc.Stop()
	}
	s.stopAdmin(ctx)
	return httpErr
}

// httpHandler serves the JSON gateway under /v1/ (and the console when
// mounted), which calls the gRPC server over an in-memory connection
// (forwarded.go) so that every interceptor applies.
func (s *Server) httpHandler(ctx context.Context) (http.Handler, error) {
	gw := runtime.NewServeMux(append(gatewayMuxOptions(),
		runtime.WithIncomingHeaderMatcher(headerMatcher), runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithMetadata(s.callerMetadata))...)
	target, dial := gatewayTarget, append(s.gatewayDial(), grpc.WithStatsHandler(s.clientTraceHandler()))
	for _, register := range []func(context.Context, *runtime.ServeMux, string, []grpc.DialOption) error{
		pb.RegisterCatalogServiceHandlerFromEndpoint, pb.RegisterDossierServiceHandlerFromEndpoint,
		pb.RegisterCalendarServiceHandlerFromEndpoint, pb.RegisterAuditServiceHandlerFromEndpoint,
		pb.RegisterReportServiceHandlerFromEndpoint, pb.RegisterSyncServiceHandlerFromEndpoint,
		pb.RegisterEventServiceHandlerFromEndpoint, pb.RegisterDocumentServiceHandlerFromEndpoint,
		pb.RegisterWebhookServiceHandlerFromEndpoint,
		pb.RegisterIdentityServiceHandlerFromEndpoint,
	} {
		if err := register(ctx, gw, target, dial); err != nil {
			return nil, err
		}
	}
	// Health and metrics are on the admin listener (operations.go): the
	// public port serves the JSON API only.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(motcua.OpenAPI) // the contract of this build (docs/api-versioning.md)
	})
	mux.Handle("/v1/", gw)
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { conn.Close() })
	mountFiles(mux, gw, conn) // files.go
	if s.opts.HTTPMount != nil {
		if err := s.opts.HTTPMount(ctx, mux, conn); err != nil {
			return nil, err
		}
	}
	return mux, nil
}

func serverCreds(c *tls.Config) credentials.TransportCredentials {
	if c == nil {
		return insecure.NewCredentials()
	}
	c = c.Clone()
	if c.ClientCAs != nil {
		c.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return credentials.NewTLS(c)
}
