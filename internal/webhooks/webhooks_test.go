package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/testenv"
	"github.com/motcua/motcua/internal/webhooks"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// delivery is one request the receiver got.
type delivery struct {
	id   string
	body []byte
	ce   struct {
		SpecVersion string        `json:"specversion"`
		ID          string        `json:"id"`
		Type        string        `json:"type"`
		Source      string        `json:"source"`
		Subject     string        `json:"subject"`
		DossierID   string        `json:"dossierid"`
		DossierSeq  int64         `json:"dossierseq"`
		Data        webhooks.Data `json:"data"`
	}
}

// receiver is a real HTTP receiver on 127.0.0.1 that verifies signatures
// and can be told to fail.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	secret atomic.Value // string
	down   atomic.Bool
	mu     sync.Mutex
	got    []delivery // accepted, in arrival order
	bad    int        // signatures that did not verify
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t}
	r.secret.Store("")
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if err := webhooks.Verify(r.secret.Load().(string), req.Header, body, time.Now()); err != nil {
		r.mu.Lock()
		r.bad++
		r.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if req.Header.Get("Content-Type") != webhooks.ContentType {
		http.Error(w, "content type", http.StatusUnsupportedMediaType)
		return
	}
	d := delivery{id: req.Header.Get(webhooks.HeaderID), body: body}
	if err := json.Unmarshal(body, &d.ce); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.got = append(r.got, d)
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// ids counts accepted deliveries per webhook-id.
func (r *receiver) ids() map[string]int {
	out := map[string]int{}
	for _, d := range r.deliveries() {
		out[d.id]++
	}
	return out
}

// checkOrder fails if a dossier's event arrived after a newer one of the
// same dossier (duplicates of the newest are at-least-once, allowed).
func (r *receiver) checkOrder(t *testing.T) {
	t.Helper()
	last := map[string]int64{}
	for _, d := range r.deliveries() {
		if d.ce.DossierSeq < last[d.ce.DossierID] {
			t.Fatalf("dossier %s: event #%d arrived after #%d", d.ce.DossierID, d.ce.DossierSeq, last[d.ce.DossierID])
		}
		last[d.ce.DossierID] = d.ce.DossierSeq
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func start(t *testing.T, url string, o testenv.Options) *testenv.Env {
	o.RunJobs = true
	return testenv.Start(t, url, o)
}

func subscribe(t testing.TB, e *testenv.Env, r *receiver, req *pb.CreateWebhookRequest) *pb.Webhook {
	t.Helper()
	if req == nil {
		req = &pb.CreateWebhookRequest{}
	}
	if req.RequestId == "" {
		req.RequestId = "sub-" + time.Now().Format("150405.000000000")
	}
	req.Endpoint = r.srv.URL + "/hooks"
	resp, err := pb.NewWebhookServiceClient(e.Conn).CreateWebhook(e.As(t, testenv.Admin), req)
	if err != nil {
		t.Fatal(err)
	}
	r.secret.Store(resp.GetSecret())
	return resp.GetWebhook()
}

// TestDeliveriesAreSignedCloudEventsInOrder: every committed event reaches
// the receiver once, as a CloudEvent whose id is the dossier event id,
// signed so that it verifies and a tampered body does not; a mutation
// rolled back after the outbox hook enqueued sends nothing.
func TestDeliveriesAreSignedCloudEventsInOrder(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			r := newReceiver(t)
			var fail atomic.Bool
			e := start(t, testenv.StoreURL(t, kind), testenv.Options{Jobs: func(*jobs.Engine) []app.EventHook {
				return []app.EventHook{func(context.Context, []domain.Event) error {
					if fail.Load() {
						return errors.New("a later step fails")
					}
					return nil
				}}
			}})
			subscribe(t, e, r, nil)
			dr := e.NewDriver(t)
			id := testenv.CitizenID(11)
			d := dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(id)))
			waitFor(t, "two deliveries", func() bool { return len(r.deliveries()) >= 2 })

			fail.Store(true)
			if _, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{RequestId: "rolled-back", Dossier: testenv.Draft(id)}); err == nil {
				t.Fatal("the mutation whose later hook failed succeeded")
			}
			fail.Store(false)
			time.Sleep(500 * time.Millisecond)
			got := r.deliveries()
			if len(got) != 2 {
				t.Fatalf("%d deliveries, want 2 (the rolled-back submission must send nothing)", len(got))
			}
			for i, want := range []string{"vn.motcua.dossier.submitted", "vn.motcua.dossier.received"} {
				c := got[i].ce
				if c.SpecVersion != "1.0" || c.Type != want || c.ID != got[i].id || c.ID != c.Data.EventID || c.Source == "" ||
					c.Subject != d.GetCode() || c.DossierID != d.GetId() || c.DossierSeq != int64(i+1) || c.Data.DossierID != d.GetId() {
					t.Fatalf("delivery %d: %+v", i, c)
				}
			}
			// The signature covers the body: a tampered copy does not verify.
			now := time.Now()
			h, err := webhooks.Headers([]string{r.secret.Load().(string)}, got[0].id, now, got[0].body)
			if err != nil {
				t.Fatal(err)
			}
			if err := webhooks.Verify(r.secret.Load().(string), h, got[0].body, time.Now()); err != nil {
				t.Fatalf("the untampered body: %v", err)
			}
			tampered := append([]byte(nil), got[0].body...)
			tampered[len(tampered)-2] ^= 1
			if err := webhooks.Verify(r.secret.Load().(string), h, tampered, time.Now()); !errors.Is(err, webhooks.ErrSignature) {
				t.Fatalf("a tampered body verified: %v", err)
			}
			ws := pb.NewWebhookServiceClient(e.Conn)
			list, err := ws.ListWebhooks(e.As(t, testenv.Admin), &pb.ListWebhooksRequest{})
			if err != nil || len(list.GetWebhooks()) != 1 {
				t.Fatalf("list: %v %v", list, err)
			}
			log, err := ws.ListWebhookDeliveries(e.As(t, testenv.Admin), &pb.ListWebhookDeliveriesRequest{Id: list.GetWebhooks()[0].GetId()})
			if err != nil || len(log.GetDeliveries()) != 2 || !log.GetDeliveries()[0].GetOk() || log.GetDeliveries()[0].GetStatusCode() != 204 {
				t.Fatalf("delivery log: %v %v", log, err)
			}
		})
	}
}

// TestReceiverDownThenUp: while the receiver fails, deliveries are retried
// with backoff; once it is up every event arrives, each dossier's in order.
func TestReceiverDownThenUp(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			r := newReceiver(t)
			e := start(t, testenv.StoreURL(t, kind), testenv.Options{})
			subscribe(t, e, r, nil)
			r.down.Store(true)
			dr := e.NewDriver(t)
			var want int
			for i := range 3 {
				d := dr.Submit(testenv.Draft(testenv.CitizenID(20 + i)))
				d = dr.Must(domain.ActionReceive, d)
				dr.Must(domain.ActionForward, d)
				want += 3
			}
			time.Sleep(700 * time.Millisecond) // a few failed attempts
			r.down.Store(false)
			waitFor(t, "every event after the receiver came back", func() bool { return len(r.ids()) == want })
			r.checkOrder(t)
		})
	}
}

// TestDeliveredAfterRestart: events committed while no engine runs (the
// server was stopped between commit and delivery) are delivered by the next
// server on the same database.
func TestDeliveredAfterRestart(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			url := testenv.StoreURL(t, kind)
			r := newReceiver(t)
			e := testenv.Start(t, url, testenv.Options{}) // the engine does not run
			subscribe(t, e, r, nil)
			dr := e.NewDriver(t)
			dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(31))))
			time.Sleep(300 * time.Millisecond)
			if n := len(r.deliveries()); n != 0 {
				t.Fatalf("%d deliveries with no engine running", n)
			}
			if err := e.Stop(); err != nil {
				t.Fatal(err)
			}
			e.Store.Close()
			start(t, url, testenv.Options{NoDemo: true})
			waitFor(t, "the deliveries after the restart", func() bool { return len(r.ids()) == 2 })
			r.checkOrder(t)
		})
	}
}

// TestTwoReplicasDeliverEachEventOnce: two servers with their own job
// engines on one PostgreSQL deliver every event of mutations made through
// both exactly once, in per-dossier order.
func TestTwoReplicasDeliverEachEventOnce(t *testing.T) {
	url := testenv.StoreURL(t, "postgres")
	r := newReceiver(t)
	a := start(t, url, testenv.Options{})
	b := start(t, url, testenv.Options{NoDemo: true})
	subscribe(t, a, r, nil)
	var want int
	for i, e := range []*testenv.Env{a, b, a, b} {
		dr := e.NewDriver(t)
		d := dr.Submit(testenv.Draft(testenv.CitizenID(40 + i)))
		dr.Must(domain.ActionReceive, d)
		want += 2
	}
	waitFor(t, "every event", func() bool { return len(r.ids()) == want })
	time.Sleep(500 * time.Millisecond)
	for id, n := range r.ids() {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	r.checkOrder(t)
}

// TestDisabledAfterSustainedFailure: a receiver that keeps failing gets its
// subscription disabled (bounded by the configured count and duration),
// with every attempt in the delivery log; enabling it delivers what was
// missed.
func TestDisabledAfterSustainedFailure(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			r := newReceiver(t)
			cfg := testenv.TestWebhooksConfig(nil)
			cfg.DisableMinFailures, cfg.DisableAfter = 3, 0
			e := start(t, testenv.StoreURL(t, kind), testenv.Options{Webhooks: &cfg})
			w := subscribe(t, e, r, nil)
			r.down.Store(true)
			dr := e.NewDriver(t)
			dr.Submit(testenv.Draft(testenv.CitizenID(51)))
			ws := pb.NewWebhookServiceClient(e.Conn)
			admin := e.As(t, testenv.Admin)
			var got *pb.Webhook
			waitFor(t, "the automatic disabling", func() bool {
				g, err := ws.GetWebhook(admin, &pb.GetWebhookRequest{Id: w.GetId()})
				got = g.GetWebhook()
				return err == nil && !got.GetEnabled()
			})
			if got.GetDisabledReason() == "" || got.GetConsecutiveFailures() != 3 {
				t.Fatalf("disabled: %+v", got)
			}
			log, err := ws.ListWebhookDeliveries(admin, &pb.ListWebhookDeliveriesRequest{Id: w.GetId()})
			if err != nil || len(log.GetDeliveries()) != 3 || log.GetDeliveries()[0].GetStatusCode() != 503 || log.GetDeliveries()[0].GetOk() {
				t.Fatalf("delivery log: %v %v", log, err)
			}
			// Disabled: nothing more is attempted, even for new events.
			dr.Submit(testenv.Draft(testenv.CitizenID(52)))
			time.Sleep(500 * time.Millisecond)
			if log2, _ := ws.ListWebhookDeliveries(admin, &pb.ListWebhookDeliveriesRequest{Id: w.GetId()}); len(log2.GetDeliveries()) != 3 {
				t.Fatalf("%d attempts after the disabling, want 3", len(log2.GetDeliveries()))
			}
			r.down.Store(false)
			if _, err := ws.EnableWebhook(admin, &pb.EnableWebhookRequest{RequestId: "enable-1", Id: w.GetId(), ExpectedVersion: got.GetVersion()}); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if t.Failed() {
					l, _ := ws.ListWebhookDeliveries(admin, &pb.ListWebhookDeliveriesRequest{Id: w.GetId()})
					g, _ := ws.GetWebhook(admin, &pb.GetWebhookRequest{Id: w.GetId()})
					var jobs []struct {
						Kind, State string
						Errors      string
					}
					e.Store.DB().Raw(`SELECT kind, CAST(state AS TEXT) AS state, CAST(errors AS TEXT) AS errors FROM river_job`).Scan(&jobs)
					t.Logf("received %v; log %v; webhook %v; jobs %+v", r.ids(), l, g, jobs)
				}
			}()
			waitFor(t, "the missed events after enabling", func() bool { return len(r.ids()) == 2 })
		})
	}
}

// TestPrivateEndpointsRefused: without --webhooks-allow-private-endpoints,
// loopback, private and link-local endpoints (by address or by a name that
// resolves to one) and plain http are refused with a field violation, and
// nothing is stored.
func TestPrivateEndpointsRefused(t *testing.T) {
	cfg := testenv.TestWebhooksConfig(nil)
	cfg.AllowPrivate = false
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Webhooks: &cfg})
	ws := pb.NewWebhookServiceClient(e.Conn)
	admin := e.As(t, testenv.Admin)
	for i, ep := range []string{"https://127.0.0.1/x", "https://localhost:8443/x", "https://10.1.2.3/x", "https://169.254.169.254/latest",
		"https://[::1]/x", "https://[fd00::1]/x", "https://192.168.1.10/x", "http://93.184.216.34/x", "https://user:pw@93.184.216.34/x", "not a url"} {
		_, err := ws.CreateWebhook(admin, &pb.CreateWebhookRequest{RequestId: "priv-" + strconv.Itoa(i), Endpoint: ep})
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", ep, err)
			continue
		}
		found := false
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					found = found || v.GetField() == "endpoint"
				}
			}
		}
		if !found {
			t.Errorf("%s: no field violation on endpoint: %v", ep, st.Details())
		}
	}
	if l, err := ws.ListWebhooks(admin, &pb.ListWebhooksRequest{}); err != nil || len(l.GetWebhooks()) != 0 {
		t.Fatalf("refused endpoints were stored: %v %v", l, err)
	}
}
