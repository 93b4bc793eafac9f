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
	d, err := s.Identity.st.GetDossier(ctx, dossierID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, pending, err := s.retryOne(ctx, d)
	if err == nil && pending {
		return ErrNotAnswered
	}
	return err
}

// HandOff is HandOffJob's work: nil when the hand-off is recorded (here or
// by another worker) or not pending; ErrNotAnswered when the registry does
// not answer.
func (s *Service) HandOff(ctx context.Context, dossierID string) error {
	if s.bizreg == nil {
		return nil
	}
	d, err := s.Identity.st.GetDossier(ctx, dossierID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Handoff == nil || d.Handoff.Status != domain.HandoffPending {
		return nil
	}
	_, answered, err := s.handOffOne(ctx, d)
	if err == nil && !answered {
		return ErrNotAnswered
	}
	return err
}
