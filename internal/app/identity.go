package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/policy"
)

// PopulationDB is the population-database connector (internal/popdb). Its
// failures to answer are domain.FailureErrors (UNAVAILABLE).
type PopulationDB interface {
	Verify(ctx context.Context, q domain.PersonQuery, m domain.QueryMeta) (domain.PersonAnswer, error)
	Citizen(ctx context.Context, idNumber string, m domain.QueryMeta) (domain.Citizen, error)
}

// PopulationQuery is one line of the query log: who asked the population
// database about whom, for which dossier and why (personal data; see
// docs/identity.md).
type PopulationQuery struct {
	ID        string
	At        time.Time
	ActorKey  string // the asker's identity key; "system" for retries
	ActorID   string
	ActorRole domain.Role
	DossierID string // the dossier the query was for ("" for a look-up before intake)
	Kind      string // VERIFY or LOOKUP
	Purpose   string
	// SubjectIDNumber is the person asked about.
	SubjectIDNumber string
	Outcome         string // MATCH, NO_MATCH, NOT_FOUND, FOUND, or FAILED
	QueryID         string // the database's reference
	Cached          bool
	Problem         string
}

// PopulationQueryFilter selects query-log lines.
type PopulationQueryFilter struct {
	SubjectIDNumber string
	DossierID       string
	AfterID         string
}

// IdentityStore is what the identity checks read and write beyond the
// lifecycle's port.
type IdentityStore interface {
	LogPopulationQuery(ctx context.Context, q *PopulationQuery) error
	ListPopulationQueries(ctx context.Context, f PopulationQueryFilter, limit int) ([]PopulationQuery, error)
	// ListIdentityPending returns ids of dossiers whose identity check is
	// pending, in id order after afterID.
	ListIdentityPending(ctx context.Context, afterID string, limit int) ([]string, error)
	// ListHandoffs returns ids of dossiers whose business-registry
	// hand-off is in status, in id order after afterID (bizreg.go).
	ListHandoffs(ctx context.Context, status domain.HandoffStatus, afterID string, limit int) ([]string, error)
	// ListMandatePending returns ids of dossiers whose representative's
	// mandate check awaits the registry, in id order after afterID
	// (mandate.go).
	ListMandatePending(ctx context.Context, afterID string, limit int) ([]string, error)
}

// WithPopulationDB connects the intake to the population database; budget
// bounds how long an intake waits for it (default 2s) before recording the
// check as pending.
func WithPopulationDB(db PopulationDB, budget time.Duration) Option {
	return func(c *config) { c.popdb, c.intakeBudget = db, budget }
}

// Identity holds the population-database checks and the mandates.
type Identity struct {
	*shared
	st           identityPort
	db           PopulationDB // nil: no database configured
	intakeBudget time.Duration
	// mandates is the mandate registry (mandate.go); nil: none.
	mandates      MandateRegistry
	mandateBudget time.Duration
}

type identityPort interface {
	LifecycleStore
	DossierReader
	IdentityStore
}

// System is the principal of background work (retries).
var System = domain.Principal{Subject: "motcua", Issuer: "motcua", Role: domain.RoleSystem}

// ProblemNoAnswerInTime: the database did not answer within the intake's
// budget.
const ProblemNoAnswerInTime = "NO_ANSWER_IN_TIME"

// Purposes recorded in the query log.
const (
	PurposeIntake      = "intake: verify the applicant's identity"
	PurposeIntakeRep   = "intake: verify the representative's identity"
	PurposeRetry       = "retry of a pending intake verification"
	PurposePrefill     = "counter intake: pre-fill from the population database"
	queryKindVerify    = "VERIFY"
	queryKindLookup    = "LOOKUP"
	defaultIntakeWait  = 2 * time.Second
	identityRetryBatch = 100
)

// PopulationConfigured reports whether a population database is connected.
func (s *Identity) PopulationConfigured() bool { return s.db != nil }

// PrepareIntake checks the draft's citizen applicant and its
// representative against the population database before the intake's
// transaction, within the intake budget, and puts the outcome on the
// draft (draft.Identity; draft.ID is the id the dossier will get). It
// never fails the intake: what is not answered in time is PENDING and
// retried in the background. With prefill, the applicant's fields equal
// to the registered data are marked as taken from the database; a
// database that cannot be reached then is UNAVAILABLE (the clerk types
// the fields instead).
//
// Nothing is asked when the filing would be refused anyway (no right to
// file it, an invalid number): the database is not asked about people on
// behalf of callers who may not file for them.
//
// The representative's mandate is checked against the mandate registry, if
// one is connected, at the same time and within its own budget
// (draft.Mandate; mandate.go).
func (s *Identity) PrepareIntake(ctx context.Context, p domain.Principal, draft *domain.Draft, action domain.Action, ch domain.Channel, prefill bool) error {
	var mandate chan domain.MandateCheck
	if q, ok := s.mandateQuery(ctx, p, draft, action, ch); ok {
		if draft.ID == "" {
			draft.ID = newID()
		}
		budget := s.mandateBudget
		if budget <= 0 {
			budget = defaultIntakeWait
		}
		mandate = make(chan domain.MandateCheck, 1)
		go func(id string) {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
			defer cancel()
			mandate <- s.checkMandate(cctx, p, id, q, PurposeMandateIntake)
		}(draft.ID)
	}
	err := s.preparePopulation(ctx, p, draft, action, ch, prefill)
	if mandate != nil {
		c := <-mandate
		draft.Mandate = &c
	}
	return err
}

func (s *Identity) preparePopulation(ctx context.Context, p domain.Principal, draft *domain.Draft, action domain.Action, ch domain.Channel, prefill bool) error {
	if s.db == nil {
		if prefill {
			return &domain.PreconditionError{Reason: "POPULATION_DB_NOT_CONFIGURED", Subject: "population-db",
				Description: "this server is not connected to the population database; type the applicant's data"}
		}
		return nil
	}
	if ch == 0 {
		ch = domain.ChannelCounter
	}
	if prefill && draft.Applicant.Kind != domain.ApplicantCitizen {
		return domain.Invalid("prefill_from_population_db", "the population database holds citizens; this applicant is not one")
	}
	if policy.RequireAction(p, action) != nil || draft.Applicant.Kind != domain.ApplicantCitizen ||
		domain.ValidateIDNumber(domain.ApplicantCitizen, draft.Applicant.IDNumber) != "" {
		return nil
	}
	if _, err := domain.Attribute(p, action, ch, draft.Applicant, draft.Representative); err != nil {
		return nil
	}
	if draft.ID == "" {
		draft.ID = newID()
	}
	v := &domain.IdentityVerification{}
	if prefill {
		z, err := s.lookup(ctx, p, draft.ID, draft.Applicant.IDNumber, PurposePrefill)
		if isNotFound(err) {
			return domain.Invalid("new_dossier.applicant.id_number", "the population database holds no citizen with this number")
		}
		if err != nil {
			return err
		}
		v.Prefilled = prefilledFields(&draft.Applicant, z)
	}
	budget := s.intakeBudget
	if budget <= 0 {
		budget = defaultIntakeWait
	}
	// The checks run in their own goroutines and the intake waits for them
	// at most budget (a token fetch or a slow answer cannot hold it); an
	// answer arriving later is logged and dropped, and the retry asks again.
	type answer struct {
		rep bool
		c   domain.PersonCheck
	}
	answers := make(chan answer, 2)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget+time.Second)
	var wg sync.WaitGroup
	ask := func(rep bool, q domain.PersonQuery, purpose string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- answer{rep, s.checkPerson(cctx, p, draft.ID, q, purpose)}
		}()
	}
	ask(false, personOf(draft.Applicant.IDNumber, draft.Applicant.Name, draft.Applicant.BirthDate), PurposeIntake)
	v.Applicant = &domain.PersonCheck{Outcome: domain.OutcomePending, Problem: ProblemNoAnswerInTime}
	if r := draft.Representative; r != nil && domain.ValidateIDNumber(domain.ApplicantCitizen, r.IDNumber) == "" {
		ask(true, personOf(r.IDNumber, r.Name, r.BirthDate), PurposeIntakeRep)
		v.Representative = &domain.PersonCheck{Outcome: domain.OutcomePending, Problem: ProblemNoAnswerInTime}
	}
	go func() { wg.Wait(); cancel() }()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	for waiting := 1 + btoi(v.Representative != nil); waiting > 0; waiting-- {
		select {
		case a := <-answers:
			if a.rep {
				v.Representative = &a.c
			} else {
				v.Applicant = &a.c
			}
		case <-timer.C:
			waiting = 0
		case <-ctx.Done():
			waiting = 0
		}
	}
	v.Combine()
	draft.Identity = v
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func personOf(id, name, birth string) domain.PersonQuery {
	return domain.PersonQuery{IDNumber: id, Name: name, BirthDate: birth}
}

// prefilledFields names the applicant's fields equal to the registered data
// (the clerk's client filled them from a look-up and the clerk kept them).
func prefilledFields(a *domain.Applicant, z domain.Citizen) []string {
	var out []string
	if a.Name != "" && a.Name == z.FullName {
		out = append(out, "name")
	}
	if a.BirthDate != "" && a.BirthDate == z.BirthDate {
		out = append(out, "birth_date")
	}
	if a.Address != "" && (a.Address == z.CurrentAddress || a.Address == z.PermanentAddress) {
		out = append(out, "address")
	}
	return out
}

// checkPerson asks the database about one person and logs the query. A
// failure to answer (or to log) is a PENDING check with its problem.
func (s *Identity) checkPerson(ctx context.Context, p domain.Principal, dossierID string, q domain.PersonQuery, purpose string) domain.PersonCheck {
	a, err := s.db.Verify(ctx, q, domain.QueryMeta{RequestRef: dossierID, Officer: officer(p), Purpose: purpose})
	rec := &PopulationQuery{Kind: queryKindVerify, Purpose: purpose, DossierID: dossierID, SubjectIDNumber: q.IDNumber,
		Outcome: "FAILED", QueryID: a.QueryID, Cached: a.Cached}
	if err == nil {
		rec.Outcome = a.Outcome.String()
	} else {
		rec.Problem = problemOf(err)
	}
	if lerr := s.logQuery(context.WithoutCancel(ctx), p, rec); lerr != nil && err == nil {
		// An answer that could not be logged is not used: it is asked
		// again (and logged) by the retry.
		err = lerr
	}
	if err != nil {
		return domain.PersonCheck{Outcome: domain.OutcomePending, Problem: problemOf(err)}
	}
	return domain.PersonCheck{Outcome: a.Outcome, Source: domain.SourcePopulationDB, QueryID: a.QueryID, CheckedAt: s.Now(),
		FieldsMatched: a.FieldsMatched, FieldsMismatched: a.FieldsMismatched, Assurance: domain.CheckAssurance(a, q)}
}

func problemOf(err error) string {
	var fe *domain.FailureError
	switch {
	case errors.As(err, &fe):
		return fe.Reason
	case errors.Is(err, context.DeadlineExceeded):
		return "TIMEOUT"
	default:
		return "ERROR"
	}
}

func officer(p domain.Principal) string {
	if p.Role == domain.RoleSystem {
		return "SYSTEM"
	}
	return p.Key()
}

func (s *Identity) logQuery(ctx context.Context, p domain.Principal, q *PopulationQuery) error {
	q.ID, q.At = newID(), s.Now()
	q.ActorKey, q.ActorID, q.ActorRole = p.Key(), p.Subject, p.Role
	return s.st.LogPopulationQuery(ctx, q)
}

// lookup fetches a citizen's registered data and logs the query.
func (s *Identity) lookup(ctx context.Context, p domain.Principal, dossierID, idNumber, purpose string) (domain.Citizen, error) {
	z, err := s.db.Citizen(ctx, idNumber, domain.QueryMeta{RequestRef: firstNonEmpty(dossierID, newID()), Officer: officer(p), Purpose: purpose})
	rec := &PopulationQuery{Kind: queryKindLookup, Purpose: purpose, DossierID: dossierID, SubjectIDNumber: idNumber,
		Outcome: "FOUND", QueryID: z.QueryID, Cached: z.Cached}
	switch {
	case isNotFound(err):
		rec.Outcome = "NOT_FOUND"
	case err != nil:
		rec.Outcome, rec.Problem = "FAILED", problemOf(err)
	}
	if lerr := s.logQuery(context.WithoutCancel(ctx), p, rec); lerr != nil {
		return domain.Citizen{}, lerr
	}
	return z, err // ErrNotFound when the database holds no such number
}

// LookupCitizen returns a citizen's registered data for a counter clerk
// filling in an intake form. The query is logged with the clerk's purpose.
func (s *Identity) LookupCitizen(ctx context.Context, p domain.Principal, idNumber, purpose string) (domain.Citizen, error) {
	if err := policy.RequireAction(p, domain.ActionReceive); err != nil {
		return domain.Citizen{}, err
	}
	if !p.Role.Staff() {
		return domain.Citizen{}, fmt.Errorf("%w: only counter staff look citizens up", domain.ErrPermissionDenied)
	}
	if msg := domain.ValidateIDNumber(domain.ApplicantCitizen, idNumber); msg != "" {
		return domain.Citizen{}, domain.Invalid("id_number", "%s", msg)
	}
	if err := requirePurpose(p, purpose); err != nil {
		return domain.Citizen{}, err
	}
	if s.db == nil {
		return domain.Citizen{}, &domain.PreconditionError{Reason: "POPULATION_DB_NOT_CONFIGURED", Subject: "population-db",
			Description: "this server is not connected to the population database"}
	}
	z, err := s.lookup(ctx, p, "", idNumber, PurposePrefill+": "+purpose)
	if isNotFound(err) {
		return domain.Citizen{}, domain.Invalid("id_number", "the population database holds no citizen with this number")
	}
	return z, err
}

// ListPopulationQueries returns a page of the query log: auditors see all
// of it, a citizen the queries about themself.
func (s *Identity) ListPopulationQueries(ctx context.Context, p domain.Principal, f PopulationQueryFilter, pageSize int) ([]PopulationQuery, error) {
	switch {
	case p.Role == domain.RoleCitizen:
		if f.SubjectIDNumber != "" && f.SubjectIDNumber != p.CitizenID {
			return nil, fmt.Errorf("%w: a citizen sees the queries about themself only", domain.ErrPermissionDenied)
		}
		f.SubjectIDNumber = p.CitizenID
		if f.SubjectIDNumber == "" {
			return nil, nil
		}
	default:
		if err := policy.RequireRole(p, policy.Auditors()...); err != nil {
			return nil, err
		}
	}
	return s.st.ListPopulationQueries(ctx, f, pageSizeOr(pageSize, 100))
}

// identityOutcomeOfPending re-asks the database about the pending checks of
// v (a copy is returned); unanswered checks stay pending.
func (s *Identity) recheck(ctx context.Context, d *domain.Dossier) *domain.IdentityVerification {
	v := *d.Identity
	v.Attempts++
	if c := v.Applicant; c != nil && c.Outcome == domain.OutcomePending {
		n := s.checkPerson(ctx, System, d.ID, personOf(d.Applicant.IDNumber, d.Applicant.Name, d.Applicant.BirthDate), PurposeRetry)
		v.Applicant = &n
	}
	if c, r := v.Representative, d.Representative; c != nil && r != nil && c.Outcome == domain.OutcomePending {
		n := s.checkPerson(ctx, System, d.ID, personOf(r.IDNumber, r.Name, r.BirthDate), PurposeRetry)
		v.Representative = &n
	}
	v.Combine()
	return &v
}

// RetryPendingVerifications re-asks the population database about every
// dossier whose identity check is pending and records each answer as an
// event by SYSTEM (a mismatch raises the dossier's flag). Each dossier's
// change goes through Mutate under a request id derived from the dossier
// and its version, so two workers (or a retried job) record it once. It
// returns how many dossiers were resolved; a database still down leaves
// them pending for the next run.
func (s *Service) RetryPendingVerifications(ctx context.Context) (int, error) {
	if s.Identity.db == nil {
		return 0, nil
	}
	resolved, after := 0, ""
	for {
		ids, err := s.Identity.st.ListIdentityPending(ctx, after, identityRetryBatch)
		if err != nil || len(ids) == 0 {
			return resolved, err
		}
		after = ids[len(ids)-1]
		for _, id := range ids {
			d, err := s.Identity.st.GetDossier(ctx, id)
			if err != nil {
				return resolved, err
			}
			ok, _, err := s.retryOne(ctx, d)
			if err != nil {
				return resolved, err
			}
			if ok {
				resolved++
			}
		}
		if len(ids) < identityRetryBatch {
			return resolved, nil
		}
	}
}

// retryOne rechecks dossier d (as read): committed when this call recorded
// the answer, pending when the database still did not answer.
func (s *Service) retryOne(ctx context.Context, d *domain.Dossier) (committed, pending bool, err error) {
	if !d.Identity.Pending() {
		return false, false, nil
	}
	v := s.Identity.recheck(ctx, d)
	if v.Pending() {
		return false, true, nil // still down: asked again later (no event for an unanswered retry)
	}
	committed, err = s.recordBySystem(ctx, d, "verify-identity", domain.ActionVerifyIdentity,
		func(cur *domain.Dossier, details map[string]string) error {
			if !cur.Identity.Pending() {
				return errAlreadyDone
			}
			cur.Identity = v
			details["identity"] = v.Outcome.String()
			if v.Flag != "" {
				details["flag"] = v.Flag
			}
			if cur.Version > 1 { // acted on after intake while unverified
				cur.Identity.PendingWhileProcessed = true
			}
			return nil
		})
	return committed, false, err
}

// recordBySystem records a change found by background work (an answer of a
// national system) on the dossier d was read as, through Mutate as SYSTEM
// under a request id derived from the kind, the dossier and its version:
// two workers record it once, and a dossier that moved on meanwhile is left
// for the next run. It reports whether this call's run committed.
func (s *Service) recordBySystem(ctx context.Context, d *domain.Dossier, kind string, action domain.Action,
	change func(cur *domain.Dossier, details map[string]string) error) (bool, error) {
	id := kind + ":" + d.ID + ":" + strconv.FormatInt(d.Version, 10)
	m := Mutation{RequestID: id, Method: "motcua.system." + kind, Fingerprint: id}
	codec := Codec[string]{Encode: func(s string) ([]byte, error) { return []byte(s), nil },
		Decode: func(b []byte) (string, error) { return string(b), nil }}
	// The answer recorded is this run's nonce: getting it back means this
	// run committed; another worker's nonce means it was recorded there.
	nonce := newID()
	got, err := Mutate(ctx, s, System, m, codec, func(ctx context.Context) (string, error) {
		_, _, err := s.Identity.record(ctx, System, m.RequestID, d.ID, d.Version, action, "", change)
		return nonce, err
	})
	var ce *domain.ConflictError
	switch {
	case errors.Is(err, errAlreadyDone), errors.As(err, &ce):
		return false, nil
	case err != nil:
		return false, err
	}
	return got == nonce, nil
}

var errAlreadyDone = errors.New("already recorded")

// CheckMandate records an official's decision on a representative's
// mandate after seeing it (VERIFIED or REJECTED). A verified mandate makes
// a representative's online filing genuine self-service in the indicators;
// until then it counts as REPRESENTATIVE_UNVERIFIED.
func (s *Identity) CheckMandate(ctx context.Context, p domain.Principal, requestID, dossierID string, expectedVersion int64,
	status domain.MandateStatus, note string) (*domain.Dossier, *domain.Event, error) {
	if status != domain.MandateVerified && status != domain.MandateRejected {
		return nil, nil, domain.Invalid("decision", "VERIFIED or REJECTED")
	}
	if expectedVersion <= 0 {
		return nil, nil, domain.Invalid("expected_version", "required: the version you last read")
	}
	if err := policy.RequireAction(p, domain.ActionReceive); err != nil || !p.Role.Staff() {
		return nil, nil, fmt.Errorf("%w: only officials who take in dossiers check mandates", domain.ErrPermissionDenied)
	}
	return s.record(ctx, p, requestID, dossierID, expectedVersion, domain.ActionCheckMandate, note,
		func(d *domain.Dossier, details map[string]string) error {
			if d.Representative == nil {
				return &domain.PreconditionError{Reason: "NO_REPRESENTATIVE", Subject: "dossier/" + d.ID,
					Description: "the dossier names no representative, so there is no mandate to check"}
			}
			if p.AgencyCode != d.AgencyCode {
				return fmt.Errorf("%w: staff of %q cannot check mandates of dossiers received by %s", domain.ErrPermissionDenied, p.AgencyCode, d.AgencyCode)
			}
			c, err := clerkMandateCheck(d.Representative.MandateCheck, status, p.Key(), s.Now(), note, details)
			if err != nil {
				return err
			}
			r := *d.Representative
			r.MandateCheck = c
			d.Representative = &r
			setFiler(d, status)
			details["mandate"] = status.String()
			details["filed_by"] = strconv.Itoa(int(d.FiledBy))
			return nil
		})
}

// record applies a record-keeping change (no status change) to a dossier
// in one transaction: visibility, expected version, the change, the next
// version, a sealed event and the aggregates (which move to another row
// when the filer kind changes).
func (s *Identity) record(ctx context.Context, p domain.Principal, requestID, dossierID string, expectedVersion int64,
	action domain.Action, note string, change func(d *domain.Dossier, details map[string]string) error) (*domain.Dossier, *domain.Event, error) {
	var out *domain.Dossier
	var ev *domain.Event
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		d, err := s.st.GetDossier(ctx, dossierID)
		if err != nil {
			return err
		}
		if p.Role != domain.RoleSystem {
			scope, err := s.readScope(ctx, p)
			if err != nil {
				return err
			}
			if !scope.Admits(d) {
				return domain.NotFound("dossier", dossierID)
			}
		}
		if d.Version != expectedVersion {
			return &domain.ConflictError{Expected: expectedVersion, Current: d.Version}
		}
		if d.Status.Terminal() && action == domain.ActionCheckMandate && p.Role != domain.RoleSystem {
			return &domain.PreconditionError{Reason: "ACTION_NOT_ALLOWED_IN_STATUS", Subject: "dossier/" + d.ID,
				Description: fmt.Sprintf("dossier %s is closed (%s)", d.Code, d.Status)}
		}
		proc, err := s.cachedProcedure(ctx, d.ProcedureCode)
		if err != nil {
			return err
		}
		agency, err := s.st.GetAgency(ctx, d.AgencyCode)
		if err != nil {
			return err
		}
		loc, err := agency.Location()
		if err != nil {
			return err
		}
		before := *d
		details := map[string]string{}
		if err := change(d, details); err != nil {
			return err
		}
		att, err := domain.Attribute(p, action, d.Channel, d.Applicant, d.Representative)
		if err != nil {
			return fmt.Errorf("%w: this dossier is not yours to act on", domain.ErrPermissionDenied)
		}
		now := s.Now()
		d.Version, d.UpdatedAt = expectedVersion+1, now
		ev = &domain.Event{Action: action, From: d.Status, To: d.Status, At: now, Note: note, RequestID: requestID,
			Attribution: att, Details: details}
		sealEvent(d, ev)
		if err := s.st.UpdateDossier(ctx, d, expectedVersion); err != nil {
			return err
		}
		var deltas []indicators.Delta
		if kb, ka := indicators.KeyOf(&before, proc.FieldCode, loc), indicators.KeyOf(d, proc.FieldCode, loc); kb != ka {
			// The filer kind changed (a mandate checked): the dossier's
			// contribution moves from one aggregate row to another.
			out, _ := indicators.Change(nil, &before, kb)
			out.Vector = indicators.Vector{}.Sub(out.Vector)
			for b := range out.Buckets {
				out.Buckets[b] = -out.Buckets[b]
			}
			in, _ := indicators.Change(nil, d, ka)
			deltas = append(deltas, out, in)
		} else if delta, changed := indicators.Change(&before, d, ka); changed {
			deltas = append(deltas, delta)
		}
		if len(deltas) > 0 {
			if err := s.st.ApplyStats(ctx, deltas); err != nil {
				return err
			}
		}
		if err := s.st.AppendEvent(ctx, ev); err != nil {
			return err
		}
		recordSealed(ctx, ev)
		out = d
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, ev, nil
}

// intakeIdentity applies the intake's identity check and the mandate rule
// to a new dossier: the check's outcome, and a representative's filing
// counting as REPRESENTATIVE_UNVERIFIED until the mandate is verified.
func intakeIdentity(d *domain.Dossier, draft *domain.Draft, att *domain.Attribution, today string, field string) error {
	if draft.ID != "" {
		d.ID = draft.ID
	}
	if draft.Identity != nil {
		v := *draft.Identity
		d.Identity = &v
	}
	if r := draft.Representative; r != nil {
		if err := domain.MandateInForce(field+".representative", r, today); err != nil {
			return err
		}
		rep := *r
		rep.MandateCheck = draft.Mandate // set by a registry or a clerk, never by the filer
		d.Representative = &rep
	}
	if att.ActorKind == domain.ActorRepresentative && !(draft.Mandate != nil && draft.Mandate.Status == domain.MandateVerified) {
		att.ActorKind = domain.ActorRepresentativeUnverified
	}
	d.FiledBy = att.ActorKind
	return nil
}
