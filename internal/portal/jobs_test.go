package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portalsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// startJobs is start with the sync driven by the job engine, as serve runs
// it: no test calls the deliverer.
func startJobs(t *testing.T, kind string, cfg app.SyncConfig) *fixture {
	t.Helper()
	sim, client := startSim(t)
	return serveJobs(t, testenv.StoreURL(t, kind), sim, client, cfg, false)
}

// startSim starts a simulator on loopback and returns a client of it.
func startSim(t *testing.T) (*portalsim.Sim, *portal.Client) {
	t.Helper()
	sim, url, stop, err := portalsim.StartLocal("127.0.0.1:0", portalsim.Options{Credentials: map[string]string{seed.OneStopCentre: secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return sim, portal.New(portal.Options{Timeout: 2 * time.Second,
		Agencies: map[string]portal.Endpoint{seed.OneStopCentre: {BaseURL: url, Username: seed.OneStopCentre, Password: secret}}})
}

// serveJobs serves the store at url with the sync on the job engine,
// delivering to sim through client; hold enqueues the jobs but works
// none (testenv.Options.HoldJobs). Several calls on one store are
// replicas, or a server restarted.
func serveJobs(t *testing.T, url string, sim *portalsim.Sim, client *portal.Client, cfg app.SyncConfig, hold bool) *fixture {
	t.Helper()
	cfg.BackoffMin, cfg.BackoffMax = 20*time.Millisecond, 200*time.Millisecond
	var pj *portal.Jobs
	env := testenv.Start(t, url, testenv.Options{
		AppOptions: []app.Option{app.WithPortalSync(client, cfg)},
		HoldJobs:   hold,
		Jobs: func(e *jobs.Engine) []app.EventHook {
			var hook app.EventHook
			pj, hook = portal.Register(e, portal.JobOptions{Workers: 4, Sweep: 200 * time.Millisecond})
			return []app.EventHook{hook}
		}})
	pj.Bind(env.App)
	return &fixture{env: env, sim: sim, dr: env.NewDriver(t)}
}

// waitFor polls cond until it holds or fails the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 45 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pending counts the dossiers the portal lacks the latest state of; it
// logs them when the wait is about to fail, so a failure says why.
func (f *fixture) pending(t *testing.T) int {
	st, err := f.env.App.Status(context.Background(), admin, app.SyncQuery{View: app.SyncPending}, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	f.lastPending = st.States
	return len(st.States)
}

// TestPortalSyncThroughJobs: the sync as serve runs it, on the job engine:
// the portal down while dossiers change, then flapping while they keep
// changing; every dossier's latest state arrives, never an older version
// after a newer one, and nothing is refused as malformed.
func TestPortalSyncThroughJobs(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			// No dead letter here however slow the machine (the next test
			// has them).
			f := startJobs(t, kind, app.SyncConfig{DeadLetterAfter: time.Hour})
			f.sim.SetFaults(portalsim.Faults{Down: true})
			var ds []*pb.Dossier
			for i := range 5 {
				ds = append(ds, f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(600+i))))
			}
			waitFor(t, "failed attempts", func() bool { return f.state(t, ds[0].GetId()).Attempts >= 2 })
			if len(f.sim.Log()) != 0 {
				t.Fatal("the portal accepted calls while down")
			}
			f.sim.SetFaults(portalsim.Faults{FailNext: 4})
			for i, d := range ds {
				ds[i] = f.dr.Must(domain.ActionForward, d)
			}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("pending: %+v; portal: %+v", f.lastPending, f.sim.Stats())
				}
			})
			waitFor(t, "every dossier delivered", func() bool { return f.pending(t) == 0 })
			if s := f.sim.Stats(); s.Invalid != 0 {
				t.Fatalf("the portal refused %d calls as invalid: %+v", s.Invalid, s)
			}
			for _, d := range ds {
				f.checkCopy(t, d)
			}
			last := map[string]int64{}
			for _, a := range f.sim.Log() {
				if a.PhienBan < last[a.MaHoSo] {
					t.Fatalf("the portal accepted version %d of %s after version %d", a.PhienBan, a.MaHoSo, last[a.MaHoSo])
				}
				last[a.MaHoSo] = a.PhienBan
			}
		})
	}
}

// TestPortalDeadLetterThroughJobs: on the job engine, a dossier failing
// past the bound is dead-lettered with the reason, is not sent again by
// the sweeps, and RetrySync brings it back.
func TestPortalDeadLetterThroughJobs(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			f := startJobs(t, kind, app.SyncConfig{DeadLetterAfter: time.Second})
			f.sim.SetFaults(portalsim.Faults{Down: true})
			d := f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(700)))
			waitFor(t, "a dead letter", func() bool { return !f.state(t, d.GetId()).DeadLetteredAt.IsZero() })
			if st := f.state(t, d.GetId()); !strings.Contains(st.LastError, "503") || !strings.Contains(st.LastError, "failing since") {
				t.Fatalf("dead letter: %+v", st)
			}
			f.sim.SetFaults(portalsim.Faults{})
			time.Sleep(500 * time.Millisecond) // sweeps pass; a dead letter is not sent
			if rec, _ := f.sim.Record(d.GetCode()); rec.HoSo.PhienBan == d.GetVersion() {
				t.Fatal("a dead-lettered dossier was delivered without a retry")
			}
			resp, err := pb.NewSyncServiceClient(f.env.Conn).RetrySync(f.env.As(t, testenv.Admin),
				&pb.RetrySyncRequest{RequestId: "jobs-retry", Selector: &pb.SyncSelector{DossierCode: d.GetCode()}})
			if err != nil || resp.GetRearmed() != 1 {
				t.Fatalf("retry: %v %v", resp, err)
			}
			waitFor(t, "the retried dossier", func() bool { return f.pending(t) == 0 })
			f.checkCopy(t, d)
		})
	}
}
