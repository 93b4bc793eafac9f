package app

import (
	"context"
	"strconv"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// MandateRegistry is the mandate-registry connector (internal/mandatereg).
// Its failures to answer are domain.FailureErrors (UNAVAILABLE).
type MandateRegistry interface {
	Check(ctx context.Context, q domain.MandateQuery, m domain.QueryMeta) (domain.MandateAnswer, error)
}

// WithMandateRegistry checks representatives' mandates against a registry
// at intake; budget bounds how long an intake waits for it (default 2s)
// before recording the check as pending.
func WithMandateRegistry(r MandateRegistry, budget time.Duration) Option {
	return func(c *config) { c.mandates, c.mandateBudget = r, budget }
}

// Purposes of the mandate queries in the query log.
const (
	PurposeMandateIntake = "intake: check the representative's mandate"
	PurposeMandateRetry  = "retry of a pending mandate check"
	queryKindMandate     = "MANDATE"
	methodRegistry       = "REGISTRY"
	methodClerk          = "CLERK"
)

// MandateRegistryConfigured reports whether a mandate registry is connected.
func (s *Identity) MandateRegistryConfigured() bool { return s.mandates != nil }

// mandateQuery is the question about the draft's mandate, or false when
// none is asked: no registry, no representative or reference, numbers
// that are not citizens' or a filing that would be refused anyway (the
// registry is not asked on behalf of callers who may not file it).
func (s *Identity) mandateQuery(ctx context.Context, p domain.Principal, draft *domain.Draft, action domain.Action, ch domain.Channel) (domain.MandateQuery, bool) {
	r := draft.Representative
	if s.mandates == nil || r == nil || r.MandateRef == "" ||
		domain.ValidateIDNumber(domain.ApplicantCitizen, r.IDNumber) != "" || policy.RequireAction(p, action) != nil {
		return domain.MandateQuery{}, false
	}
	if ch == 0 {
		ch = domain.ChannelCounter
	}
	if _, err := domain.Attribute(p, action, ch, draft.Applicant, r); err != nil {
		return domain.MandateQuery{}, false
	}
	agency, err := s.st.GetAgency(ctx, draft.AgencyCode)
	if err != nil {
		return domain.MandateQuery{}, false // refused by the intake
	}
	loc, err := agency.Location()
	if err != nil {
		return domain.MandateQuery{}, false
	}
	return domain.MandateQuery{Reference: r.MandateRef, PrincipalID: draft.Applicant.IDNumber, RepresentativeID: r.IDNumber,
		ProcedureCode: draft.ProcedureCode, Date: s.Now().In(loc).Format(time.DateOnly)}, true
}

// checkMandate asks the registry about one mandate, within ctx, and logs
// the query. A failure to answer (or to log) is a PENDING check with its
// problem as the reason.
func (s *Identity) checkMandate(ctx context.Context, p domain.Principal, dossierID string, q domain.MandateQuery, purpose string) domain.MandateCheck {
	a, err := s.mandates.Check(ctx, q, domain.QueryMeta{RequestRef: dossierID, Officer: officer(p), Purpose: purpose})
	rec := &PopulationQuery{Kind: queryKindMandate, Purpose: purpose, DossierID: dossierID, SubjectIDNumber: q.PrincipalID,
		Outcome: "FAILED", QueryID: a.QueryID}
	switch {
	case err != nil:
		rec.Problem = problemOf(err)
	case a.Valid:
		rec.Outcome = "VALID"
	default:
		rec.Outcome = "INVALID_" + a.Reason
	}
	if lerr := s.logQuery(context.WithoutCancel(ctx), p, rec); lerr != nil && err == nil {
		err = lerr // an answer that could not be logged is not used
	}
	if err != nil {
		return domain.MandateCheck{Status: domain.MandatePending, Method: methodRegistry, Source: domain.SourceMandateRegistry,
			Reason: problemOf(err)}
	}
	c := domain.MandateCheck{Status: domain.MandateVerified, Method: methodRegistry, By: domain.SourceMandateRegistry,
		Source: domain.SourceMandateRegistry, At: s.Now(), QueryID: a.QueryID, Assurance: domain.AssuranceMandateRegistry, Record: a.Record}
	if !a.Valid {
		c.Status, c.Reason, c.Flag = domain.MandateRejected, a.Reason, domain.FlagMandateInvalid
	}
	return c
}

// mandateDetails puts a new dossier's mandate check on its intake event.
func mandateDetails(d *domain.Dossier, details map[string]string) {
	if r := d.Representative; r != nil && r.MandateCheck != nil {
		checkDetails(r.MandateCheck, details)
	}
}

func checkDetails(c *domain.MandateCheck, details map[string]string) {
	details["mandate"] = c.Status.String()
	for k, v := range map[string]string{"mandate_source": c.Source, "mandate_query_id": c.QueryID, "mandate_reason": c.Reason,
		"mandate_flag": c.Flag} {
		if v != "" {
			details[k] = v
		}
	}
}

// setFiler makes a representative's filing genuine (REPRESENTATIVE) when
// its mandate is verified, and REPRESENTATIVE_UNVERIFIED otherwise.
func setFiler(d *domain.Dossier, status domain.MandateStatus) {
	switch {
	case status == domain.MandateVerified && d.FiledBy == domain.ActorRepresentativeUnverified:
		d.FiledBy = domain.ActorRepresentative
	case status != domain.MandateVerified && d.FiledBy == domain.ActorRepresentative:
		d.FiledBy = domain.ActorRepresentativeUnverified
	}
}

// VerifyMandateJob asks the mandate registry again about one dossier whose
// intake check is pending; the job engine retries it with backoff.
type VerifyMandateJob struct {
	DossierID string `json:"dossier_id"`
}

// Kind names the job's worker.
func (VerifyMandateJob) Kind() string { return "verify_mandate" }

// VerifyMandate is VerifyMandateJob's work: nil when the dossier's check is
// answered (here or by another worker, or decided by an official) or
// nothing is pending; ErrNotAnswered while the registry does not answer.
func (s *Service) VerifyMandate(ctx context.Context, dossierID string) error {
	if s.Identity.mandates == nil {
		return nil
	}
	return s.untilRecorded(ctx, dossierID, func(d *domain.Dossier) (bool, bool, error) {
		if d.Representative == nil || !d.Representative.MandateCheck.Pending() {
			return true, true, nil
		}
		committed, pending, err := s.retryMandate(ctx, d)
		return committed, !pending, err
	})
}

// RetryPendingMandates re-asks the registry about every dossier whose
// mandate check is pending and records each answer as a CHECK_MANDATE
// event by SYSTEM (once, like RetryPendingVerifications). It returns how
// many were resolved; a registry still down leaves them pending.
func (s *Service) RetryPendingMandates(ctx context.Context) (int, error) {
	if s.Identity.mandates == nil {
		return 0, nil
	}
	return s.eachListed(ctx, s.Identity.st.ListMandatePending, func(d *domain.Dossier) (bool, error) {
		if d.Representative == nil || !d.Representative.MandateCheck.Pending() {
			return false, nil
		}
		ok, _, err := s.retryMandate(ctx, d)
		return ok, err
	})
}

// retryMandate asks the registry about dossier d's pending mandate (as of
// the day of filing) and records the answer: committed when this call
// recorded it, pending when the registry still did not answer.
func (s *Service) retryMandate(ctx context.Context, d *domain.Dossier) (committed, pending bool, err error) {
	agency, err := s.Identity.st.GetAgency(ctx, d.AgencyCode)
	if err != nil {
		return false, false, err
	}
	loc, err := agency.Location()
	if err != nil {
		return false, false, err
	}
	r := d.Representative
	q := domain.MandateQuery{Reference: r.MandateRef, PrincipalID: d.Applicant.IDNumber, RepresentativeID: r.IDNumber,
		ProcedureCode: d.ProcedureCode, Date: d.CreatedAt.In(loc).Format(time.DateOnly)}
	c := s.Identity.checkMandate(ctx, System, d.ID, q, PurposeMandateRetry)
	c.Attempts = r.MandateCheck.Attempts + 1
	if c.Pending() {
		return false, true, nil // still down: asked again later (no event for an unanswered retry)
	}
	committed, err = s.recordBySystem(ctx, d, "verify-mandate", domain.ActionCheckMandate,
		func(cur *domain.Dossier, details map[string]string) error {
			if cur.Representative == nil || !cur.Representative.MandateCheck.Pending() {
				return errAlreadyDone
			}
			rep := *cur.Representative
			rep.MandateCheck = &c
			cur.Representative = &rep
			setFiler(cur, c.Status)
			checkDetails(&c, details)
			details["filed_by"] = strconv.Itoa(int(cur.FiledBy))
			return nil
		})
	return committed, false, err
}

// eachListed runs fn on every dossier list returns (in id order, in
// batches) and counts the calls that reported true.
func (s *Service) eachListed(ctx context.Context, list func(ctx context.Context, afterID string, limit int) ([]string, error),
	fn func(d *domain.Dossier) (bool, error)) (int, error) {
	n, after := 0, ""
	for {
		ids, err := list(ctx, after, handoffBatch)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		after = ids[len(ids)-1]
		for _, id := range ids {
			d, err := s.Identity.st.GetDossier(ctx, id)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return n, err
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

// clerkMandateCheck is an official's decision on the mandate, given the
// check it replaces. A registry's answer is kept in Registry with its
// flag (an override stays visible: details["overrides_registry"]), and
// verifying a mandate the registry found invalid needs the official's
// reason. A pending registry check is simply decided: the official saw the
// mandate, and the retry stops.
func clerkMandateCheck(prev *domain.MandateCheck, status domain.MandateStatus, by string, at time.Time, note string,
	details map[string]string) (*domain.MandateCheck, error) {
	c := &domain.MandateCheck{Status: status, Method: methodClerk, By: by, At: at, Note: note}
	if prev != nil && prev.Registry != nil {
		prev = prev.Registry // an earlier official's decision: the registry's answer stays the one kept
	}
	if prev == nil || prev.Method != methodRegistry || prev.Pending() {
		return c, nil
	}
	if prev.Status == domain.MandateRejected && status == domain.MandateVerified && note == "" {
		return nil, domain.Invalid("note", "the mandate registry found this mandate invalid (%s); say why you verify it", prev.Reason)
	}
	kept := *prev
	c.Registry, c.Flag = &kept, prev.Flag
	if prev.Status != status {
		details["overrides_registry"] = prev.Status.String() + " " + prev.Reason
	}
	return c, nil
}
