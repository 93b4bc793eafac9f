package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/service"
)

// Probe is one component whose health decides readiness: the store today,
// a job engine or a national-system link later. The server checks every
// probe in the background; while any fails, gRPC health is NOT_SERVING and
// /readyz answers 503. Liveness (/healthz) never depends on a probe: a
// database outage must not get the process killed.
type Probe struct {
	// Name appears in /readyz, in the log and as the gRPC health service
	// "motcua.v1.<Name>".
	Name string
	// Check returns nil when the component is healthy. It is given a
	// context with the check timeout.
	Check func(ctx context.Context) error
	// Gate refuses calls (UNAVAILABLE with a retry hint) at once while the
	// probe fails, instead of letting each call wait for a component that
	// is down: no goroutines pile up behind a stalled database. Leave it off
	// for probes whose failure leaves some calls working (reads while
	// writes fail).
	Gate bool
}

// StoreProbes are the probes of a store: "store" pings it (gating) — on
// its own connection when the store offers Probe — and "store-writes"
// reports consecutive failed writes (not gating: reads may still work on a
// full or read-only database) when the store tracks them.
func StoreProbes(st interface{ Ping(context.Context) error }) []Probe {
	check := st.Ping
	if p, ok := st.(interface{ Probe(context.Context) error }); ok {
		check = p.Probe
	}
	ps := []Probe{{Name: "store", Check: check, Gate: true}}
	if w, ok := st.(interface{ CheckWrites(context.Context) error }); ok {
		ps = append(ps, Probe{Name: "store-writes", Check: w.CheckWrites})
	}
	return ps
}

// probeState is the latest outcome of each probe.
type probeState struct {
	mu     sync.Mutex
	failed map[string]error // by probe name; absent when healthy
	streak map[string]int   // consecutive failed checks, by probe name
}

// failAfter is how many checks in a row must fail before a probe counts as
// failing: one slow answer on a loaded machine is not an outage. One
// passing check clears it.
const failAfter = 2

// checkProbes runs every probe once (concurrently, each within the check
// timeout), records the outcomes, logs each change of state and publishes
// the health status.
func (s *Server) checkProbes(ctx context.Context) {
	type result struct {
		p   Probe
		err error
	}
	results := make([]result, len(s.opts.Probes))
	var wg sync.WaitGroup
	for i, p := range s.opts.Probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, s.opts.HealthTimeout)
			defer cancel()
			err := p.Check(cctx)
			if err == nil && cctx.Err() != nil {
				err = cctx.Err()
			}
			results[i] = result{p, err}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // shutting down: the last word is shutdown's
	}
	s.probes.mu.Lock()
	for _, r := range results {
		prev, wasFailing := s.probes.failed[r.p.Name]
		if r.err != nil {
			s.probes.streak[r.p.Name]++
			if s.probes.streak[r.p.Name] < failAfter && !wasFailing {
				continue
			}
		} else {
			delete(s.probes.streak, r.p.Name)
		}
		switch {
		case r.err != nil && !wasFailing:
			s.opts.Log.Error("health: "+r.p.Name+" failing; not ready", "error", r.err)
		case r.err == nil && wasFailing:
			s.opts.Log.Info("health: "+r.p.Name+" recovered", "was", prev)
		}
		if r.err != nil {
			s.probes.failed[r.p.Name] = r.err
		} else {
			delete(s.probes.failed, r.p.Name)
		}
	}
	s.probes.mu.Unlock()
	s.publishHealth()
}

// watchProbes checks the probes every HealthInterval until ctx ends.
func (s *Server) watchProbes(ctx context.Context) {
	if len(s.opts.Probes) == 0 {
		return
	}
	t := time.NewTicker(s.opts.HealthInterval)
	defer t.Stop()
	for {
		s.checkProbes(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// readiness says whether the server is ready, and why not.
func (s *Server) readiness() (bool, string) {
	if s.ops.draining.Load() {
		return false, "shutting down"
	}
	if !s.ready.Load() {
		return false, s.schema.Load().(string)
	}
	s.probes.mu.Lock()
	defer s.probes.mu.Unlock()
	if len(s.probes.failed) == 0 {
		return true, ""
	}
	var why []string
	for _, p := range s.opts.Probes {
		if err, ok := s.probes.failed[p.Name]; ok {
			why = append(why, fmt.Sprintf("%s: %v", p.Name, err))
		}
	}
	return false, strings.Join(why, "; ")
}

// publishHealth sets the gRPC health statuses: the whole service ("" and
// motcua.v1) and each probe (motcua.v1.<name>).
func (s *Server) publishHealth() {
	ok, _ := s.readiness()
	s.health.SetServingStatus("", servingStatus(ok))
	s.health.SetServingStatus(healthService, servingStatus(ok))
	s.probes.mu.Lock()
	defer s.probes.mu.Unlock()
	for _, p := range s.opts.Probes {
		_, failing := s.probes.failed[p.Name]
		s.health.SetServingStatus(healthService+"."+p.Name, servingStatus(!failing && s.ready.Load()))
		if s.probeGauge != nil {
			v := 1.0
			if failing {
				v = 0
			}
			s.probeGauge.WithLabelValues(p.Name).Set(v)
		}
	}
}

func servingStatus(ok bool) healthpb.HealthCheckResponse_ServingStatus {
	if ok {
		return healthpb.HealthCheckResponse_SERVING
	}
	return healthpb.HealthCheckResponse_NOT_SERVING
}

// gate refuses a call while the schema is behind or a gating probe fails.
func (s *Server) gate(ctx context.Context, method string) error {
	if auth.Public(method) {
		return nil
	}
	if !s.ready.Load() {
		return status.Error(codes.Unavailable, s.schema.Load().(string))
	}
	s.probes.mu.Lock()
	var down []string
	for _, p := range s.opts.Probes {
		if _, failing := s.probes.failed[p.Name]; failing && p.Gate {
			down = append(down, p.Name)
		}
	}
	s.probes.mu.Unlock()
	if len(down) == 0 {
		return nil
	}
	return service.Status(ctx, s.opts.Log, domain.Unavailable(domain.ReasonStoreUnreachable,
		"the server cannot reach its "+strings.Join(down, ", ")+" (health checks fail); nothing was done", s.opts.HealthInterval, nil))
}

func newProbeGauge(reg prometheus.Registerer) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "motcua_component_healthy",
		Help: "1 when the component's last health check passed, 0 when it failed."}, []string{"component"})
	if err := reg.Register(g); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.GaugeVec)
		}
		return nil
	}
	return g
}
