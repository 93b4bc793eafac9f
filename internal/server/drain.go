package server

import "time"

// drain is the first step of a shutdown: health (gRPC and /readyz) turns
// NOT_SERVING while the server keeps accepting and answering calls for the
// drain period, so that load balancers and Kubernetes endpoints stop
// sending new calls before the listener closes. Calls that arrive during
// the period are served normally; the graceful stop that follows lets the
// running ones finish.
func (s *Server) drain() {
	s.ops.healthMu.Lock()
	s.ops.draining.Store(true)
	s.health.Shutdown() // every service NOT_SERVING, and it stays so
	s.ops.healthMu.Unlock()
	if s.opts.DrainPeriod > 0 {
		s.opts.Log.Info("draining: reporting NOT_SERVING before closing the listeners", "period", s.opts.DrainPeriod)
		time.Sleep(s.opts.DrainPeriod)
	}
}
