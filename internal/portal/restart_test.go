package portal_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/portalsim"
	"github.com/motcua/motcua/internal/testenv"
)

// checkLog asserts what the portal accepted: never an older version of a
// dossier after a newer one, nothing refused as malformed, and no version
// of a dossier accepted twice (at-least-once only repeats a version after
// a crash between the portal's answer and the record, which these tests
// do not cause). It returns how many versions the portal accepted per
// dossier code.
func checkLog(t *testing.T, sim *portalsim.Sim) map[string]int {
	t.Helper()
	if s := sim.Stats(); s.Invalid != 0 {
		t.Fatalf("the portal refused %d calls as invalid: %+v", s.Invalid, s)
	}
	last, seen, per := map[string]int64{}, map[string]bool{}, map[string]int{}
	for _, a := range sim.Log() {
		if a.PhienBan < last[a.MaHoSo] {
			t.Fatalf("the portal accepted version %d of %s after version %d", a.PhienBan, a.MaHoSo, last[a.MaHoSo])
		}
		key := fmt.Sprintf("%s@%d", a.MaHoSo, a.PhienBan)
		if seen[key] {
			t.Fatalf("the portal accepted %s twice", key)
		}
		last[a.MaHoSo], seen[key] = a.PhienBan, true
		per[a.MaHoSo]++
	}
	return per
}

// TestPortalDeliveredAfterRestart: changes committed by a server that
// stops before delivering them (its job engine never ran, or the portal
// was down while it ran) reach the portal from a new server, with a new
// job engine, on the same store: the jobs and the sync states committed
// with the changes survive the process.
func TestPortalDeliveredAfterRestart(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			t.Run("EngineNeverRan", func(t *testing.T) { testRestart(t, kind, true) })
			t.Run("PortalDownThenStopped", func(t *testing.T) { testRestart(t, kind, false) })
		})
	}
}

func testRestart(t *testing.T, kind string, hold bool) {
	sim, client := startSim(t)
	url := testenv.StoreURL(t, kind)
	cfg := app.SyncConfig{DeadLetterAfter: time.Hour}
	f := serveJobs(t, url, sim, client, cfg, hold)
	if !hold {
		sim.SetFaults(portalsim.Faults{Down: true})
	}
	var ds []*pb.Dossier
	for i := range 4 {
		d := f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(800 + i)))
		if i%2 == 0 {
			d = f.dr.Must(domain.ActionForward, d)
		}
		ds = append(ds, d)
	}
	if !hold {
		waitFor(t, "failed attempts", func() bool {
			for _, d := range ds {
				if f.state(t, d.GetId()).Attempts == 0 {
					return false
				}
			}
			return true
		})
	}
	if err := f.env.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(sim.Log()); n != 0 {
		t.Fatalf("the portal accepted %d calls before the restart", n)
	}
	if n := f.pending(t); n != len(ds) {
		t.Fatalf("%d dossiers pending before the restart; want %d", n, len(ds))
	}
	sim.SetFaults(portalsim.Faults{})

	g := serveJobs(t, url, sim, client, cfg, false)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pending: %+v; portal: %+v", g.lastPending, sim.Stats())
		}
	})
	waitFor(t, "every dossier delivered after the restart", func() bool { return g.pending(t) == 0 })
	for _, d := range ds {
		g.checkCopy(t, d)
	}
	// Nothing reached the portal before the restart, and the latest state
	// is read when sent: one delivery per dossier.
	for code, n := range checkLog(t, sim) {
		if n != 1 {
			t.Errorf("the portal accepted %d versions of %s; want 1", n, code)
		}
	}
}

// TestPortalTwoReplicas: two servers, each with its own job engine and
// the sync registered, on one PostgreSQL, while dossiers change on both
// and the portal fails now and then: every dossier's latest state reaches
// the portal, never an older version after a newer one, and no version is
// accepted twice (the lease keeps one deliverer per dossier; the record of
// what was delivered keeps a replica from sending it again).
func TestPortalTwoReplicas(t *testing.T) {
	sim, client := startSim(t)
	url := testenv.StoreURL(t, "postgres")
	cfg := app.SyncConfig{DeadLetterAfter: time.Hour}
	rs := []*fixture{serveJobs(t, url, sim, client, cfg, false), serveJobs(t, url, sim, client, cfg, false)}
	sim.SetFaults(portalsim.Faults{FailNext: 6})
	var ds []*pb.Dossier
	for i := range 12 {
		a, b := rs[i%2], rs[(i+1)%2]
		d := a.dr.Intake(testenv.CounterDraft(testenv.CitizenID(900 + i)))
		d = b.dr.Must(domain.ActionForward, d)
		if i%3 == 0 {
			d = a.dr.Must(domain.ActionForward, d)
		}
		ds = append(ds, d)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pending: %+v; portal: %+v", rs[0].lastPending, sim.Stats())
		}
	})
	waitFor(t, "every dossier delivered", func() bool { return rs[0].pending(t) == 0 })
	for _, d := range ds {
		rs[1].checkCopy(t, d)
	}
	per := checkLog(t, sim)
	var total int
	codes := make([]string, 0, len(per))
	for code, n := range per {
		total += n
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, c := range codes {
		t.Logf("%s: %d versions accepted", c, per[c])
	}
	// Which replicas worked the delivery jobs (River records the client of
	// each attempt): for the record, as the split depends on timing.
	var workers []string
	rows, err := rs[0].env.Store.SQLDB().QueryContext(context.Background(),
		`SELECT DISTINCT unnest(attempted_by) FROM river_job WHERE kind = 'portal_sync' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, w)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d dossiers, %d accepted deliveries, no version twice; portal %+v; jobs worked by %v",
		len(ds), total, sim.Stats(), workers)
}
