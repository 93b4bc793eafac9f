package portal_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/dvcqg"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portalsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

const secret = "s3cret-of-the-centre"

var admin = domain.Principal{Subject: "admin-1", Role: domain.RoleAdmin}

// fixture is a server with portal sync on, talking to a simulator over
// loopback.
type fixture struct {
	env *testenv.Env
	sim *portalsim.Sim
	dr  *testenv.Driver
	// lastPending is what pending saw last (logged when a wait fails).
	lastPending []app.SyncState
}

func start(t testing.TB, kind string, cfg app.SyncConfig) *fixture {
	t.Helper()
	sim, url, stop, err := portalsim.StartLocal("127.0.0.1:0", portalsim.Options{Credentials: map[string]string{seed.OneStopCentre: secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	client := portal.New(portal.Options{Timeout: 2 * time.Second,
		Agencies: map[string]portal.Endpoint{seed.OneStopCentre: {BaseURL: url, Username: seed.OneStopCentre, Password: secret}}})
	if cfg.BackoffMin == 0 {
		cfg.BackoffMin, cfg.BackoffMax = 5*time.Millisecond, 40*time.Millisecond
	}
	if cfg.Lease == 0 {
		// A claim whose outcome was never recorded (a deliverer cancelled
		// as its claim committed) is released by the lease's end, the
		// designed recovery; 2 minutes by default would outlast drain.
		cfg.Lease = 5 * time.Second
	}
	env := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{AppOptions: []app.Option{app.WithPortalSync(client, cfg)}})
	return &fixture{env: env, sim: sim, dr: env.NewDriver(t)}
}

// drain delivers until nothing is due (waiting out backoffs), or fails
// the test after a while.
func (f *fixture) drain(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := f.env.App.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		st, err := f.env.App.Status(context.Background(), admin, app.SyncQuery{View: app.SyncPending}, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.States) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("deliveries still pending after 30 s")
}

func (f *fixture) state(t *testing.T, id string) app.SyncState {
	t.Helper()
	st, err := f.env.App.Status(context.Background(), admin, app.SyncQuery{DossierID: id}, "", 1)
	if err != nil || len(st.States) != 1 {
		t.Fatalf("sync state of %s: %v (%d)", id, err, len(st.States))
	}
	return st.States[0]
}

// checkCopy asserts the portal holds exactly the dossier's current state.
func (f *fixture) checkCopy(t *testing.T, d *pb.Dossier) {
	t.Helper()
	rec, ok := f.sim.Record(d.GetCode())
	if !ok {
		t.Fatalf("the portal lacks %s", d.GetCode())
	}
	if rec.HoSo.PhienBan != d.GetVersion() || rec.HoSo.TrangThaiHoSo != int(d.GetStatus()) {
		t.Fatalf("portal holds %s at version %d status %d; want version %d status %d", d.GetCode(), rec.HoSo.PhienBan,
			rec.HoSo.TrangThaiHoSo, d.GetVersion(), d.GetStatus())
	}
}

func TestPortalSync(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			t.Run("OutageThenEverythingInOrder", func(t *testing.T) { testOutage(t, kind) })
			t.Run("DeadLetterAndRetry", func(t *testing.T) { testDeadLetter(t, kind) })
			t.Run("RefusalDeadLettersAtOnce", func(t *testing.T) { testRefusal(t, kind) })
			t.Run("Reconciliation", func(t *testing.T) { testReconcile(t, kind) })
		})
	}
}

// testOutage: the portal is down while dossiers change, then flaps while
// the deliverer runs concurrently with more changes; afterwards every
// dossier's latest state is on the portal, and the portal never accepted
// an older version of a dossier after a newer one.
func testOutage(t *testing.T, kind string) {
	f := start(t, kind, app.SyncConfig{})
	f.sim.SetFaults(portalsim.Faults{Down: true})
	var ds []*pb.Dossier
	for i := range 6 {
		d := f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(100 + i)))
		if i%2 == 0 {
			d = f.dr.Must(domain.ActionForward, d)
		}
		ds = append(ds, d)
	}
	for range 3 {
		if _, err := f.env.App.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(f.sim.Log()); n != 0 {
		t.Fatalf("the portal accepted %d calls while down", n)
	}
	st := f.state(t, ds[0].GetId())
	if st.Attempts == 0 || !strings.Contains(st.LastError, "503") || !st.DeadLetteredAt.IsZero() {
		t.Fatalf("during the outage: %+v; want attempts, a 503 error, no dead letter", st)
	}

	// Back up but flapping, with the deliverer running while dossiers move on.
	f.sim.SetFaults(portalsim.Faults{FailNext: 5})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f.env.App.Run(ctx, 5*time.Millisecond, nil) }()
	for i, d := range ds {
		d = f.dr.Must(domain.ActionForward, d)
		if i%3 == 0 {
			f.sim.SetFaults(portalsim.Faults{FailNext: 2})
		}
		ds[i] = d
	}
	cancel()
	wg.Wait()
	f.drain(t)
	for _, d := range ds {
		f.checkCopy(t, d)
		if st := f.state(t, d.GetId()); st.AckedVersion != d.GetVersion() || st.Attempts != 0 || st.LastError != "" {
			t.Fatalf("after delivery %s: %+v", d.GetCode(), st)
		}
	}
	last := map[string]int64{}
	for _, a := range f.sim.Log() {
		if a.PhienBan < last[a.MaHoSo] {
			t.Fatalf("the portal accepted version %d of %s after version %d", a.PhienBan, a.MaHoSo, last[a.MaHoSo])
		}
		last[a.MaHoSo] = a.PhienBan
	}
	// Refusals of a create the portal already holds (its progress call
	// failed) are the protocol at work; a malformed field is not.
	if s := f.sim.Stats(); s.Invalid != 0 {
		t.Fatalf("the portal refused %d calls as invalid: %+v", s.Invalid, s)
	}
	// The progress rows arrived too: one per slip row.
	rec, _ := f.sim.Record(ds[0].GetCode())
	if len(rec.TienDo) < 2 {
		t.Fatalf("progress rows on the portal: %+v", rec.TienDo)
	}
}

// testDeadLetter: failing past the bound dead-letters with the reason;
// nothing is attempted after; retry recovers it.
func testDeadLetter(t *testing.T, kind string) {
	f := start(t, kind, app.SyncConfig{DeadLetterAfter: 150 * time.Millisecond})
	f.sim.SetFaults(portalsim.Faults{Down: true})
	d := f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(200)))
	deadline := time.Now().Add(20 * time.Second)
	for f.state(t, d.GetId()).DeadLetteredAt.IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("not dead-lettered")
		}
		if _, err := f.env.App.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st := f.state(t, d.GetId())
	if !strings.Contains(st.LastError, "failing since") || !strings.Contains(st.LastError, "503") {
		t.Fatalf("dead letter reason: %q", st.LastError)
	}
	f.sim.SetFaults(portalsim.Faults{})
	calls := f.sim.Stats().Calls
	if n, _ := f.env.App.RunOnce(context.Background()); n != 0 || f.sim.Stats().Calls != calls {
		t.Fatalf("a dead-lettered dossier was attempted (%d)", n)
	}
	if _, ok := f.sim.Record(d.GetCode()); ok {
		t.Fatal("the portal holds a dossier it never accepted")
	}
	// `motcua sync retry` is RetrySync: admins only, idempotent by request id.
	syncc := pb.NewSyncServiceClient(f.env.Conn)
	req := &pb.RetrySyncRequest{RequestId: "retry-1", Selector: &pb.SyncSelector{AgencyCode: seed.OneStopCentre}}
	if _, err := syncc.RetrySync(f.env.As(t, testenv.Clerk), req); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("a clerk retried: %v", err)
	}
	status1, err := syncc.GetSyncStatus(f.env.As(t, testenv.Admin), &pb.GetSyncStatusRequest{View: pb.SyncView_SYNC_VIEW_DEAD_LETTERED})
	if err != nil || len(status1.GetStates()) != 1 || status1.GetStates()[0].GetCondition() != pb.SyncCondition_SYNC_CONDITION_DEAD_LETTERED ||
		!strings.Contains(status1.GetStates()[0].GetLastError(), "503") || status1.GetCounts().GetDeadLettered() != 1 {
		t.Fatalf("status: %v %v", status1, err)
	}
	for range 2 {
		resp, err := syncc.RetrySync(f.env.As(t, testenv.Admin), req)
		if err != nil || resp.GetRearmed() != 1 {
			t.Fatalf("retry: %v, %v", resp, err)
		}
	}
	f.drain(t)
	f.checkCopy(t, d)
	byCode, err := syncc.GetSyncStatus(f.env.As(t, testenv.Admin), &pb.GetSyncStatusRequest{Selector: &pb.SyncSelector{DossierCode: d.GetCode()}})
	if err != nil || len(byCode.GetStates()) != 1 || byCode.GetStates()[0].GetCondition() != pb.SyncCondition_SYNC_CONDITION_SYNCED ||
		byCode.GetStates()[0].GetLastError() != "" || byCode.GetCounts().GetDossiers() != 1 {
		t.Fatalf("after retry, by code: %v %v", byCode, err)
	}
}

// testRefusal: a refusal the portal would repeat dead-letters at once,
// with the portal's message as the reason.
func testRefusal(t *testing.T, kind string) {
	f := start(t, kind, app.SyncConfig{})
	f.sim.SetFaults(portalsim.Faults{Reject: "Mã TTHC không tồn tại trong CSDL quốc gia"})
	d := f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(300)))
	if _, err := f.env.App.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := f.state(t, d.GetId())
	if st.DeadLetteredAt.IsZero() || st.Attempts != 1 || !strings.Contains(st.LastError, "Mã TTHC không tồn tại") ||
		!strings.Contains(st.LastError, "not retried") {
		t.Fatalf("after a refusal: %+v", st)
	}
}

// testReconcile: a divergence planted on the portal and a dossier it lost
// are both reported; a dossier changed but not yet delivered is PENDING.
func testReconcile(t *testing.T, kind string) {
	f := start(t, kind, app.SyncConfig{})
	var ds []*pb.Dossier
	for i := range 4 {
		ds = append(ds, f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(400+i))))
	}
	f.drain(t)
	if err := f.sim.Diverge(ds[0].GetCode(), dvcqg.HoSo{TrangThaiHoSo: 9, NgayHenTra: "20200101080000"}); err != nil {
		t.Fatal(err)
	}
	f.sim.Forget(ds[1].GetCode())
	ds[2] = f.dr.Must(domain.ActionForward, ds[2]) // not delivered yet
	syncc := pb.NewSyncServiceClient(f.env.Conn)
	adminCtx := f.env.As(t, testenv.Admin)
	resp, err := syncc.ReconcileSync(adminCtx, &pb.ReconcileSyncRequest{RequestId: "rec-1", AgencyCode: seed.OneStopCentre})
	if err != nil {
		t.Fatal(err)
	}
	// The same request again answers the first report.
	again, err := syncc.ReconcileSync(adminCtx, &pb.ReconcileSyncRequest{RequestId: "rec-1", AgencyCode: seed.OneStopCentre})
	if err != nil || again.GetReconciliation().GetId() != resp.GetReconciliation().GetId() {
		t.Fatalf("retried reconcile: %v %v", again, err)
	}
	stored, err := syncc.GetReconciliation(adminCtx, &pb.GetReconciliationRequest{Id: resp.GetReconciliation().GetId()})
	if err != nil || len(stored.GetReconciliation().GetFindings()) != 3 {
		t.Fatalf("stored: %v %v", stored, err)
	}
	r, err := f.env.App.GetReconciliation(context.Background(), admin, resp.GetReconciliation().GetId())
	if err != nil {
		t.Fatal(err)
	}
	if r.Checked != 4 || r.Matched != 1 || r.Divergent != 1 || r.Missing != 1 || r.Pending != 1 {
		t.Fatalf("report: %+v", r)
	}
	kinds := map[string]app.Finding{}
	for _, fd := range r.Findings {
		kinds[fd.DossierCode] = fd
	}
	div := kinds[ds[0].GetCode()]
	if div.Kind != app.FindingDivergent || len(div.Fields) != 2 || div.Fields[0].Field != "TrangThaiHoSo" ||
		div.Fields[0].Portal != "9" || div.Fields[1].Field != "NgayHenTra" {
		t.Fatalf("divergence: %+v", div)
	}
	if kinds[ds[1].GetCode()].Kind != app.FindingMissing || kinds[ds[2].GetCode()].Kind != app.FindingPending {
		t.Fatalf("findings: %+v", r.Findings)
	}
	// Resending the period repairs the portal's copy.
	if _, err := f.env.App.Resend(context.Background(), admin, app.SyncQuery{Agency: seed.OneStopCentre, CreatedFrom: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	r, err = f.env.App.Reconcile(context.Background(), admin, seed.OneStopCentre, time.Time{}, time.Time{})
	if err != nil || r.Matched != 4 || len(r.Findings) != 0 {
		t.Fatalf("after resend: %+v, %v", r, err)
	}
	// The indicators: every dossier synced, every status change acknowledged at once.
	ind, err := pb.NewReportServiceClient(f.env.Conn).GetIndicators(adminCtx, &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{
		AgencyCode: seed.OneStopCentre, Period: time.Now().In(hcm).Format("2006")}})
	if err != nil {
		t.Fatal(err)
	}
	sy := ind.GetSync()
	if !sy.GetPortalConfigured() || sy.GetSyncedDossiers().GetNumerator() != 4 || sy.GetSyncedDossiers().GetDenominator() != 4 ||
		sy.GetAckedWithinBound().GetValue() != 1 || sy.GetAckBoundHours() != 24 || sy.GetLagP95Hours() > 1 || sy.GetOutOfSync() != 0 {
		t.Fatalf("sync indicators: %v", sy)
	}
}

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// TestSyncValidation: the sync RPCs refuse malformed requests with field details.
func TestSyncValidation(t *testing.T) {
	f := start(t, "sqlite", app.SyncConfig{})
	syncc := pb.NewSyncServiceClient(f.env.Conn)
	ctx := f.env.As(t, testenv.Admin)
	_, err := syncc.ResendSync(ctx, &pb.ResendSyncRequest{RequestId: "r1", Selector: &pb.SyncSelector{AgencyCode: seed.OneStopCentre}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "from_time") {
		t.Fatalf("resend without dossier or period: %v", err)
	}
	_, err = syncc.GetSyncStatus(ctx, &pb.GetSyncStatusRequest{Selector: &pb.SyncSelector{DossierId: "not-a-uuid"}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "dossier_id") {
		t.Fatalf("bad dossier id: %v", err)
	}
	_, err = syncc.ReconcileSync(ctx, &pb.ReconcileSyncRequest{RequestId: "r2", AgencyCode: "000.99.99.H99"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown agency: %v", err)
	}
}
