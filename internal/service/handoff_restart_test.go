package service_test

import (
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/connectjobs"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// TestHandOffSurvivesRestart: a business-registration dossier accepted by
// server A (its hand-off job enqueued in the acceptance's transaction) while
// the registry is down is still pending when A is stopped; server B, started
// on the same database with its own job engine, finishes the job: the
// registry has the dossier exactly once, the enterprise code is stored and
// the chain verifies. It also holds if A's last attempt reached the registry
// before A died (the registry's idempotency key is the dossier).
func TestHandOffSurvivesRestart(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			biz, bcl := startRegistry(t)
			url := testenv.StoreURL(t, kind)
			start := func() *testenv.Env {
				ref := &connectjobs.Ref{}
				e := testenv.Start(t, url, testenv.Options{Now: func() time.Time { return fixedNow },
					AppOptions: []app.Option{app.WithBusinessRegistry(bcl)},
					Jobs:       connectorJobs(ref), AppReady: func(a *app.Service) { ref.App = a }})
				return e
			}

			// Server A accepts while the registry is down; its job fails and
			// waits for a retry when A stops.
			a := start()
			createBizProcedure(t, a)
			pa := &popEnv{Env: a, dr: a.NewDriver(t)}
			biz.SetDown(true)
			id := testenv.CitizenID(80)
			form := map[string]string{"ten_doanh_nghiep": "Doanh nghiệp tư nhân Bình Minh", "von_dieu_le": "200000000", "loai_hinh": "DNTN"}
			d := pa.dr.Must(domain.ActionReceive, pa.dr.Submit(bizDraft(id, form)))
			if h := d.GetBusinessHandoff(); h.GetStatus() != "PENDING" {
				t.Fatalf("accepted: %v", h)
			}
			time.Sleep(300 * time.Millisecond) // a few failed attempts
			if err := a.Stop(); err != nil {
				t.Fatal(err)
			}
			if biz.Registrations() != 0 {
				t.Fatalf("registered while down: %d", biz.Registrations())
			}
			// A's last attempt reached the registry just before it died,
			// without recording the answer.
			biz.SetDown(false)
			if _, err := bcl.Register(t.Context(), domain.Registration{DossierID: d.GetId(), Form: form}); err != nil {
				t.Fatal(err)
			}

			// Server B on the same database picks the job up.
			b := start()
			pe := &popEnv{Env: b, dr: b.NewDriver(t)}
			deadline := time.Now().Add(20 * time.Second)
			for pe.get(t, d).GetBusinessHandoff().GetStatus() != "SENT" {
				if time.Now().After(deadline) {
					t.Fatalf("server B did not hand off in 20s: %v", pe.get(t, d).GetBusinessHandoff())
				}
				time.Sleep(50 * time.Millisecond)
			}
			got := pe.get(t, d)
			if biz.Registrations() != 1 || got.GetBusinessHandoff().GetEnterpriseCode() == "" ||
				biz.Form(d.GetId())["ten_doanh_nghiep"] != form["ten_doanh_nghiep"] {
				t.Fatalf("registrations %d, hand-off %v", biz.Registrations(), got.GetBusinessHandoff())
			}
			if n, err := b.App.RunHandoffs(t.Context()); err != nil || n != 0 {
				t.Fatalf("sent again: %d %v", n, err)
			}
			handoffs := 0
			for _, ev := range pe.events(t, got) {
				if ev.GetAction() == pb.Action_ACTION_HAND_OFF {
					handoffs++
				}
			}
			if handoffs != 1 {
				t.Fatalf("%d HAND_OFF events", handoffs)
			}
			pe.chainIntact(t, got)
		})
	}
}
