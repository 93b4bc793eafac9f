package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/testenv"
)

// Bounds used by the fault tests: short, so that the tests are quick; the
// figures in docs/RELIABILITY.md come from these settings.
const (
	testHealthInterval = 250 * time.Millisecond
	testHealthTimeout  = 500 * time.Millisecond
	testCallTimeout    = 3 * time.Second
	// failBound is how long a failing call may take at most: the call
	// bound plus slack for a loaded CI machine.
	failBound = testCallTimeout + 3*time.Second
)

func faultOptions(o *server.Options) {
	o.AdminAddr = "127.0.0.1:0" // /healthz and /readyz
	o.HealthInterval, o.HealthTimeout, o.CallTimeout = testHealthInterval, testHealthTimeout, testCallTimeout
}

var faultBounds = gormstore.Options{ConnectTimeout: 2 * time.Second, StatementTimeout: 5 * time.Second, LockTimeout: 2 * time.Second}

// load submits dossiers over gRPC from a few workers, each call with its
// own request id, and records what each request id got.
type load struct {
	t    *testing.T
	env  *testenv.Env
	stop chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	acked   map[string]string // request id → dossier id, acknowledged
	failed  map[string]bool   // request ids never acknowledged (yet)
	codes   map[codes.Code]int
	retry   int           // failures that carried a RetryInfo
	slowest time.Duration // of the failing calls
	longest time.Duration // of all calls

	seq int
}

func startLoad(t *testing.T, env *testenv.Env, workers int) *load {
	l := &load{t: t, env: env, stop: make(chan struct{}), acked: map[string]string{}, failed: map[string]bool{}, codes: map[codes.Code]int{}}
	for w := range workers {
		l.wg.Add(1)
		go l.worker(w)
	}
	return l
}

func (l *load) submit(rid, citizen string) (*pb.Dossier, error) {
	// A generous client deadline: the server's bound must answer first.
	ctx, cancel := context.WithTimeout(l.env.As(l.t, testenv.Citizen(citizen)), 20*time.Second)
	defer cancel()
	resp, err := l.env.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: rid, Dossier: testenv.Draft(citizen)})
	return resp.GetDossier(), err
}

func (l *load) worker(w int) {
	defer l.wg.Done()
	citizen := testenv.CitizenID(w + 1)
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		l.mu.Lock()
		l.seq++
		rid := fmt.Sprintf("load-%d-%d", w, l.seq)
		l.mu.Unlock()
		start := time.Now()
		d, err := l.submit(rid, citizen)
		took := time.Since(start)
		l.mu.Lock()
		l.longest = max(l.longest, took)
		if err == nil {
			l.acked[rid] = d.GetId()
			l.codes[codes.OK]++
		} else {
			st := status.Convert(err)
			l.failed[rid] = true
			l.codes[st.Code()]++
			for _, det := range st.Details() {
				if _, ok := det.(*errdetails.RetryInfo); ok {
					l.retry++
				}
			}
			if took > l.slowest {
				l.slowest = took
			}
		}
		l.mu.Unlock()
		if err != nil {
			time.Sleep(20 * time.Millisecond) // a client backing off a little
		}
	}
}

// halt stops the workers, then retries every unacknowledged request with
// its own request id until it is acknowledged: the retry must be safe.
func (l *load) halt() {
	close(l.stop)
	l.wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for rid := range l.failed {
		w := strings.Split(rid, "-")[1]
		var n int
		fmt.Sscan(w, &n)
		for {
			d, err := l.submit(rid, testenv.CitizenID(n+1))
			if err == nil {
				l.acked[rid] = d.GetId()
				break
			}
			if time.Now().After(deadline) {
				l.t.Fatalf("retrying %s after recovery: %v", rid, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// failures returns the non-OK codes seen, and forgets them (per phase).
func (l *load) failures() (map[codes.Code]int, int, time.Duration, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[codes.Code]int{}
	for c, n := range l.codes {
		if c != codes.OK {
			out[c] = n
		}
	}
	retry, slow, longest := l.retry, l.slowest, l.longest
	l.codes, l.retry, l.slowest, l.longest = map[codes.Code]int{}, 0, 0, 0
	return out, retry, slow, longest
}

// checkNothingLost: every request id has exactly one dossier and every
// dossier stored belongs to exactly one request id.
func (l *load) checkNothingLost(t *testing.T) {
	ids := map[string]string{}
	for rid, id := range l.acked {
		if other, dup := ids[id]; dup {
			t.Errorf("requests %s and %s got the same dossier %s", rid, other, id)
		}
		ids[id] = rid
	}
	var stored []string
	if err := l.env.Store.DB().Table("dossiers").Pluck("id", &stored).Error; err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, id := range stored {
		have[id] = true
	}
	for id, rid := range ids {
		if !have[id] {
			t.Errorf("acknowledged dossier %s (request %s) is missing", id, rid)
		}
	}
	if len(stored) != len(ids) {
		t.Errorf("%d dossiers stored for %d request ids: something was doubled or lost", len(stored), len(ids))
	}
	t.Logf("FIGURES nothing lost: %d request ids, %d acknowledged dossiers, %d stored", len(l.acked), len(ids), len(stored))
}

func healthOf(t *testing.T, env *testenv.Env) healthpb.HealthCheckResponse_ServingStatus {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(env.Conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "motcua.v1"})
	if err != nil {
		t.Fatalf("health check: %v", err)
	}
	return resp.GetStatus()
}

func httpStatus(t *testing.T, env *testenv.Env, path string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + env.Server.AdminAddr() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitHealth waits until gRPC health is want and /readyz agrees (liveness
// stays 200 throughout), and returns how long it took.
func waitHealth(t *testing.T, env *testenv.Env, want healthpb.HealthCheckResponse_ServingStatus, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if healthOf(t, env) == want {
			took := time.Since(start)
			ready := httpStatus(t, env, "/readyz")
			if (want == healthpb.HealthCheckResponse_SERVING) != (ready == http.StatusOK) {
				t.Errorf("gRPC health is %v but /readyz answers %d", want, ready)
			}
			if live := httpStatus(t, env, "/healthz"); live != http.StatusOK {
				t.Errorf("/healthz answers %d while the store is %v: liveness must not depend on the database", live, want)
			}
			return took
		}
		if time.Since(start) > within {
			// Not fatal: the rest of the phase still reports what clients saw.
			t.Errorf("health did not become %v within %s", want, within)
			return -1
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func checkCodes(t *testing.T, phase string, l *load) {
	t.Helper()
	got, retry, slowest, longest := l.failures()
	var list []string
	for c, n := range got {
		list = append(list, fmt.Sprintf("%v×%d", c, n))
		if c != codes.Unavailable {
			t.Errorf("%s: %d calls failed with %v; want UNAVAILABLE only", phase, n, c)
		}
	}
	sort.Strings(list)
	if len(got) == 0 {
		t.Errorf("%s: no call failed: the fault did not bite", phase)
	}
	if retry == 0 && len(got) > 0 {
		t.Errorf("%s: no failure carried a RetryInfo", phase)
	}
	if longest > failBound {
		t.Errorf("%s: a call took %s; the bound is %s", phase, longest, failBound)
	}
	t.Logf("FIGURES %s: client statuses %v (with RetryInfo: %d), slowest failing call %s, slowest call %s", phase, list, retry,
		slowest.Round(time.Millisecond), longest.Round(time.Millisecond))
}

// TestPostgresOutageUnderLoad stops PostgreSQL (fast, then immediate) and
// freezes it (SIGSTOP) while clients submit dossiers: clients get
// UNAVAILABLE in bounded time, health turns NOT_SERVING and back, and every
// acknowledged dossier is there afterwards, none twice.
func TestPostgresOutageUnderLoad(t *testing.T) {
	pg := pgtest.StartServer(t)
	url := pg.NewDatabase("outage", "")
	env := testenv.Start(t, url, testenv.Options{Bounds: faultBounds, ServerOptions: faultOptions})
	waitHealth(t, env, healthpb.HealthCheckResponse_SERVING, 10*time.Second)
	l := startLoad(t, env, 4)
	defer func() {
		select {
		case <-l.stop:
		default:
			close(l.stop)
			l.wg.Wait()
		}
	}()

	outage := func(phase string, hold time.Duration, down, up func()) {
		time.Sleep(700 * time.Millisecond) // load running against a healthy store
		if _, _, _, longest := l.failures(); longest > failBound {
			t.Errorf("%s: a call took %s before the fault", phase, longest)
		}
		start := time.Now()
		down()
		flip := waitHealth(t, env, healthpb.HealthCheckResponse_NOT_SERVING, 10*time.Second)
		time.Sleep(hold) // clients keep calling during the outage
		up()
		back := waitHealth(t, env, healthpb.HealthCheckResponse_SERVING, 30*time.Second)
		time.Sleep(500 * time.Millisecond)
		checkCodes(t, phase, l)
		t.Logf("FIGURES %s: NOT_SERVING %s after the fault, SERVING %s after recovery (outage %s)", phase,
			flip.Round(time.Millisecond), back.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}
	outage("stop -m fast", 2*time.Second, func() { pg.Stop("fast") }, pg.Start)
	outage("stop -m immediate", 2*time.Second, func() { pg.Stop("immediate") }, pg.Start)
	// Frozen longer than the call bound: calls caught waiting must end.
	outage("SIGSTOP", testCallTimeout+2*time.Second, pg.Freeze, pg.Thaw)
	l.halt()
	l.checkNothingLost(t)
}
