package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/lifecycle"
	"github.com/motcua/motcua/internal/policy"
)

// Submit files a dossier online (status SUBMITTED). The filing's
// attribution comes from the principal: a citizen filing their own dossier
// is genuine online; an official filing it is STAFF_ON_BEHALF.
func (s *Lifecycle) Submit(ctx context.Context, p domain.Principal, requestID string, draft domain.Draft) (*domain.Dossier, *domain.Event, error) {
	return s.create(ctx, p, requestID, "dossier", draft, domain.ActionSubmit, domain.ChannelOnline, "")
}

// ReceiveNew takes in a new dossier at the counter or by post (status
// RECEIVED) and starts its legal clock.
func (s *Lifecycle) ReceiveNew(ctx context.Context, p domain.Principal, requestID string, draft domain.Draft, ch domain.Channel, note string) (*domain.Dossier, *domain.Event, error) {
	if ch == 0 {
		ch = domain.ChannelCounter
	}
	if ch == domain.ChannelOnline {
		return nil, nil, domain.Invalid("channel", "an online filing is made with SubmitDossier; intake is COUNTER or POSTAL")
	}
	return s.create(ctx, p, requestID, "new_dossier", draft, domain.ActionReceive, ch, note)
}

// create files or takes in a new dossier; field is the request field that
// holds the draft ("dossier" or "new_dossier"), which violations name.
func (s *Lifecycle) create(ctx context.Context, p domain.Principal, requestID, field string, draft domain.Draft,
	action domain.Action, ch domain.Channel, note string) (*domain.Dossier, *domain.Event, error) {
	if err := policy.RequireAction(p, action); err != nil {
		return nil, nil, err
	}
	var d *domain.Dossier
	var ev *domain.Event
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		now := s.Now()
		agency, err := s.cachedAgency(ctx, draft.AgencyCode)
		if err != nil {
			return err
		}
		proc, err := s.cachedProcedure(ctx, draft.ProcedureCode)
		if err != nil {
			return err
		}
		if p.Role.Staff() && p.AgencyCode != agency.Code {
			return fmt.Errorf("%w: staff of %q cannot file or take in dossiers for %s", domain.ErrPermissionDenied, p.AgencyCode, agency.Code)
		}
		if err := s.checkCompetence(ctx, field, proc, agency); err != nil {
			return err
		}
		pv := proc.VersionAt(now)
		if pv == nil {
			return &domain.PreconditionError{Reason: "PROCEDURE_NOT_IN_FORCE", Subject: "procedure/" + proc.Code,
				Description: fmt.Sprintf("procedure %s has no version in force now", proc.Code)}
		}
		if ch == domain.ChannelOnline && !pv.ServiceLevel.Online() {
			return &domain.PreconditionError{Reason: "PROCEDURE_NOT_ONLINE", Subject: "procedure/" + proc.Code,
				Description: fmt.Sprintf("procedure %s is not offered online; file it at the counter or by post", proc.Code)}
		}
		draft.Components = slices.Clone(draft.Components) // filled in below; the caller's stays as sent
		fileDetails := map[string]string{}
		var files []string
		if s.files != nil {
			if files, err = s.files.checkComponents(ctx, p, field+".components", draft.Components, draft.Applicant.IDNumber, pv, now, fileDetails); err != nil {
				return err
			}
		}
		if err := draft.Validate(field, pv, ch); err != nil {
			return err
		}
		att, err := domain.Attribute(p, action, ch, draft.Applicant, draft.Representative)
		if err != nil {
			return fmt.Errorf("%w: you may file only your own dossier, or as the representative named in it", domain.ErrPermissionDenied)
		}
		loc, err := agency.Location()
		if err != nil {
			return err
		}
		seq, err := s.st.NextSequence(ctx, agency.Code, domain.CodeDay(now.In(loc)))
		if err != nil {
			return err
		}
		to, err := lifecycle.Next(lifecycle.Creation, action, 0)
		if err != nil {
			return err
		}
		d = &domain.Dossier{
			ID: newID(), Code: domain.DossierCode(agency.Code, now.In(loc), seq),
			ProcedureCode: proc.Code, ProcedureVersion: pv.Version, AgencyCode: agency.Code,
			Applicant: draft.Applicant, Representative: draft.Representative, Channel: ch, FiledBy: att.ActorKind,
			Status: to, Summary: draft.Summary, Components: draft.Components, Step: domain.NoStep,
			ReturnChannel: draft.ReturnChannel, Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		if d.ReturnChannel == 0 {
			d.ReturnChannel = ch
		}
		if err := intakeIdentity(d, &draft, &att, now.In(loc).Format(time.DateOnly), field); err != nil {
			return err
		}
		d.Form = draft.Form
		details := map[string]string{"code": d.Code, "procedure_version": fmt.Sprint(pv.Version)}
		maps.Copy(details, fileDetails)
		if action == domain.ActionReceive {
			startHandoff(d, pv, details)
		}
		if d.Identity != nil {
			details["identity"] = d.Identity.Outcome.String()
		}
		mandateDetails(d, details)
		var slip []domain.SlipRow
		if action == domain.ActionSubmit {
			d.SubmittedAt = now
		} else {
			cal, err := s.cachedCalendar(ctx, agency)
			if err != nil {
				return err
			}
			details["clock_start"] = lifecycle.StartClock(d, cal, pv, now)
			details["due_at"] = d.DueAt.Format(time.RFC3339)
			if len(pv.Workflow) > 0 {
				slip = append(slip, enterFirstStep(d, cal, pv, p, now))
			}
		}
		ev = &domain.Event{Action: action, From: lifecycle.Creation, To: to, At: now, Note: note,
			RequestID: requestID, Attribution: att, Details: details}
		sealEvent(d, ev)
		if err := s.st.CreateDossier(ctx, d); err != nil {
			return err
		}
		if err := s.referenceFiles(ctx, d.ID, files); err != nil {
			return err
		}
		for i := range slip {
			if err := s.st.PutSlipRow(ctx, &slip[i]); err != nil {
				return err
			}
		}
		if err := s.applyStats(ctx, nil, d, proc, loc, nil, nil); err != nil {
			return err
		}
		return s.appendEvent(ctx, ev)
	})
	if err != nil {
		return nil, nil, err
	}
	return d, ev, nil
}

// enterFirstStep puts a just-received dossier at its first workflow step;
// the receiving clerk is its assignee when the step is theirs.
func enterFirstStep(d *domain.Dossier, cal *calendar.Calendar, pv *domain.ProcedureVersion, p domain.Principal, now time.Time) domain.SlipRow {
	assignee := ""
	if first := pv.Workflow[0]; first.UnitCode == p.AgencyCode && first.Role == p.Role {
		assignee = p.Subject
	}
	return lifecycle.EnterStep(d, cal, pv.Workflow, 0, assignee, now)
}

// checkCompetence verifies that the agency handles the procedure: it is the
// procedure's agency or below it.
func (s *shared) checkCompetence(ctx context.Context, field string, proc *domain.Procedure, agency *domain.Agency) error {
	if ok, err := s.inSubtree(ctx, proc.AgencyCode, agency.Code); err != nil || ok {
		return err
	}
	return domain.Invalid(field+".agency_code", "agency %s does not handle procedure %s (it belongs to %s and the agencies below it)",
		agency.Code, proc.Code, proc.AgencyCode)
}

// Accept receives an online filing: the dossier moves from SUBMITTED to
// RECEIVED and its legal clock starts.
func (s *Lifecycle) Accept(ctx context.Context, p domain.Principal, requestID, dossierID string, expectedVersion int64, note string) (*domain.Dossier, *domain.Event, error) {
	if expectedVersion <= 0 {
		return nil, nil, domain.Invalid("expected_version", "required when accepting an existing dossier: the version you last read")
	}
	return s.act(ctx, p, actRequest{requestID: requestID, dossierID: dossierID, expectedVersion: expectedVersion,
		action: domain.ActionReceive, note: note},
		func(ctx context.Context, c *actContext) error {
			startHandoff(c.d, c.pv, c.details)
			c.details["clock_start"] = lifecycle.StartClock(c.d, c.cal, c.pv, c.now)
			c.details["due_at"] = c.d.DueAt.Format(time.RFC3339)
			if len(c.pv.Workflow) > 0 {
				c.slip = append(c.slip, enterFirstStep(c.d, c.cal, c.pv, p, c.now))
			}
			return nil
		})
}

// actRequest is what every action on an existing dossier carries.
type actRequest struct {
	requestID       string
	dossierID       string
	expectedVersion int64
	action          domain.Action
	note            string
}

// actContext is what an action's specific rule sees and may change.
type actContext struct {
	now     time.Time
	d       *domain.Dossier
	from    domain.Status
	agency  *domain.Agency
	proc    *domain.Procedure
	pv      *domain.ProcedureVersion
	cal     *calendar.Calendar
	details map[string]string
	// slip rows the rule opened or closed, stored after the dossier.
	slip []domain.SlipRow
	// channel of the step; defaults to the dossier's filing channel.
	channel domain.Channel
}

// workflow is the pinned procedure version's workflow.
func (c *actContext) workflow() []domain.WorkflowStep { return c.pv.Workflow }

// act applies an action to an existing dossier in one transaction: load,
// check visibility (NOT_FOUND), the expected version (ABORTED), the
// transition table (FAILED_PRECONDITION) and the principal's grant for the
// dossier's agency and step (PERMISSION_DENIED); then apply the action's rule, store the dossier with
// the next version and its slip rows, and append the event.
func (s *Lifecycle) act(ctx context.Context, p domain.Principal, r actRequest, rule func(ctx context.Context, c *actContext) error) (*domain.Dossier, *domain.Event, error) {
	if err := policy.RequireAction(p, r.action); err != nil {
		return nil, nil, err
	}
	var out *domain.Dossier
	var ev *domain.Event
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		d, err := s.st.GetDossier(ctx, r.dossierID)
		if err != nil {
			return err
		}
		if err := s.authoriseRead(ctx, p, d); err != nil {
			return err
		}
		c := &actContext{now: s.Now(), d: d, from: d.Status, details: map[string]string{}, channel: d.Channel}
		if c.proc, err = s.cachedProcedure(ctx, d.ProcedureCode); err != nil {
			return err
		}
		if c.pv = c.proc.Version(d.ProcedureVersion); c.pv == nil {
			return fmt.Errorf("dossier %s pins missing procedure version %d", d.Code, d.ProcedureVersion)
		}
		// The version is checked before the grant: a caller who lost a race
		// learns that the dossier moved on (ABORTED), not that its new step
		// is no longer theirs. The version is no secret to anyone who may
		// read the dossier.
		if d.Version != r.expectedVersion {
			return &domain.ConflictError{Expected: r.expectedVersion, Current: d.Version}
		}
		to, err := lifecycle.Next(d.Status, r.action, d.ResumeStatus)
		if err != nil {
			return err
		}
		var stepRole domain.Role
		if i := d.Step.Index; i >= 0 && i < len(c.pv.Workflow) {
			stepRole = c.pv.Workflow[i].Role
		}
		if err := policy.CanAct(p, r.action, d, stepRole); err != nil {
			return err
		}
		if c.agency, err = s.st.GetAgency(ctx, d.AgencyCode); err != nil {
			return err
		}
		if c.cal, err = s.cachedCalendar(ctx, c.agency); err != nil {
			return err
		}
		before := *d
		d.Status = to
		if err := rule(ctx, c); err != nil {
			return err
		}
		att, err := domain.Attribute(p, r.action, c.channel, d.Applicant, d.Representative)
		if err != nil {
			return fmt.Errorf("%w: this dossier is not yours to act on", domain.ErrPermissionDenied)
		}
		d.Version = r.expectedVersion + 1
		d.UpdatedAt = c.now
		ev = &domain.Event{Action: r.action, From: c.from, To: d.Status, At: c.now, Note: r.note,
			RequestID: r.requestID, Attribution: att, Details: c.details}
		sealEvent(d, ev)
		if err := s.st.UpdateDossier(ctx, d, r.expectedVersion); err != nil {
			return err
		}
		for i := range c.slip {
			if err := s.st.PutSlipRow(ctx, &c.slip[i]); err != nil {
				return err
			}
		}
		if err := s.applyStats(ctx, &before, d, c.proc, c.cal.Location(), c.cal, c.slip); err != nil {
			return err
		}
		out = d
		return s.appendEvent(ctx, ev)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, ev, nil
}

// authoriseRead returns ErrNotFound when d is outside p's read scope.
func (s *shared) authoriseRead(ctx context.Context, p domain.Principal, d *domain.Dossier) error {
	scope, err := s.readScope(ctx, p)
	if err != nil {
		return err
	}
	if !scope.Admits(d) {
		return domain.NotFound("dossier", d.ID)
	}
	return nil
}

func (s *shared) readScope(ctx context.Context, p domain.Principal) (policy.Scope, error) {
	var subtree []string
	if p.Role == domain.RoleAuditor && p.AgencyCode != "" {
		var err error
		if subtree, err = s.reads.AgencySubtree(ctx, p.AgencyCode); err != nil {
			return policy.Scope{}, err
		}
	}
	return policy.ReadScope(p, subtree), nil
}

// DossierKey names a dossier by id or by code.
type DossierKey struct {
	ID   string
	Code string
}

// GetDossier returns a dossier the principal may see; ErrNotFound otherwise.
func (s *DossierReads) GetDossier(ctx context.Context, p domain.Principal, key DossierKey, purpose string) (*domain.Dossier, error) {
	if err := requirePurpose(p, purpose); err != nil {
		return nil, err
	}
	var d *domain.Dossier
	var err error
	if key.ID != "" {
		d, err = s.st.GetDossier(ctx, key.ID)
	} else {
		d, err = s.st.GetDossierByCode(ctx, key.Code)
	}
	if err != nil {
		return nil, err
	}
	if err := s.authoriseRead(ctx, p, d); err != nil {
		// Answer exactly as for a key that names no dossier: nothing the
		// caller did not send (such as the internal id behind a code).
		return nil, domain.NotFound("dossier", key.ID+key.Code)
	}
	return d, s.logAccess(ctx, p, ReadDossier, purpose, d)
}

func requirePurpose(p domain.Principal, purpose string) error {
	if policy.NeedsPurpose(p) && strings.TrimSpace(purpose) == "" {
		return domain.Invalid("purpose", "staff must state why they read dossiers; it is recorded in the access log the citizen can see")
	}
	return nil
}

// DossierQuery is what ListDossiers filters and orders by. Which dossiers
// the caller may see is not part of it: ListDossiers sets the scope from
// the principal.
type DossierQuery struct {
	AgencyCode    string
	ProcedureCode string
	Statuses      []domain.Status
	ApplicantID   string
	ReceivedFrom  time.Time // inclusive
	ReceivedTo    time.Time // exclusive
	// Overdue: the clock runs and the legal deadline has passed.
	Overdue bool
	// DueWithin: the clock runs and the legal deadline falls within this
	// much working time from now (overdue included).
	DueWithin time.Duration
	// ByDue orders by legal deadline, earliest first (the default for the
	// two deadline filters).
	ByDue bool
	// UpdatedSince keeps the dossiers changed at or after it, oldest change
	// first (changes.go); it excludes ByDue.
	UpdatedSince time.Time
	// The indicators' filters (see DossierFilter); they only narrow.
	Channel    domain.Channel
	FiledBy    []domain.ActorKind
	FiledFrom  time.Time
	FiledTo    time.Time
	Resolution Resolution
	Received   *bool
	// NotOverdue: the clock runs and the legal deadline has not passed.
	NotOverdue bool
	// StepUnitCode: only dossiers whose current step is held by this unit.
	StepUnitCode string
	// OnTime: the on-time rate's numerator (not overdue, or resolved by the
	// legal deadline); the flags as in DossierFilter.
	OnTime                                           bool
	Digitised, ElectronicResult, SupplementRequested bool
}

// ListDossiers returns a page of the dossiers the principal may see.
func (s *DossierReads) ListDossiers(ctx context.Context, p domain.Principal, q DossierQuery, pageSize int, token, purpose string) ([]domain.Dossier, string, error) {
	return s.listDossiers(ctx, p, q, pageSize, token, purpose, ReadList)
}

// listDossiers is ListDossiers recording staff reads under method.
func (s *DossierReads) listDossiers(ctx context.Context, p domain.Principal, q DossierQuery, pageSize int, token, purpose, method string) ([]domain.Dossier, string, error) {
	if err := requirePurpose(p, purpose); err != nil {
		return nil, "", err
	}
	after, err := decodePageToken(token, q)
	if err != nil {
		return nil, "", err
	}
	scope, err := s.readScope(ctx, p)
	if err != nil {
		return nil, "", err
	}
	if scope.Empty() {
		return nil, "", nil
	}
	f := DossierFilter{AgencyCode: q.AgencyCode, ProcedureCode: q.ProcedureCode, Statuses: q.Statuses, ApplicantID: q.ApplicantID,
		ReceivedFrom: q.ReceivedFrom, ReceivedTo: q.ReceivedTo, ScopeCitizenID: scope.CitizenID, ScopeAgencies: scope.AgencyCodes,
		Channel: q.Channel, FiledBy: q.FiledBy, FiledFrom: q.FiledFrom, FiledTo: q.FiledTo, Resolution: q.Resolution, Received: q.Received,
		StepUnitCode: q.StepUnitCode, Digitised: q.Digitised, ElectronicResult: q.ElectronicResult,
		SupplementRequested: q.SupplementRequested}
	now := s.Now()
	if q.OnTime {
		f.OnTimeAt = now
	}
	if q.Overdue || q.DueWithin > 0 {
		f.Running = true
		f.DueBefore = now
		if q.DueWithin > 0 {
			cal, err := s.calendarForCode(ctx, firstNonEmpty(f.AgencyCode, p.AgencyCode))
			if err != nil {
				return nil, "", err
			}
			f.DueBefore = cal.Add(now, q.DueWithin)
		}
	}
	if q.NotOverdue {
		f.Running, f.DueFrom = true, now
	}
	f.OrderByDue = q.ByDue
	// An upper bound on the filing or receipt time orders by that time
	// (DossierFilter.NewestBy).
	if !q.ByDue && q.UpdatedSince.IsZero() {
		switch {
		case !q.FiledTo.IsZero():
			f.NewestBy = ByFiling
		case !q.ReceivedTo.IsZero():
			f.NewestBy = ByReceipt
		}
	}
	if !q.UpdatedSince.IsZero() {
		if err := f.sinceUpdate(q, after); err != nil {
			return nil, "", err
		}
	} else if after != "" {
		if f.OrderByDue {
			// A dossier without a legal deadline has an empty time.
			if f.AfterDue, f.AfterID, err = timedPosition(after, true); err != nil {
				return nil, "", err
			}
		} else if f.NewestBy != ByID && strings.Contains(after, "|") {
			if f.AfterTime, f.AfterID, err = timedPosition(after, false); err != nil {
				return nil, "", err
			}
		} else {
			// An id alone: the token of an id-ordered page, also one issued
			// for these filters before they ordered by time (an upgrade
			// mid-listing); the listing goes on in id order.
			if !dossierIDPattern.MatchString(after) {
				return nil, "", errPageToken()
			}
			f.NewestBy = ByID
			f.AfterID = after
		}
	}
	size := pageSizeOr(pageSize, 50)
	page, err := s.st.ListDossiers(ctx, f, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(page) > size {
		page = page[:size]
		last := page[size-1]
		key := last.ID
		if !f.UpdatedSince.IsZero() {
			key = updateKey(&last)
		} else if f.OrderByDue {
			key = "|" + last.ID
			if !last.OriginalDueAt.IsZero() {
				key = last.OriginalDueAt.Format(time.RFC3339Nano) + key
			}
		} else if f.NewestBy == ByFiling {
			key = last.CreatedAt.Format(time.RFC3339Nano) + "|" + last.ID
		} else if f.NewestBy == ByReceipt {
			key = last.ReceivedAt.Format(time.RFC3339Nano) + "|" + last.ID
		}
		next = encodePageToken(key, q)
	}
	listed := make([]*domain.Dossier, len(page))
	for i := range page {
		listed[i] = &page[i]
	}
	return page, next, s.logAccess(ctx, p, method, purpose, listed...)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// calendarForCode returns an agency's calendar, or the national default
// calendar for code "".
func (s *shared) calendarForCode(ctx context.Context, code string) (*calendar.Calendar, error) {
	if code == "" {
		return s.cachedCalendar(ctx, &domain.Agency{})
	}
	a, err := s.reads.GetAgency(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.cachedCalendar(ctx, a)
}

// ListEvents returns a page of a dossier's events, in order.
func (s *DossierReads) ListEvents(ctx context.Context, p domain.Principal, dossierID string, pageSize int, token, purpose string) ([]domain.Event, string, error) {
	if err := requirePurpose(p, purpose); err != nil {
		return nil, "", err
	}
	d, err := s.st.GetDossier(ctx, dossierID)
	if err != nil {
		return nil, "", err
	}
	if err := s.authoriseRead(ctx, p, d); err != nil {
		return nil, "", err
	}
	evs, next, err := keysetPage(dossierID, pageSize, 100, token,
		func(after string, limit int) ([]domain.Event, error) {
			var afterSeq int64
			if after != "" {
				var err error
				if afterSeq, err = strconv.ParseInt(after, 10, 64); err != nil {
					return nil, errPageToken()
				}
			}
			return s.st.ListEvents(ctx, dossierID, afterSeq, limit)
		},
		func(e *domain.Event) string { return strconv.FormatInt(e.Seq, 10) })
	if err != nil {
		return nil, "", err
	}
	for i := range evs {
		evs[i].DossierCode = d.Code
	}
	return evs, next, s.logAccess(ctx, p, ReadEvents, purpose, d)
}
