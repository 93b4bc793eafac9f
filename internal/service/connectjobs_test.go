package service_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/bizreg"
	"github.com/motcua/motcua/internal/bizregsim"
	"github.com/motcua/motcua/internal/connectjobs"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/popdb"
	"github.com/motcua/motcua/internal/popsim"
	"github.com/motcua/motcua/internal/testenv"
)

// TestConnectorWorkRunsAsJobs: with the job engine as serve runs it, an
// intake left pending and a hand-off accepted while the national systems
// are down are enqueued in their mutations' transactions and retried with
// backoff until the systems return: every check answered once by SYSTEM,
// the dossier registered once, with no sweep and no call from the test.
func TestConnectorWorkRunsAsJobs(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			pop, err := popsim.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = pop.Close() })
			biz, bcl := startRegistry(t)
			pcl, err := popdb.New(popdb.Config{BaseURL: pop.URL(), ClientID: popsim.ClientID, ClientSecret: popsim.ClientSecret,
				Timeout: time.Second, CacheTTL: -1, BreakerFailures: 1000})
			if err != nil {
				t.Fatal(err)
			}
			ref := &connectjobs.Ref{}
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow },
				AppOptions: []app.Option{app.WithPopulationDB(pcl, 300*time.Millisecond), app.WithBusinessRegistry(bcl)},
				Jobs:       connectorJobs(ref), AppReady: func(a *app.Service) { ref.App = a }})
			createBizProcedure(t, e)
			pe := &popEnv{Env: e, dr: e.NewDriver(t)}

			pop.SetDown(true)
			biz.SetDown(true)
			var ds []*pb.Dossier
			for i := range 5 {
				id := testenv.CitizenID(60 + i)
				pop.Add(popdb.CongDan{SoDinhDanh: id, HoVaTen: "Nguyễn Văn An", NgayThangNamSinh: "1990-05-12"})
				ds = append(ds, pe.dr.Intake(testenv.CounterDraft(id)))
			}
			bizID := testenv.CitizenID(70)
			bd := pe.dr.Submit(bizDraft(bizID, map[string]string{"ten_doanh_nghiep": "An Phát", "von_dieu_le": "1", "loai_hinh": "DNTN"}))
			bd = pe.dr.Must(domain.ActionReceive, bd)
			for _, d := range ds {
				if d.GetIdentityVerification().GetOutcome() != pb.VerificationOutcome_VERIFICATION_OUTCOME_PENDING {
					t.Fatalf("while down: %v", d.GetIdentityVerification())
				}
			}
			time.Sleep(300 * time.Millisecond) // a few failed attempts
			pop.SetDown(false)
			biz.SetDown(false)

			deadline := time.Now().Add(20 * time.Second)
			for {
				done := pe.get(t, bd).GetBusinessHandoff().GetStatus() == "SENT"
				for _, d := range ds {
					done = done && pe.get(t, d).GetIdentityVerification().GetOutcome() == pb.VerificationOutcome_VERIFICATION_OUTCOME_MATCH
				}
				if done {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the jobs did not finish in 20s (handoff %v)", pe.get(t, bd).GetBusinessHandoff())
				}
				time.Sleep(100 * time.Millisecond)
			}
			for _, d := range ds {
				n := 0
				for _, ev := range pe.events(t, d) {
					if ev.GetAction() == pb.Action_ACTION_VERIFY_IDENTITY {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("%s: %d VERIFY_IDENTITY events", d.GetCode(), n)
				}
			}
			if biz.Registrations() != 1 || pe.get(t, bd).GetBusinessHandoff().GetEnterpriseCode() == "" {
				t.Fatalf("registrations %d", biz.Registrations())
			}
			pe.chainIntact(t, bd)
		})
	}
}

// startRegistry starts the business-registry simulator on loopback and a
// client of it whose circuit never opens (5 failures would open it for
// 30 s by default): tests with a planned outage wait for the retries, not
// for the breaker.
func startRegistry(t *testing.T) (*bizregsim.Sim, *bizreg.Client) {
	t.Helper()
	biz, err := bizregsim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = biz.Close() })
	bcl, err := bizreg.New(bizreg.Config{BaseURL: biz.URL(), ClientID: bizregsim.ClientID, ClientSecret: bizregsim.ClientSecret,
		Timeout: time.Second, BreakerFailures: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return biz, bcl
}

// connectorJobs registers the connector workers on a test server's job
// engine, as serve does; ref.App must be set before the engine works.
func connectorJobs(ref *connectjobs.Ref) func(*jobs.Engine) []app.EventHook {
	return func(eng *jobs.Engine) []app.EventHook {
		return []app.EventHook{connectjobs.Register(eng, ref, connectjobs.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	}
}
