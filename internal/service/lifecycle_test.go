package service_test

import (
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/lifecycle"
	"github.com/motcua/motcua/internal/testenv"
)

// driveTo returns a fresh dossier of the demo criminal-record procedure in
// status st (PROCESSING: at the last workflow step).
func driveTo(t *testing.T, dr *testenv.Driver, n int, st domain.Status) *pb.Dossier {
	t.Helper()
	d := dr.Submit(testenv.Draft(testenv.CitizenID(n)))
	step := func(a domain.Action) { d = dr.Must(a, d) }
	switch st {
	case domain.StatusSubmitted:
	case domain.StatusNotAccepted:
		step(domain.ActionNotAccept)
	case domain.StatusWithdrawn:
		step(domain.ActionWithdraw)
	default:
		step(domain.ActionReceive)
		switch st {
		case domain.StatusAwaitingSupplement:
			step(domain.ActionRequestSupplement)
		case domain.StatusAwaitingPayment:
			step(domain.ActionRequestPayment)
		case domain.StatusStopped:
			step(domain.ActionStop)
		case domain.StatusProcessing, domain.StatusResolved, domain.StatusReturned:
			d = dr.ForwardToLastStep(d)
			if st != domain.StatusProcessing {
				step(domain.ActionResolve)
			}
			if st == domain.StatusReturned {
				step(domain.ActionReturn)
			}
		}
	}
	if domain.Status(d.GetStatus()) != st {
		t.Fatalf("drove to %s, got %s", st, d.GetStatus())
	}
	return d
}

// TestEveryStatusTimesEveryAction tries each of the 12 actions on existing
// dossiers in each of the 10 statuses, on both stores. Allowed transitions
// succeed and land where the table says; the rest are FAILED_PRECONDITION
// with a reason code and change nothing.
func TestEveryStatusTimesEveryAction(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		n := 0
		for _, st := range domain.Statuses {
			for _, a := range domain.Actions {
				if a == domain.ActionSubmit {
					continue // creates a dossier; covered by the creation row of the table
				}
				n++
				t.Run(fmt.Sprintf("%s×%s", st, a), func(t *testing.T) {
					d := driveTo(t, dr, n, st)
					got, err := dr.Do(a, d)
					wantReason := ""
					switch {
					case !lifecycle.Allowed(st, a):
						wantReason = "ACTION_NOT_ALLOWED_IN_STATUS"
					case a == domain.ActionForward && st == domain.StatusProcessing:
						wantReason = "AT_LAST_STEP"
					case a == domain.ActionResolve && st == domain.StatusReceived:
						wantReason = "WORKFLOW_INCOMPLETE"
					}
					if wantReason != "" {
						s := wantStatus(t, err, codes.FailedPrecondition, "")
						if reason(s) != wantReason {
							t.Fatalf("reason %q, want %q (%s)", reason(s), wantReason, s.Message())
						}
						after, err := e.Dossiers.GetDossier(dr.ClerkCtx(d), &pb.GetDossierRequest{
							Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: "test"})
						if err != nil || after.GetDossier().GetVersion() != d.GetVersion() || after.GetDossier().GetStatus() != d.GetStatus() {
							t.Fatalf("refused action changed the dossier: %v %v", after, err)
						}
						return
					}
					if err != nil {
						t.Fatalf("allowed action failed: %v", err)
					}
					want, _ := lifecycle.Next(st, a, domain.StatusReceived)
					if domain.Status(got.GetStatus()) != want || got.GetVersion() != d.GetVersion()+1 {
						t.Fatalf("now %s v%d, want %s v%d", got.GetStatus(), got.GetVersion(), want, d.GetVersion()+1)
					}
				})
			}
		}
	})
}

// TestConcurrentForwardOneWins sends 50 forwards with the same expected
// version at once: exactly one succeeds, the others are ABORTED with the
// current version.
func TestConcurrentForwardOneWins(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		d := dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(1))))
		const n = 50
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, aborted := 0, 0
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := dr.Do(domain.ActionForward, d)
				mu.Lock()
				defer mu.Unlock()
				switch status.Code(err) {
				case codes.OK:
					wins++
				case codes.Aborted:
					if s := status.Convert(err); reason(s) != "VERSION_CONFLICT" {
						t.Errorf("aborted without reason: %v", s)
					}
					aborted++
				default:
					t.Errorf("unexpected: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || aborted != n-1 {
			t.Fatalf("wins=%d aborted=%d", wins, aborted)
		}
		slip, err := e.Dossiers.GetProcessControlSlip(dr.ClerkCtx(d), &pb.GetProcessControlSlipRequest{DossierId: d.GetId(), Purpose: "test"})
		if err != nil || len(slip.GetRows()) != 2 {
			t.Fatalf("slip after one forward: %v %v", slip, err)
		}
	})
}

// TestDemoProceduresEveryPath drives every demo procedure through each path.
func TestDemoProceduresEveryPath(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		procs, err := e.Catalog.ListProcedures(e.As(t, testenv.Admin), &pb.ListProceduresRequest{})
		if err != nil || len(procs.GetProcedures()) != 4 {
			t.Fatalf("demo procedures: %v %v", procs, err)
		}
		n := 100
		for _, proc := range procs.GetProcedures() {
			v := proc.GetVersions()[0]
			online := v.GetServiceLevel() != pb.ServiceLevel_SERVICE_LEVEL_OFFLINE
			// new returns a freshly received dossier of proc (online
			// filing accepted, or counter intake for offline procedures).
			newDossier := func() *pb.Dossier {
				n++
				draft := testenv.DraftFor(proc, testenv.CitizenID(n), online)
				if online {
					return dr.Must(domain.ActionReceive, dr.Submit(draft))
				}
				return dr.Intake(draft)
			}
			t.Run(proc.GetCode(), func(t *testing.T) {
				t.Run("resolved and returned", func(t *testing.T) {
					d := newDossier()
					if d.GetCurrentStep().GetIndex() != 0 || d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RECEIVED {
						t.Fatalf("after receipt: %v", d)
					}
					d = dr.ForwardToLastStep(d)
					d = dr.Must(domain.ActionResolve, d)
					d = dr.Must(domain.ActionReturn, d)
					if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RETURNED || d.GetTimeliness() != pb.Timeliness_TIMELINESS_ON_TIME {
						t.Fatalf("returned: %v", d)
					}
					slip, err := e.Dossiers.GetProcessControlSlip(dr.ClerkCtx(d), &pb.GetProcessControlSlipRequest{DossierId: d.GetId(), Purpose: "test"})
					if err != nil || len(slip.GetRows()) != len(v.GetWorkflow()) {
						t.Fatalf("slip: %v %v", slip, err)
					}
					for i, row := range slip.GetRows() {
						if row.GetUnitCode() != v.GetWorkflow()[i].GetUnitCode() || row.GetFinishTime() == nil ||
							row.GetTimeliness() != pb.Timeliness_TIMELINESS_ON_TIME {
							t.Fatalf("slip row %d: %v", i, row)
						}
					}
					evs, err := e.Dossiers.ListDossierEvents(dr.ApplicantCtx(d), &pb.ListDossierEventsRequest{DossierId: d.GetId()})
					wantEvents := len(v.GetWorkflow()) - 1 + 3 // forwards + receive + resolve + return
					if online {
						wantEvents++ // submit
					}
					if err != nil || len(evs.GetEvents()) != wantEvents {
						t.Fatalf("%d events, want %d: %v", len(evs.GetEvents()), wantEvents, err)
					}
				})
				t.Run("supplement round", func(t *testing.T) {
					d := dr.Must(domain.ActionRequestSupplement, newDossier())
					if d.GetPauseTime() == nil || d.GetTimeliness() != pb.Timeliness_TIMELINESS_PAUSED {
						t.Fatalf("not paused: %v", d)
					}
					d = dr.Must(domain.ActionProvideSupplement, d)
					if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RECEIVED || d.GetPauseTime() != nil {
						t.Fatalf("not resumed: %v", d)
					}
					if d = dr.Must(domain.ActionResolve, dr.ForwardToLastStep(d)); d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RESOLVED {
						t.Fatalf("not resolved after the supplement round: %v", d)
					}
				})
				t.Run("payment pause", func(t *testing.T) {
					d := dr.Must(domain.ActionConfirmPayment, dr.Must(domain.ActionRequestPayment, newDossier()))
					if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RECEIVED {
						t.Fatalf("after payment: %v", d)
					}
				})
				t.Run("refused at intake", func(t *testing.T) {
					if !online {
						// A counter-only procedure is never filed online: a
						// refused paper dossier is not taken in at all, and
						// one taken in cannot be "not accepted".
						_, err := dr.Do(domain.ActionNotAccept, newDossier())
						wantStatus(t, err, codes.FailedPrecondition, "")
						return
					}
					n++
					d := dr.Must(domain.ActionNotAccept, dr.Submit(testenv.DraftFor(proc, testenv.CitizenID(n), true)))
					if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_NOT_ACCEPTED || d.GetTimeliness() != pb.Timeliness_TIMELINESS_ENDED {
						t.Fatalf("refused: %v", d)
					}
				})
				t.Run("withdrawn", func(t *testing.T) {
					d := dr.Must(domain.ActionWithdraw, newDossier())
					slip, _ := e.Dossiers.GetProcessControlSlip(dr.ClerkCtx(d), &pb.GetProcessControlSlipRequest{DossierId: d.GetId(), Purpose: "test"})
					if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_WITHDRAWN || slip.GetRows()[0].GetTimeliness() != pb.Timeliness_TIMELINESS_ENDED {
						t.Fatalf("withdrawn: %v %v", d, slip)
					}
				})
				t.Run("stopped", func(t *testing.T) {
					d := dr.Must(domain.ActionStop, dr.Must(domain.ActionForward, newDossier()))
					if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_STOPPED || d.GetFinishTime() == nil {
						t.Fatalf("stopped: %v", d)
					}
				})
				t.Run("extended", func(t *testing.T) {
					d := newDossier()
					legal := d.GetOriginalDueTime().AsTime()
					d = dr.Must(domain.ActionExtend, d)
					if !d.GetOriginalDueTime().AsTime().Equal(legal) || !d.GetDueTime().AsTime().After(legal) {
						t.Fatalf("extension moved the legal deadline: %v", d)
					}
				})
			})
		}
	})
}
