package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/dvcqg"
	"github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/policy"
)

// SyncConfig bounds the national portal synchronisation
// (docs/portal-sync.md). Zero fields take the defaults.
type SyncConfig struct {
	// DeadLetterAfter: a dossier failing for this long is dead-lettered
	// (default 24 h). A refusal the portal will repeat (a malformed field,
	// bad credentials) dead-letters at once.
	DeadLetterAfter time.Duration
	// AckBound is the timeliness indicator's bound (default 24 h).
	AckBound time.Duration
	// BackoffMin and BackoffMax bound the wait between attempts, doubling
	// from BackoffMin with jitter (defaults 1 s and 5 min).
	BackoffMin, BackoffMax time.Duration
	// Lease is how long a deliverer holds a dossier (default 2 min): a
	// deliverer that dies releases it when the lease ends.
	Lease time.Duration
	// Batch is how many due dossiers one pass takes (default 100);
	// Workers how many it delivers at once (default 4).
	Batch, Workers int
	// NoJitter waits exactly the doubled backoff: for reproducible
	// simulations (the demo), never in production, where jitter keeps
	// replicas from retrying in step.
	NoJitter bool
}

func (c SyncConfig) withDefaults() SyncConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.DeadLetterAfter, 24*time.Hour)
	def(&c.AckBound, 24*time.Hour)
	def(&c.BackoffMin, time.Second)
	def(&c.BackoffMax, 5*time.Minute)
	def(&c.Lease, 2*time.Minute)
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	return c
}

// WithPortalSync turns the national portal synchronisation on: every
// mutation records, in its own transaction, the dossier's new version as
// wanted on the portal, and a deliverer sends it through client: a job per
// dossier on the job engine (internal/portal.Register), or Sync.Run polling
// the states where there is no engine.
func WithPortalSync(client PortalClient, cfg SyncConfig) Option {
	return func(c *config) { c.portalSync, c.portal, c.syncCfg = true, client, cfg }
}

// syncHook is the event hook of the synchronisation: the mutation's
// changes are recorded as wanted on the portal in its transaction, so a
// committed change is never lost and a rolled-back one is never sent.
func syncHook(st SyncStore) EventHook {
	return func(ctx context.Context, events []domain.Event) error {
		return st.MarkSyncWanted(ctx, syncChanges(events))
	}
}

// syncChanges turns a mutation's sealed events into the changes to send.
func syncChanges(events []domain.Event) []SyncChange {
	out := make([]SyncChange, 0, len(events))
	for _, e := range events {
		out = append(out, SyncChange{DossierID: e.DossierID, Version: e.DossierVersion, Status: e.To, At: e.At,
			StatusChange: e.From != e.To})
	}
	return out
}

// Sync is the national portal synchronisation: delivery, the operator's
// commands, reconciliation and the sync indicators.
type Sync struct {
	*shared
	st     SyncStore
	client PortalClient // nil: not configured
	cfg    SyncConfig
}

// ErrPortalNotConfigured is returned by deliveries and reconciliation when
// no portal is configured.
var ErrPortalNotConfigured = &domain.PreconditionError{Reason: "PORTAL_NOT_CONFIGURED", Subject: "portal",
	Description: "the national portal is not configured on this server (--portal-url or --portal-config; docs/portal-sync.md)"}

// Config returns the effective configuration.
func (s *Sync) Config() SyncConfig { return s.cfg }

// Enabled reports whether a portal is configured.
func (s *Sync) Enabled() bool { return s.client != nil }

// message builds the portal's copy of a dossier from its current state.
func (s *Sync) message(ctx context.Context, d *domain.Dossier, withLists bool) (dvcqg.Message, error) {
	a, err := s.st.GetAgency(ctx, d.AgencyCode)
	if err != nil {
		return dvcqg.Message{}, err
	}
	loc, err := a.Location()
	if err != nil {
		return dvcqg.Message{}, err
	}
	src := dvcqg.Source{Dossier: d, Loc: loc}
	if withLists {
		p, err := s.st.GetProcedure(ctx, d.ProcedureCode)
		if err != nil {
			return dvcqg.Message{}, err
		}
		src.Procedure, src.Version = p, p.Version(d.ProcedureVersion)
		if src.Events, err = s.st.ListEvents(ctx, d.ID, 0, 10000); err != nil {
			return dvcqg.Message{}, err
		}
		if src.Slip, err = s.st.ListSlip(ctx, d.ID); err != nil {
			return dvcqg.Message{}, err
		}
	}
	return dvcqg.Build(src), nil
}

// backoff is the wait before attempt n+1 (n ≥ 1): doubling from the
// minimum, capped, with jitter in [d/2, d).
func (s *Sync) backoff(n int) time.Duration {
	d := s.cfg.BackoffMin << min(n-1, 30)
	if d <= 0 || d > s.cfg.BackoffMax {
		d = s.cfg.BackoffMax
	}
	if s.cfg.NoJitter {
		return d
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Deliver sends the current state of one dossier if it is due and no
// other deliverer holds it, and records the outcome. It reports whether it
// made an attempt. Delivery sends the state read now, never a queued
// snapshot, so an older state cannot overtake a newer one; the portal
// refuses a version older than the one it holds.
func (s *Sync) Deliver(ctx context.Context, dossierID string) (bool, error) {
	if s.client == nil {
		return false, ErrPortalNotConfigured
	}
	now := s.Now()
	ok, err := s.st.ClaimSync(ctx, dossierID, now, now.Add(s.cfg.Lease))
	if err != nil || !ok {
		return false, err
	}
	// From here every path records an outcome, which releases the claim
	// (a delivery interrupted by shutdown too, so the next one need not
	// wait for the lease to end).
	st, err := s.st.GetSyncState(ctx, dossierID)
	if err != nil {
		return true, s.fail(ctx, &SyncState{DossierID: dossierID, FirstFailedAt: now}, 0, err)
	}
	d, err := s.st.GetDossier(ctx, dossierID)
	if err != nil {
		return true, s.fail(ctx, st, st.SentVersion, err)
	}
	m, err := s.message(ctx, d, true)
	if err != nil {
		return true, s.fail(ctx, st, d.Version, err)
	}
	if _, err := s.client.Send(ctx, d.AgencyCode, m, st.AckedVersion > 0); err != nil {
		return true, s.fail(ctx, st, d.Version, err)
	}
	// Acknowledged, or answered stale (the portal holds a newer version):
	// either way nothing older than the portal's copy is left to send.
	return true, s.st.FinishSync(context.WithoutCancel(ctx), dossierID, SyncOutcome{Version: d.Version, At: s.Now()})
}

// SyncState returns a dossier's sync state (for the deliverers).
func (s *Sync) SyncState(ctx context.Context, dossierID string) (*SyncState, error) {
	return s.st.GetSyncState(ctx, dossierID)
}

// DueDossiers lists dossiers whose delivery is due now (for the sweep).
func (s *Sync) DueDossiers(ctx context.Context, limit int) ([]string, error) {
	return s.st.DueSyncs(ctx, s.Now(), limit)
}

// fail records a failed attempt: retried after a backoff, or dead-lettered
// when the failure is permanent or has lasted DeadLetterAfter.
func (s *Sync) fail(ctx context.Context, st *SyncState, version int64, cause error) error {
	now := s.Now()
	o := SyncOutcome{Version: version, At: now, Err: cause.Error()}
	var pe *PortalError
	first := st.FirstFailedAt
	if first.IsZero() {
		first = now
	}
	switch {
	case errors.As(cause, &pe) && pe.Permanent:
		o.DeadLetter, o.Err = true, "refused (not retried): "+pe.Reason
	case now.Sub(first) >= s.cfg.DeadLetterAfter:
		o.DeadLetter = true
		o.Err = fmt.Sprintf("failing since %s (longer than %s): %s", first.Format(time.RFC3339), s.cfg.DeadLetterAfter, cause)
	default:
		o.NextAttemptAt = now.Add(s.backoff(st.Attempts + 1))
	}
	if len(o.Err) > 2000 {
		o.Err = o.Err[:2000]
	}
	return s.st.FinishSync(context.WithoutCancel(ctx), st.DossierID, o)
}

// RunOnce delivers the dossiers due now (up to Batch, Workers at a time)
// and returns how many it attempted.
func (s *Sync) RunOnce(ctx context.Context) (int, error) {
	if s.client == nil {
		return 0, ErrPortalNotConfigured
	}
	ids, err := s.st.DueSyncs(ctx, s.Now(), s.cfg.Batch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var (
		mu       sync.Mutex
		n        int
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan string)
	for range min(s.cfg.Workers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				did, err := s.Deliver(ctx, id)
				mu.Lock()
				if did {
					n++
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return n, firstErr
}

// Run delivers until ctx ends: a pass, then at once another if the pass
// was full, else after idle. Errors are reported to onErr and retried.
func (s *Sync) Run(ctx context.Context, idle time.Duration, onErr func(error)) {
	for {
		n, err := s.RunOnce(ctx)
		if err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		wait := idle
		if n >= s.cfg.Batch && err == nil {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// syncScope checks the principal and resolves the agencies it may see:
// admins any agency (all when agency is ""), auditors and leaders their
// agency and below.
func (s *Sync) syncScope(ctx context.Context, p domain.Principal, agency string, sub bool) ([]string, error) {
	if err := policy.RequireRole(p, policy.Reporters()...); err != nil {
		return nil, err
	}
	if agency == "" {
		if p.Role == domain.RoleAdmin {
			return nil, nil
		}
		agency = p.AgencyCode
	}
	if _, err := s.st.GetAgency(ctx, agency); err != nil {
		return nil, err
	}
	if p.Role != domain.RoleAdmin {
		mine, err := s.st.AgencySubtree(ctx, p.AgencyCode)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(mine, agency) {
			return nil, fmt.Errorf("%w: agency %s is outside the jurisdiction of %s", domain.ErrPermissionDenied, agency, p.AgencyCode)
		}
	}
	if !sub {
		return []string{agency}, nil
	}
	return s.st.AgencySubtree(ctx, agency)
}

// SyncQuery selects dossiers for the sync commands.
type SyncQuery struct {
	Agency      string // "" with an admin: every agency
	SubAgencies bool
	DossierID   string
	DossierCode string // instead of DossierID
	CreatedFrom time.Time
	CreatedTo   time.Time
	View        SyncView
}

func (s *Sync) filter(ctx context.Context, p domain.Principal, q SyncQuery) (SyncFilter, error) {
	if q.DossierCode != "" {
		d, err := s.st.GetDossierByCode(ctx, q.DossierCode)
		if err != nil {
			return SyncFilter{}, err
		}
		if q.DossierID != "" && q.DossierID != d.ID {
			return SyncFilter{}, domain.Invalid("selector.dossier_code", "names another dossier than dossier_id")
		}
		q.DossierID = d.ID
	}
	f := SyncFilter{DossierID: q.DossierID, CreatedFrom: q.CreatedFrom, CreatedTo: q.CreatedTo, View: q.View}
	if q.DossierID != "" && q.Agency == "" {
		d, err := s.st.GetDossier(ctx, q.DossierID)
		if err != nil {
			return f, err
		}
		q.Agency = d.AgencyCode
	}
	ag, err := s.syncScope(ctx, p, q.Agency, q.SubAgencies)
	f.Agencies = ag
	return f, err
}

// SyncStatus is the answer of the status command.
type SyncStatus struct {
	Counts SyncCounts
	States []SyncState
	Next   string // the last dossier id of a full page
}

// Status lists the sync states of a scope, with its counts.
func (s *Sync) Status(ctx context.Context, p domain.Principal, q SyncQuery, after string, limit int) (*SyncStatus, error) {
	f, err := s.filter(ctx, p, q)
	if err != nil {
		return nil, err
	}
	cf := f
	cf.View = SyncAll
	out := &SyncStatus{}
	if out.Counts, err = s.st.CountSync(ctx, cf); err != nil {
		return nil, err
	}
	if out.States, err = s.st.ListSyncStates(ctx, f, after, limit); err != nil {
		return nil, err
	}
	if len(out.States) == limit {
		out.Next = out.States[limit-1].DossierID
	}
	return out, nil
}

// Retry re-arms the dead-lettered deliveries of a scope.
func (s *Sync) Retry(ctx context.Context, p domain.Principal, q SyncQuery) (int64, error) {
	if err := policy.RequireRole(p, policy.Admins()...); err != nil {
		return 0, err
	}
	f, err := s.filter(ctx, p, q)
	if err != nil {
		return 0, err
	}
	return s.st.RetrySyncs(ctx, f, s.Now())
}

// Resend asks to send the current state of every dossier of a scope again.
func (s *Sync) Resend(ctx context.Context, p domain.Principal, q SyncQuery) (int64, error) {
	if err := policy.RequireRole(p, policy.Admins()...); err != nil {
		return 0, err
	}
	if q.DossierID == "" && q.DossierCode == "" && q.CreatedFrom.IsZero() {
		return 0, domain.Invalid("period", "resend a dossier, or the dossiers filed in a period")
	}
	f, err := s.filter(ctx, p, q)
	if err != nil {
		return 0, err
	}
	return s.st.ResendSyncs(ctx, f, s.Now())
}

// Reconcile reads back the portal's copy of every dossier of an agency
// filed in [from, to) (all when zero) and reports those whose status,
// dates or channel differ, or that the portal lacks. It stores nothing
// (SaveReconciliation does): it reads and calls the portal for as long as
// it takes, which must not hold a transaction.
func (s *Sync) Reconcile(ctx context.Context, p domain.Principal, agency string, from, to time.Time) (*Reconciliation, error) {
	if err := policy.RequireRole(p, policy.Admins()...); err != nil {
		return nil, err
	}
	if _, err := s.syncScope(ctx, p, agency, false); err != nil {
		return nil, err
	}
	return s.reconcile(ctx, agency, from, to)
}

// SaveReconciliation stores a report (inside a mutation's transaction).
func (s *Sync) SaveReconciliation(ctx context.Context, r *Reconciliation) error {
	return s.st.PutReconciliation(ctx, r)
}

// ReconcileAgency reconciles and stores the report, without a principal:
// the scheduled reconciliation.
func (s *Sync) ReconcileAgency(ctx context.Context, agency string, from, to time.Time) (*Reconciliation, error) {
	r, err := s.reconcile(ctx, agency, from, to)
	if err != nil {
		return nil, err
	}
	return r, s.st.PutReconciliation(ctx, r)
}

func (s *Sync) reconcile(ctx context.Context, agency string, from, to time.Time) (*Reconciliation, error) {
	if s.client == nil {
		return nil, ErrPortalNotConfigured
	}
	r := &Reconciliation{ID: newID(), AgencyCode: agency, StartedAt: s.Now()}
	f := DossierFilter{AgencyCode: agency, FiledFrom: from, FiledTo: to, ScopeAll: true, NewestBy: ByFiling}
	for {
		page, err := s.st.ListDossiers(ctx, f, dvcqg.LookupChunk)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		if err := s.reconcilePage(ctx, r, page); err != nil {
			return nil, err
		}
		f.AfterTime, f.AfterID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
	}
	r.FinishedAt = s.Now()
	return r, nil
}

func (s *Sync) reconcilePage(ctx context.Context, r *Reconciliation, page []domain.Dossier) error {
	codes := make([]string, len(page))
	for i := range page {
		codes[i] = page[i].Code
	}
	held, err := s.client.Lookup(ctx, page[0].AgencyCode, codes)
	if err != nil {
		return err
	}
	for i := range page {
		d := &page[i]
		r.Checked++
		local, err := s.message(ctx, d, false)
		if err != nil {
			return err
		}
		f := Finding{DossierID: d.ID, DossierCode: d.Code}
		if h, ok := held[d.Code]; !ok {
			f.Kind = FindingMissing
		} else if f.Fields = dvcqg.Compare(&local.HoSo, &h); len(f.Fields) > 0 {
			f.Kind = FindingDivergent
		} else {
			r.Matched++
			continue
		}
		// A difference the deliverer is about to fix is reported as such.
		if st, err := s.st.GetSyncState(ctx, d.ID); err == nil && st.Pending() && st.DeadLetteredAt.IsZero() {
			f.Kind = FindingPending
		}
		switch f.Kind {
		case FindingMissing:
			r.Missing++
		case FindingDivergent:
			r.Divergent++
		default:
			r.Pending++
		}
		r.Findings = append(r.Findings, f)
	}
	return nil
}

// GetReconciliation returns a stored report in the principal's scope.
func (s *Sync) GetReconciliation(ctx context.Context, p domain.Principal, id string) (*Reconciliation, error) {
	r, err := s.st.GetReconciliation(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.syncScope(ctx, p, r.AgencyCode, false); err != nil {
		if errors.Is(err, domain.ErrPermissionDenied) {
			return nil, domain.NotFound("reconciliation", id)
		}
		return nil, err
	}
	return r, nil
}

// SyncFigures are the sync figures of a scope and period.
type SyncFigures struct {
	Counts     SyncCounts
	Timeliness indicators.SyncTimeliness
	Bound      time.Duration
}

// ReportSync computes the sync figures of an indicator query's scope
// (agency and sub-agencies, period; procedure, field and channel do not
// narrow them), with the indicators' access rules.
func (s *Sync) ReportSync(ctx context.Context, p domain.Principal, q ReportQuery) (*SyncFigures, error) {
	agencies, a, err := reportScope(ctx, s.st, p, q)
	if err != nil {
		return nil, err
	}
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	from, to := q.Period.In(loc)
	return s.SyncIndicators(ctx, agencies, from, to)
}

// SyncIndicators computes the sync figures of agencies for dossiers filed in
// [from, to) and status changes made in it.
func (s *Sync) SyncIndicators(ctx context.Context, agencies []string, from, to time.Time) (*SyncFigures, error) {
	f := SyncFilter{Agencies: agencies, CreatedFrom: from, CreatedTo: to}
	counts, err := s.st.CountSync(ctx, f)
	if err != nil {
		return nil, err
	}
	changes, err := s.st.ListSyncChanges(ctx, SyncFilter{Agencies: agencies}, from, to)
	if err != nil {
		return nil, err
	}
	cs := make([]indicators.SyncChange, len(changes))
	for i, c := range changes {
		cs[i] = indicators.SyncChange{ChangedAt: c.ChangedAt, AckedAt: c.AckedAt}
	}
	return &SyncFigures{Counts: counts, Timeliness: indicators.Timeliness(cs, s.cfg.AckBound, s.Now()), Bound: s.cfg.AckBound}, nil
}
