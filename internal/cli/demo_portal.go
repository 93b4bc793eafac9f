package cli

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/dvcqg"
	"github.com/motcua/motcua/internal/portalsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/simulate"
)

// The demo's portal outage, in simulated time: long enough (52 hours)
// that changes made early in it fail for more than the 24-hour bound and
// are dead-lettered.
var (
	demoOutageFrom = time.Date(2026, 2, 9, 8, 0, 0, 0, vietnam)
	demoOutageTo   = time.Date(2026, 2, 11, 12, 0, 0, 0, vietnam)
)

// demoOutage delivers to the simulated portal after every simulated step,
// in the simulation's goroutine (so the figures are reproducible), with the
// portal down during the outage.
type demoOutage struct {
	sim     *portalsim.Sim
	a       *app.Service
	failed  int
	wasDown bool
}

func (o *demoOutage) step(ctx context.Context, now time.Time) error {
	down := !now.Before(demoOutageFrom) && now.Before(demoOutageTo)
	if down != o.wasDown {
		o.sim.SetFaults(portalsim.Faults{Down: down})
		o.wasDown = down
	}
	before := o.sim.Stats().Failed
	err := o.drain(ctx)
	o.failed += o.sim.Stats().Failed - before
	return err
}

// drain delivers whatever is due now (failures wait for the simulated
// clock to reach their next attempt).
func (o *demoOutage) drain(ctx context.Context) error {
	for {
		n, err := o.a.RunOnce(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// finish delivers what is left, re-arms the dead letters as an operator
// would (motcua sync retry), plants a divergence and a lost dossier in the
// portal's copy, reconciles, and says what happened.
func (o *demoOutage) finish(ctx context.Context, sim *simulate.Demo, conn *grpc.ClientConn) (string, error) {
	o.sim.SetFaults(portalsim.Faults{})
	if err := o.drain(ctx); err != nil {
		return "", err
	}
	tok, err := sim.Token(auth.TokenSpec{Subject: "admin-1", Role: domain.RoleAdmin})
	if err != nil {
		return "", err
	}
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	c := pb.NewSyncServiceClient(conn)
	retried, err := c.RetrySync(ctx, &pb.RetrySyncRequest{RequestId: "demo-retry", Selector: &pb.SyncSelector{}})
	if err != nil {
		return "", err
	}
	if err := o.drain(ctx); err != nil {
		return "", err
	}
	held := o.sim.Records()
	codes := make([]string, 0, len(held))
	for code := range held {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	planted := ""
	if len(codes) >= 2 {
		// The portal's copy drifts: one dossier shows as returned, one is lost.
		if err := o.sim.Diverge(codes[0], dvcqg.HoSo{TrangThaiHoSo: int(domain.StatusReturned), NgayHenTra: "20260101080000"}); err != nil {
			return "", err
		}
		o.sim.Forget(codes[1])
		planted = fmt.Sprintf(" To show reconciliation, the simulator was then told that %s is returned with another appointment, "+
			"and to forget %s;", codes[0], codes[1])
	}
	rec, err := c.ReconcileSync(ctx, &pb.ReconcileSyncRequest{RequestId: "demo-reconcile", AgencyCode: seed.OneStopCentre})
	if err != nil {
		return "", err
	}
	r := rec.GetReconciliation()
	story := fmt.Sprintf("Every change was delivered to the portal simulator in this process after the step that made it. "+
		"The portal was down from %s to %s: %d calls failed and were retried with backoff; %d dossiers failing for longer "+
		"than 24 hours were dead-lettered, re-armed at the end with RetrySync (motcua sync retry) and delivered. "+
		"The sync figures above count it: status changes made during the outage reached the portal late.%s "+
		"a reconciliation (motcua sync reconcile) read %d copies back and found %d divergent and %d missing (stored: motcua sync report <id>); "+
		"motcua sync resend repairs them.",
		demoOutageFrom.Format(timeLayout), demoOutageTo.Format(timeLayout), o.failed, retried.GetRearmed(), planted,
		r.GetChecked(), r.GetDivergent(), r.GetMissing())
	return story, nil
}
