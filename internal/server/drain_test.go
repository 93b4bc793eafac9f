package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/testenv"
)

// TestShutdownDrainsUnderLoad: a shutdown under write load turns readiness
// (/readyz and gRPC health) NOT_SERVING a drain period before the listener
// closes, keeps answering calls meanwhile, and every acknowledged write is
// in the store afterwards.
func TestShutdownDrainsUnderLoad(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			const drain = 400 * time.Millisecond
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{
				Operations: server.Operations{AdminAddr: "127.0.0.1:0", DrainPeriod: drain}})
			readyz := "http://" + e.Server.AdminAddr() + "/readyz"
			if r, err := http.Get(readyz); err != nil || r.StatusCode != http.StatusOK {
				t.Fatalf("before shutdown /readyz: %v %v", r, err)
			}

			var (
				mu    sync.Mutex
				acked []string
				n     atomic.Int64
				stop  = make(chan struct{})
				wg    sync.WaitGroup
			)
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						id := testenv.CitizenID(w*10000 + i + 1)
						r, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(id)),
							&pb.SubmitDossierRequest{RequestId: fmt.Sprintf("load-%d-%d", w, i), Dossier: testenv.Draft(id)})
						if err != nil {
							return // the server is gone: the call was not acknowledged
						}
						n.Add(1)
						mu.Lock()
						acked = append(acked, r.GetDossier().GetId())
						mu.Unlock()
					}
				}()
			}
			for n.Load() < 8 { // load is flowing
				time.Sleep(5 * time.Millisecond)
			}

			stopped := make(chan error, 1)
			start := time.Now()
			go func() { stopped <- e.Stop() }()
			var notReady, healthDown, refused time.Duration
			var ackedAtNotReady int64
			hc := healthpb.NewHealthClient(e.Conn)
			for refused == 0 {
				now := time.Since(start)
				if notReady == 0 {
					if r, err := http.Get(readyz); err == nil {
						r.Body.Close()
						if r.StatusCode == http.StatusServiceUnavailable {
							notReady, ackedAtNotReady = now, n.Load()
						}
					}
				}
				if healthDown == 0 {
					ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
					h, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: "motcua.v1"})
					cancel()
					if err == nil && h.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
						healthDown = now
					}
				}
				if c, err := net.DialTimeout("tcp", e.Addr, 100*time.Millisecond); err != nil {
					refused = time.Since(start)
				} else {
					c.Close()
				}
				if time.Since(start) > 10*time.Second {
					t.Fatal("the gRPC listener never closed")
				}
				time.Sleep(2 * time.Millisecond)
			}
			if err := <-stopped; err != nil {
				t.Fatalf("Serve returned %v", err)
			}
			close(stop)
			wg.Wait()

			if notReady == 0 || healthDown == 0 {
				t.Fatalf("readiness never failed before the listener closed (readyz 503 at %v, health NOT_SERVING at %v, refused at %v)",
					notReady, healthDown, refused)
			}
			if refused-notReady < drain/2 || refused-healthDown < drain/2 {
				t.Fatalf("listener closed %v after /readyz failed and %v after health did; want about the drain period %v",
					refused-notReady, refused-healthDown, drain)
			}
			if n.Load() <= ackedAtNotReady {
				t.Errorf("no call was answered during the drain (%d acknowledged before, %d in all)", ackedAtNotReady, n.Load())
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range acked {
				if _, err := e.Store.GetDossier(context.Background(), id); err != nil {
					t.Fatalf("acknowledged dossier %s is not in the store: %v", id, err)
				}
			}
			t.Logf("%d writes acknowledged; not ready at %v, health down at %v, listener closed at %v",
				len(acked), notReady, healthDown, refused)
		})
	}
}
