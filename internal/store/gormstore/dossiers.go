package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// NextSequence implements store.Dossiers with one upsert: the row lock it
// takes serializes concurrent intake of the agency for the day until commit.
// It is independent of a group's deferred writes (deferred.go).
func (s *Store) NextSequence(ctx context.Context, agencyCode, day string) (int64, error) {
	var v int64
	err := independent(s.conn(ctx)).Raw(`INSERT INTO dossier_sequences (agency_code, day, last_value) VALUES (?, ?, 1)
		ON CONFLICT (agency_code, day) DO UPDATE SET last_value = dossier_sequences.last_value + 1 RETURNING last_value`,
		agencyCode, day).Row().Scan(&v)
	return v, classify(err) // a Row's error comes with its Scan, after gorm's callbacks
}

// CreateDossier implements store.Dossiers.
func (s *Store) CreateDossier(ctx context.Context, d *domain.Dossier) error {
	if ok, err := deferRow(ctx, func() ([]any, error) { return dossierValues(d, uuidText) }, (*deferredWrites).addDossier); ok {
		return err // deferred.go
	}
	err := s.conn(ctx).Create(dossierToRow(d)).Error
	switch {
	case isUniqueViolation(err):
		return &domain.AlreadyExistsError{Kind: "dossier", Key: d.Code}
	case isForeignKeyViolation(err):
		return domain.NotFound("agency or procedure version", d.AgencyCode+" "+d.ProcedureCode)
	}
	return err
}

// UpdateDossier implements store.Dossiers: UPDATE … WHERE id = ? AND
// version = ?; zero rows means someone else changed it first.
func (s *Store) UpdateDossier(ctx context.Context, d *domain.Dossier, expectedVersion int64) error {
	row := dossierToRow(d)
	res := s.conn(ctx).Model(&dossierRow{}).
		Where("id = ? AND version = ?", d.ID, expectedVersion).
		Select("*").Omit("id", "code", "created_at").
		Updates(row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var current int64
	err := s.conn(ctx).Model(&dossierRow{}).Where("id = ?", d.ID).Select("version").Take(&current).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.NotFound("dossier", d.ID)
	}
	if err != nil {
		return err
	}
	return &domain.ConflictError{Expected: expectedVersion, Current: current}
}

// GetDossier implements store.Dossiers.
func (s *Store) GetDossier(ctx context.Context, id string) (*domain.Dossier, error) {
	return s.getDossier(ctx, "id = ?", id)
}

// GetDossierByCode implements store.Dossiers.
func (s *Store) GetDossierByCode(ctx context.Context, code string) (*domain.Dossier, error) {
	return s.getDossier(ctx, "code = ?", code)
}

func (s *Store) getDossier(ctx context.Context, where, key string) (*domain.Dossier, error) {
	ds, err := queryDossiers(s.conn(ctx), "SELECT "+dossierSelect("")+" FROM dossiers WHERE "+where+" LIMIT 1", key)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, domain.NotFound("dossier", key)
	}
	return &ds[0], nil
}

// ListDossiers implements store.Dossiers.
// It may be served by a read replica (replicas.go).
func (s *Store) ListDossiers(ctx context.Context, f store.DossierFilter, limit int) (out []domain.Dossier, err error) {
	err = s.read(ctx, func(db *gorm.DB) error {
		var e error
		out, e = listDossiers(db, f, limit)
		return e
	})
	return out, err
}

func listDossiers(db *gorm.DB, f store.DossierFilter, limit int) ([]domain.Dossier, error) {
	q, ok := inScope(db.Model(&dossierRow{}), "", f.ScopeCitizenID, f.ScopeAgencies, f.ScopeAll)
	if !ok {
		return nil, nil
	}
	if f.AgencyCode != "" {
		q = q.Where("agency_code = ?", f.AgencyCode)
	}
	if f.ProcedureCode != "" {
		q = q.Where("procedure_code = ?", f.ProcedureCode)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.ApplicantID != "" {
		q = q.Where("applicant_id_number = ?", f.ApplicantID)
	}
	if !f.ReceivedFrom.IsZero() {
		q = q.Where("received_at >= ?", dbTime(f.ReceivedFrom))
	}
	if !f.ReceivedTo.IsZero() {
		q = q.Where("received_at < ?", dbTime(f.ReceivedTo))
	}
	// The indicators' filters narrow what an index on the agency (or the
	// scope) already selects; none of them needs its own index.
	if f.Channel != 0 {
		q = q.Where("channel = ?", int(f.Channel))
	}
	if f.StepUnitCode != "" {
		q = q.Where("step_unit_code = ?", f.StepUnitCode)
	}
	if len(f.FiledBy) > 0 {
		q = q.Where("filed_by IN ?", f.FiledBy)
	}
	// Filing is creation (online submission or intake), as the indicators'
	// cohort has it.
	if !f.FiledFrom.IsZero() {
		q = q.Where("created_at >= ?", dbTime(f.FiledFrom))
	}
	if !f.FiledTo.IsZero() {
		q = q.Where("created_at < ?", dbTime(f.FiledTo))
	}
	switch {
	case f.Received == nil:
	case *f.Received:
		q = q.Where("received_at IS NOT NULL")
	default:
		q = q.Where("received_at IS NULL")
	}
	// Flags kept on the row (migration 16), written as bare predicates so
	// the partial indexes on them apply.
	if f.Digitised {
		q = q.Where("digitised")
	}
	if f.ElectronicResult {
		q = q.Where("electronic_result")
	}
	if f.SupplementRequested {
		q = q.Where("supplement_rounds > 0")
	}
	if !f.OnTimeAt.IsZero() {
		q = q.Where("((status IN ? AND original_due_at >= ?) OR (status IN ? AND finished_at <= original_due_at))",
			[]int{int(domain.StatusReceived), int(domain.StatusProcessing)}, dbTime(f.OnTimeAt),
			[]int{int(domain.StatusResolved), int(domain.StatusReturned)})
	}
	switch f.Resolution {
	case store.ResolutionOnTime:
		q = q.Where("status IN ? AND finished_at <= original_due_at", []int{int(domain.StatusResolved), int(domain.StatusReturned)})
	case store.ResolutionLate:
		q = q.Where("status IN ? AND finished_at > original_due_at", []int{int(domain.StatusResolved), int(domain.StatusReturned)})
	}
	if f.Running {
		q = q.Where("status IN ?", []int{int(domain.StatusReceived), int(domain.StatusProcessing)})
	}
	if !f.DueBefore.IsZero() {
		q = q.Where("original_due_at < ?", dbTime(f.DueBefore))
	}
	if !f.DueFrom.IsZero() {
		q = q.Where("original_due_at >= ?", dbTime(f.DueFrom))
	}
	order := "id DESC"
	switch {
	case !f.UpdatedSince.IsZero():
		order = "updated_at, id"
		q = q.Where("updated_at >= ?", dbTime(f.UpdatedSince))
		if !f.AfterUpdated.IsZero() {
			q = q.Where("(updated_at > ? OR (updated_at = ? AND id > ?))", dbTime(f.AfterUpdated), dbTime(f.AfterUpdated), f.AfterID)
		}
	case f.OrderByDue:
		// Running dossiers all have a deadline, and then the partial index
		// gives the order; otherwise those without one sort last.
		order = "original_due_at, id"
		if !f.Running {
			order = "original_due_at IS NULL, original_due_at, id"
		}
		if !f.AfterDue.IsZero() {
			q = q.Where("(original_due_at > ? OR (original_due_at = ? AND id > ?) OR original_due_at IS NULL)", dbTime(f.AfterDue), dbTime(f.AfterDue), f.AfterID)
		} else if f.AfterID != "" {
			q = q.Where("original_due_at IS NULL AND id > ?", f.AfterID)
		}
	case f.NewestBy != store.ByID:
		col := "created_at"
		if f.NewestBy == store.ByReceipt {
			col = "received_at"
		}
		order = col + " DESC, id DESC"
		if !f.AfterTime.IsZero() {
			q = q.Where("("+col+" < ? OR ("+col+" = ? AND id < ?))", dbTime(f.AfterTime), dbTime(f.AfterTime), f.AfterID)
		}
	case f.AfterID != "":
		q = q.Where("id < ?", f.AfterID)
	}
	return findDossiers(q.Order(order).Limit(limit))
}

// inScope narrows q to the dossiers of a read scope (policy.Scope), the
// dossiers table's columns prefixed by prefix ("d." in a join); ok is false
// when the scope admits nothing.
func inScope(q *gorm.DB, prefix, citizenID string, agencies []string, all bool) (_ *gorm.DB, ok bool) {
	switch {
	case citizenID != "":
		return q.Where("("+prefix+"applicant_id_number = ? OR "+prefix+"representative_id_number = ?)", citizenID, citizenID), true
	case len(agencies) > 0:
		return q.Where("("+prefix+"agency_code IN ? OR "+prefix+"step_unit_code IN ?)", agencies, agencies), true
	}
	return q, all
}

// AppendEvent implements store.Dossiers.
func (s *Store) AppendEvent(ctx context.Context, e *domain.Event) error {
	if ok, err := deferRow(ctx, func() ([]any, error) { return eventValues(e, uuidText) }, (*deferredWrites).addEvent); ok {
		return err // deferred.go
	}
	a := e.Attribution
	row := eventRow{
		ID: e.ID, DossierID: e.DossierID, Seq: e.Seq, Action: int(e.Action), FromStatus: int(e.From),
		ToStatus: int(e.To), StepIndex: e.StepIndex, OccurredAt: requiredDBTime(e.At), Note: e.Note, RequestID: e.RequestID,
		Channel: int(a.Channel), ActorID: a.ActorID, ActorRole: int(a.ActorRole), ActorAgency: a.ActorAgency,
		ActorKind: int(a.ActorKind), Assurance: int(a.Assurance), OnBehalfOf: a.OnBehalfOf, MandateRef: a.MandateRef,
		SourceSystem: a.SourceSystem, ClientAddress: a.ClientAddress, DossierVersion: e.DossierVersion,
		Details: jsonOf(e.Details), StateZ: packState(e.State), PrevHash: e.PrevHash, Hash: e.Hash,
	}
	if row.Details.V == nil {
		row.Details.V = map[string]string{}
	}
	err := s.conn(ctx).Create(&row).Error
	if isUniqueViolation(err) {
		return &domain.AlreadyExistsError{Kind: "event", Key: e.DossierID}
	}
	return err
}

// ListEvents implements store.Dossiers.
func (s *Store) ListEvents(ctx context.Context, dossierID string, afterSeq int64, limit int) ([]domain.Event, error) {
	var rows []eventRow
	err := s.conn(ctx).Where("dossier_id = ? AND seq > ?", dossierID, afterSeq).Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]domain.Event, len(rows))
	for i, r := range rows {
		out[i] = eventFromRow(r)
	}
	return out, nil
}

func eventFromRow(r eventRow) domain.Event {
	return domain.Event{
		ID: r.ID, DossierID: r.DossierID, Seq: r.Seq, Action: domain.Action(r.Action),
		From: domain.Status(r.FromStatus), To: domain.Status(r.ToStatus), StepIndex: r.StepIndex,
		At: r.OccurredAt.UTC(), Note: r.Note, RequestID: r.RequestID,
		Attribution: domain.Attribution{
			Channel: domain.Channel(r.Channel), ActorID: r.ActorID, ActorRole: domain.Role(r.ActorRole),
			ActorAgency: r.ActorAgency, ActorKind: domain.ActorKind(r.ActorKind), Assurance: domain.Assurance(r.Assurance),
			OnBehalfOf: r.OnBehalfOf, MandateRef: r.MandateRef, SourceSystem: r.SourceSystem, ClientAddress: r.ClientAddress,
		},
		DossierVersion: r.DossierVersion, Details: r.Details.V, State: stateOf(&r), PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

func dossierToRow(d *domain.Dossier) *dossierRow {
	r := &dossierRow{
		ID: d.ID, Code: d.Code, ProcedureCode: d.ProcedureCode, ProcedureVersion: d.ProcedureVersion,
		AgencyCode: d.AgencyCode, ApplicantKind: int(d.Applicant.Kind), ApplicantIDNumber: d.Applicant.IDNumber,
		Applicant: jsonOf(d.Applicant), Channel: int(d.Channel), FiledBy: int(d.FiledBy), Status: int(d.Status),
		ResumeStatus: int(d.ResumeStatus),
		Summary:      d.Summary, Components: jsonOf(d.Components), Digitised: d.Digitised(), ElectronicResult: d.ElectronicResult(),
		SubmittedAt: dbTime(d.SubmittedAt), ReceivedAt: dbTime(d.ReceivedAt), ClockStartedAt: dbTime(d.ClockStartedAt),
		DueAt: dbTime(d.DueAt), OriginalDueAt: dbTime(d.OriginalDueAt),
		PausedWorkingSeconds: int64(d.PausedWorking / time.Second), PausedAt: dbTime(d.PausedAt),
		StepIndex: d.Step.Index, StepName: d.Step.Name, StepUnitCode: d.Step.UnitCode, StepAssignee: d.Step.Assignee,
		StepStartedAt: dbTime(d.Step.StartedAt), StepDueAt: dbTime(d.Step.DueAt),
		ReturnChannel: int(d.ReturnChannel), FinishedAt: dbTime(d.FinishedAt), ReturnedAt: dbTime(d.ReturnedAt),
		Version: d.Version, LastEventSeq: d.LastEventSeq, LastEventHash: d.LastEventHash,
		CreatedAt: requiredDBTime(d.CreatedAt), UpdatedAt: requiredDBTime(d.UpdatedAt),
		SupplementRounds: d.SupplementRounds, PaymentRequests: d.PaymentRequests, PaymentsConfirmed: d.PaymentsConfirmed,
		PaymentsOnline: d.PaymentsOnline, Extensions: d.Extensions, ProcessingMinutes: d.ProcessingMinutes,
	}
	if r.Components.V == nil {
		r.Components.V = []domain.Component{}
	}
	if d.Representative != nil {
		r.RepresentativeIDNumber = &d.Representative.IDNumber
		rep := jsonOf(*d.Representative)
		r.Representative = &rep
	}
	if d.Result != nil {
		res := jsonOf(*d.Result)
		r.Result = &res
	}
	if d.Identity != nil {
		id := jsonOf(*d.Identity)
		r.Identity = &id
	}
	if len(d.Form) > 0 {
		f := jsonOf(d.Form)
		r.Form = &f
	}
	if d.Handoff != nil {
		h := jsonOf(*d.Handoff)
		r.Handoff = &h
	}
	return r
}

// GetDossiers implements store.Audit.
func (s *Store) GetDossiers(ctx context.Context, ids []string) ([]domain.Dossier, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return findDossiers(s.conn(ctx).Model(&dossierRow{}).Where("id IN ?", ids).Order("id"))
}
