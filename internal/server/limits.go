package server

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/service"
)

// Limits bound what one principal (a verified token subject) may ask of a
// replica. Integrations (portals relaying many citizens' calls under their
// own identity) have their own, larger, figures. A zero rate or stream
// count means no limit.
type Limits struct {
	// Rate is calls per second per principal, Burst the calls it may make at
	// once after being idle.
	Rate  float64
	Burst int
	// IntegrationRate and IntegrationBurst apply to the integration role.
	IntegrationRate  float64
	IntegrationBurst int
	// Streams is the number of streaming calls one principal may have open.
	Streams int
	// IdleAfter is how long an unused principal's state is kept (default 10
	// minutes); it bounds the limiter's memory by the principals active in
	// that time.
	IdleAfter time.Duration
}

// limiter keeps one token bucket and one open-stream count per principal.
type limiter struct {
	cfg       Limits
	now       func() time.Time
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
	rejected  *prometheus.CounterVec
	tracked   prometheus.GaugeFunc
}

type bucket struct {
	lim     *rate.Limiter // nil: no rate limit for this principal
	streams int
	seen    time.Time
}

func newLimiter(cfg Limits, reg prometheus.Registerer) (*limiter, error) {
	if cfg.IdleAfter <= 0 {
		cfg.IdleAfter = 10 * time.Minute
	}
	l := &limiter{cfg: cfg, now: time.Now, buckets: map[string]*bucket{}}
	l.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "motcua_rate_limited_total",
		Help: "Calls refused with RESOURCE_EXHAUSTED by the per-principal limits, by limit (rate or streams) and principal kind (integration or user).",
	}, []string{"limit", "kind"})
	l.tracked = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "motcua_rate_limiter_principals",
		Help: "Principals whose limiter state this replica keeps (idle ones are evicted).",
	}, func() float64 { l.mu.Lock(); defer l.mu.Unlock(); return float64(len(l.buckets)) })
	for _, c := range []prometheus.Collector{l.rejected, l.tracked} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register limiter metrics: %w", err)
		}
	}
	return l, nil
}

func kindOf(p domain.Principal) string {
	if p.Role == domain.RoleIntegration {
		return "integration"
	}
	return "user"
}

// get returns p's bucket; l.mu is held. It evicts idle buckets at most once
// per IdleAfter/2, so the sweep costs O(1) amortised per call.
func (l *limiter) get(p domain.Principal, now time.Time) *bucket {
	if now.Sub(l.lastSweep) > l.cfg.IdleAfter/2 {
		for k, b := range l.buckets {
			if b.streams == 0 && now.Sub(b.seen) > l.cfg.IdleAfter {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	key := p.Key() // issuer|kind|subject: two accounts never share a budget
	b, ok := l.buckets[key]
	if !ok {
		r, burst := l.cfg.Rate, l.cfg.Burst
		if p.Role == domain.RoleIntegration {
			r, burst = l.cfg.IntegrationRate, l.cfg.IntegrationBurst
		}
		b = &bucket{}
		if r > 0 {
			b.lim = rate.NewLimiter(rate.Limit(r), max(burst, 1))
		}
		l.buckets[key] = b
	}
	b.seen = now
	return b
}

// allow takes one call from p's bucket, or says how long to wait.
func (l *limiter) allow(p domain.Principal) (time.Duration, bool) {
	if r := l.cfg.Rate; p.Role == domain.RoleIntegration && l.cfg.IntegrationRate <= 0 || p.Role != domain.RoleIntegration && r <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.get(p, now)
	if b.lim == nil {
		return 0, true
	}
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// openStream counts a stream of p, or refuses when p has Streams open.
func (l *limiter) openStream(p domain.Principal) bool {
	if l.cfg.Streams <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(p, l.now())
	if b.streams >= l.cfg.Streams {
		return false
	}
	b.streams++
	return true
}

func (l *limiter) closeStream(p domain.Principal) {
	if l.cfg.Streams <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(p, l.now())
	b.streams--
	b.seen = l.now()
}

// exhausted is RESOURCE_EXHAUSTED with google.rpc.RetryInfo (when to retry)
// and an ErrorInfo naming the limit.
func exhausted(limit string, retry time.Duration, msg string) error {
	st, err := status.New(codes.ResourceExhausted, msg).WithDetails(
		&errdetails.ErrorInfo{Reason: "RATE_LIMITED", Domain: service.ErrorDomain, Metadata: map[string]string{"limit": limit}},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(retry)},
	)
	if err != nil {
		return status.Error(codes.ResourceExhausted, msg)
	}
	return st.Err()
}

func (l *limiter) check(ctx context.Context) (domain.Principal, bool, error) {
	notePrincipal(ctx)
	p, ok := auth.FromContext(ctx)
	if !ok {
		return p, false, nil // public methods (health, reflection)
	}
	if d, ok := l.allow(p); !ok {
		l.rejected.WithLabelValues("rate", kindOf(p)).Inc()
		d = d.Round(time.Millisecond) + time.Millisecond
		return p, true, exhausted("rate", d, "too many calls from this principal; retry after "+strconv.FormatInt(d.Milliseconds(), 10)+" ms")
	}
	return p, true, nil
}

// limitUnary applies the rate limit (after authentication: the key is the
// verified principal).
func (s *Server) limitUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if _, _, err := s.ops.limiter.check(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

// limitStream applies the rate limit to opening a stream, and the
// concurrent-stream limit while it is open.
func (s *Server) limitStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	l := s.ops.limiter
	p, authed, err := l.check(ss.Context())
	if err != nil {
		return err
	}
	if !authed {
		return h(srv, ss)
	}
	if !l.openStream(p) {
		l.rejected.WithLabelValues("streams", kindOf(p)).Inc()
		return exhausted("streams", time.Second,
			fmt.Sprintf("this principal already has %d streams open; close one or retry later", l.cfg.Streams))
	}
	defer l.closeStream(p)
	return h(srv, ss)
}
