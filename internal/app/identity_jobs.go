package app

import (
	"context"
	"errors"

	"github.com/motcua/motcua/internal/domain"
)

// VerifyIdentityJob asks the population database again about one dossier
// whose intake check is pending; the job engine retries it with backoff
// until the database answers (internal/connectjobs).
type VerifyIdentityJob struct {
	DossierID string `json:"dossier_id"`
}

// Kind names the job's worker.
func (VerifyIdentityJob) Kind() string { return "verify_identity" }

// HandOffJob hands one accepted business-registration dossier to the
// business registry, retried with backoff until the registry answers.
type HandOffJob struct {
	DossierID string `json:"dossier_id"`
}

// Kind names the job's worker.
func (HandOffJob) Kind() string { return "business_hand_off" }

// ErrNotAnswered is a job's outcome when the national system did not answer:
// the job engine retries it later.
var ErrNotAnswered = errors.New("the national system did not answer; retried later")

// IdentityJobs makes the jobs a mutation's sealed events call for: a check
// left pending at intake, a hand-off started by acceptance. Installed with
// EnqueueOnEvents, they are enqueued in the mutation's transaction.
func IdentityJobs(_ context.Context, events []domain.Event) ([]Job, error) {
	var out []Job
	for _, e := range events {
		if e.Details["identity"] == domain.OutcomePending.String() && e.Seq == 1 {
			out = append(out, VerifyIdentityJob{DossierID: e.DossierID})
		}
		if e.Details["mandate"] == domain.MandatePending.String() && e.Seq == 1 {
			out = append(out, VerifyMandateJob{DossierID: e.DossierID})
		}
		if e.Details["handoff"] == domain.HandoffPending.String() {
			out = append(out, HandOffJob{DossierID: e.DossierID})
		}
	}
	return out, nil
}

// VerifyIdentity is VerifyIdentityJob's work: nil when the dossier's check
// is answered (here or by another worker) or nothing is pending;
// ErrNotAnswered when the database still does not answer.
func (s *Service) VerifyIdentity(ctx context.Context, dossierID string) error {
	if s.Identity.db == nil {
		return nil
	}
	return s.untilRecorded(ctx, dossierID, func(d *domain.Dossier) (bool, bool, error) {
		if !d.Identity.Pending() {
			return true, true, nil // answered, here or by another worker
		}
		committed, pending, err := s.retryOne(ctx, d)
		return committed, !pending, err
	})
}

// untilRecorded runs one background step (once) on the dossier until its
// answer is recorded. once reports whether its run committed and whether
// the national system answered. An answer not recorded means the dossier
// moved on meanwhile (another event bumped its version) or another worker
// recorded it: the dossier is read again and, if the work is still due,
// the step runs again (the national systems answer the same question the
// same way, and hand-offs are idempotent by dossier id), so a job never
// ends with its answer dropped. once must do nothing for a dossier whose
// work is done.
func (s *Service) untilRecorded(ctx context.Context, dossierID string, once func(d *domain.Dossier) (committed, answered bool, err error)) error {
	for range 3 {
		d, err := s.Identity.st.GetDossier(ctx, dossierID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		committed, answered, err := once(d)
		switch {
		case err != nil:
			return err
		case !answered:
			return ErrNotAnswered
		case committed:
			return nil
		}
	}
	return ErrNotAnswered // still moving: the engine retries later
}

// HandOff is HandOffJob's work: nil when the hand-off is recorded (here or
// by another worker) or not pending; ErrNotAnswered when the registry does
// not answer.
func (s *Service) HandOff(ctx context.Context, dossierID string) error {
	if s.bizreg == nil {
		return nil
	}
	return s.untilRecorded(ctx, dossierID, func(d *domain.Dossier) (bool, bool, error) {
		if d.Handoff == nil || d.Handoff.Status != domain.HandoffPending {
			return true, true, nil // done, here or by another worker
		}
		return s.handOffOne(ctx, d)
	})
}
