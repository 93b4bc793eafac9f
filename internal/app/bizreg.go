package app

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// BusinessRegistry is the connector to the national business registration
// system (internal/bizreg). Register must be idempotent by the dossier id
// (the registry's key), so a hand-off retried after a crash registers
// once. Failures to answer are domain.FailureErrors (UNAVAILABLE).
type BusinessRegistry interface {
	Register(ctx context.Context, r domain.Registration) (domain.RegistrationAnswer, error)
	Status(ctx context.Context, dossierID string) (domain.RegistrationAnswer, error)
}

// WithBusinessRegistry connects accepted business-registration dossiers
// to the registry.
func WithBusinessRegistry(r BusinessRegistry) Option {
	return func(c *config) { c.bizreg = r }
}

// startHandoff marks a dossier accepted under a procedure version with a
// structured form as to be handed to the business registry.
// The event's details say so (details["handoff"] = PENDING), which is what
// enqueues the hand-off job in the same transaction (IdentityJobs).
func startHandoff(d *domain.Dossier, pv *domain.ProcedureVersion, details map[string]string) {
	if len(pv.Form) > 0 && d.Handoff == nil {
		d.Handoff = &domain.Handoff{Status: domain.HandoffPending}
		details["handoff"] = domain.HandoffPending.String()
	}
}

const handoffBatch = 100

// RunHandoffs sends every accepted dossier whose hand-off is pending to the
// business registry and records its acknowledgement (the enterprise code)
// as a HAND_OFF event by SYSTEM. A registry that does not answer leaves
// the hand-off pending for the next run; the registry's idempotency by
// dossier id makes a repeated send (a crash between sending and recording,
// two workers) register once. It returns how many hand-offs this call
// recorded.
func (s *Service) RunHandoffs(ctx context.Context) (int, error) {
	return s.eachHandoff(ctx, domain.HandoffPending, func(d *domain.Dossier) (bool, error) {
		committed, _, err := s.handOffOne(ctx, d)
		return committed, err
	})
}

// handOffOne sends dossier d (as read) to the registry: committed when this
// call recorded the acknowledgement, answered when the registry answered.
func (s *Service) handOffOne(ctx context.Context, d *domain.Dossier) (committed, answered bool, err error) {
	ans, err := s.bizreg.Register(ctx, domain.Registration{DossierID: d.ID, DossierCode: d.Code, ProcedureCode: d.ProcedureCode,
		AgencyCode: d.AgencyCode, ApplicantID: d.Applicant.IDNumber, Form: d.Form})
	if err != nil {
		return false, false, nil // not answered: sent again later
	}
	now := s.Now()
	committed, err = s.recordBySystem(ctx, d, "hand-off", domain.ActionHandOff, func(cur *domain.Dossier, details map[string]string) error {
		if cur.Handoff == nil || cur.Handoff.Status != domain.HandoffPending {
			return errAlreadyDone
		}
		cur.Handoff = registryState(ans, now, now)
		details["enterprise_code"], details["registry_status"], details["source"] = ans.EnterpriseCode, ans.Status, domain.SourceBusinessRegistry
		return nil
	})
	return committed, true, err
}

// PollRegistry asks the registry for the status of every hand-off not yet
// final and records each change as a REGISTRY_STATUS event by SYSTEM with
// its source. It returns how many changes this call recorded.
func (s *Service) PollRegistry(ctx context.Context) (int, error) {
	return s.eachHandoff(ctx, domain.HandoffSent, func(d *domain.Dossier) (bool, error) {
		ans, err := s.bizreg.Status(ctx, d.ID)
		if err != nil || ans.Status == d.Handoff.RegistryStatus {
			return false, nil
		}
		return s.recordBySystem(ctx, d, "registry-status", domain.ActionRegistryStatus, func(cur *domain.Dossier, details map[string]string) error {
			if cur.Handoff == nil || cur.Handoff.RegistryStatus == ans.Status {
				return errAlreadyDone
			}
			if ans.EnterpriseCode == "" {
				ans.EnterpriseCode = cur.Handoff.EnterpriseCode
			}
			cur.Handoff = registryState(ans, cur.Handoff.SentAt, s.Now())
			details["registry_status"], details["source"] = ans.Status, domain.SourceBusinessRegistry
			if ans.EnterpriseCode != "" {
				details["enterprise_code"] = ans.EnterpriseCode
			}
			return nil
		})
	})
}

func registryState(ans domain.RegistrationAnswer, sent, now time.Time) *domain.Handoff {
	h := &domain.Handoff{Status: domain.HandoffSent, EnterpriseCode: ans.EnterpriseCode, ReceiptID: ans.ReceiptID,
		RegistryStatus: ans.Status, Source: domain.SourceBusinessRegistry, SentAt: sent, UpdatedAt: now}
	if domain.RegistryFinal(ans.Status) {
		h.Status = domain.HandoffDone
	}
	return h
}

// eachHandoff runs fn on every dossier whose hand-off is in status and
// counts the trues.
func (s *Service) eachHandoff(ctx context.Context, status domain.HandoffStatus, fn func(d *domain.Dossier) (bool, error)) (int, error) {
	if s.bizreg == nil {
		return 0, nil
	}
	n, after := 0, ""
	for {
		ids, err := s.Identity.st.ListHandoffs(ctx, status, after, handoffBatch)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		after = ids[len(ids)-1]
		for _, id := range ids {
			d, err := s.Identity.st.GetDossier(ctx, id)
			if err != nil {
				return n, err
			}
			if d.Handoff == nil || d.Handoff.Status != status {
				continue
			}
			ok, err := fn(d)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
		if len(ids) < handoffBatch {
			return n, nil
		}
	}
}
