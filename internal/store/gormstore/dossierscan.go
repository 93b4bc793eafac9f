package gormstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
)

// Reading a dossier without gorm's reflection. gorm scans a row into a
// struct by reflection, field by field, through a pool of interface
// values, then decodes every JSON column into a jsonCol and copies it
// again into the domain type: for GetDossier, one wide row, that was 0.9 of
// the handler's 1.2 s of CPU in the read profile (docs/PERFORMANCE.md).
// Here gorm still builds and runs the statement (scopes, placeholders, the
// tracing callbacks, the transaction or replica in use) and we scan its
// rows straight into the domain type, JSON columns into their structs.
//
// dossierScanColumns lists the columns in the order scanDossier reads them;
// TestDossierScanCoversRow fails when dossierRow gains a column this list
// lacks.
var dossierScanColumns = []string{
	"id", "code", "procedure_code", "procedure_version", "agency_code",
	"applicant", "representative",
	"channel", "filed_by", "status", "resume_status", "summary", "components",
	"submitted_at", "received_at", "clock_started_at", "due_at", "original_due_at",
	"paused_working_seconds", "paused_at",
	"step_index", "step_name", "step_unit_code", "step_assignee", "step_started_at", "step_due_at",
	"result", "return_channel", "finished_at", "returned_at", "identity", "form", "handoff",
	"supplement_rounds", "payment_requests", "payments_confirmed", "payments_online", "extensions",
	"processing_minutes", "digitised", "electronic_result",
	"version", "last_event_seq", "last_event_hash", "created_at", "updated_at",
}

// dossierSelect is the SELECT list of dossierScanColumns; prefixed for a
// join ("d.").
func dossierSelect(prefix string) string {
	return prefix + strings.Join(dossierScanColumns, ", "+prefix)
}

// findDossiers runs q, a query on the dossiers table with its conditions,
// order and limit, and decodes the rows.
func findDossiers(q *gorm.DB) ([]domain.Dossier, error) {
	rows, err := q.Select(dossierSelect("")).Rows()
	if err != nil {
		return nil, err
	}
	return scanDossiers(rows)
}

// queryDossiers runs raw SQL that selects dossierSelect and decodes the rows.
func queryDossiers(db *gorm.DB, sql string, args ...any) ([]domain.Dossier, error) {
	rows, err := db.Raw(sql, args...).Rows()
	if err != nil {
		return nil, err
	}
	return scanDossiers(rows)
}

func scanDossiers(rows *sql.Rows) (out []domain.Dossier, err error) {
	defer func() {
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}()
	out = []domain.Dossier{} // as gorm's Find gave: empty, not nil
	var sc dossierScan
	targets := sc.targets()
	for rows.Next() {
		sc = dossierScan{}
		if err := rows.Scan(targets...); err != nil {
			return nil, err
		}
		d, err := sc.dossier()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// dossierScan receives one row; its fields are in dossierScanColumns' order.
type dossierScan struct {
	id, code, procedureCode                                   string
	procedureVersion                                          int
	agencyCode                                                string
	applicant, representative                                 []byte
	channel, filedBy, status, resumeStatus                    int
	summary                                                   string
	components                                                []byte
	submittedAt, receivedAt, clockStartedAt, dueAt, origDueAt sql.NullTime
	pausedSeconds                                             int64
	pausedAt                                                  sql.NullTime
	stepIndex                                                 int
	stepName, stepUnit, stepAssignee                          string
	stepStartedAt, stepDueAt                                  sql.NullTime
	result                                                    []byte
	returnChannel                                             int
	finishedAt, returnedAt                                    sql.NullTime
	identity, form, handoff                                   []byte
	supplementRounds, paymentRequests, paymentsConfirmed      int
	paymentsOnline, extensions                                int
	processingMinutes                                         sql.NullInt64
	digitised, electronicResult                               bool
	version, lastEventSeq                                     int64
	lastEventHash                                             string
	createdAt, updatedAt                                      time.Time
}

func (s *dossierScan) targets() []any {
	return []any{
		&s.id, &s.code, &s.procedureCode, &s.procedureVersion, &s.agencyCode,
		&s.applicant, &s.representative,
		&s.channel, &s.filedBy, &s.status, &s.resumeStatus, &s.summary, &s.components,
		&s.submittedAt, &s.receivedAt, &s.clockStartedAt, &s.dueAt, &s.origDueAt,
		&s.pausedSeconds, &s.pausedAt,
		&s.stepIndex, &s.stepName, &s.stepUnit, &s.stepAssignee, &s.stepStartedAt, &s.stepDueAt,
		&s.result, &s.returnChannel, &s.finishedAt, &s.returnedAt, &s.identity, &s.form, &s.handoff,
		&s.supplementRounds, &s.paymentRequests, &s.paymentsConfirmed, &s.paymentsOnline, &s.extensions,
		&s.processingMinutes, &s.digitised, &s.electronicResult,
		&s.version, &s.lastEventSeq, &s.lastEventHash, &s.createdAt, &s.updatedAt,
	}
}

// dossier is dossierFromRow for a scanned row: the same values, the same
// nil for NULL.
func (s *dossierScan) dossier() (domain.Dossier, error) {
	d := domain.Dossier{
		ID: s.id, Code: s.code, ProcedureCode: s.procedureCode, ProcedureVersion: s.procedureVersion,
		AgencyCode: s.agencyCode, Channel: domain.Channel(s.channel),
		FiledBy: domain.ActorKind(s.filedBy), Status: domain.Status(s.status), ResumeStatus: domain.Status(s.resumeStatus), Summary: s.summary,
		SubmittedAt: nullTime(s.submittedAt), ReceivedAt: nullTime(s.receivedAt),
		ClockStartedAt: nullTime(s.clockStartedAt), DueAt: nullTime(s.dueAt), OriginalDueAt: nullTime(s.origDueAt),
		PausedWorking: time.Duration(s.pausedSeconds) * time.Second, PausedAt: nullTime(s.pausedAt),
		Step: domain.Step{Index: s.stepIndex, Name: s.stepName, UnitCode: s.stepUnit, Assignee: s.stepAssignee,
			StartedAt: nullTime(s.stepStartedAt), DueAt: nullTime(s.stepDueAt)},
		ReturnChannel: domain.Channel(s.returnChannel), FinishedAt: nullTime(s.finishedAt), ReturnedAt: nullTime(s.returnedAt),
		Version: s.version, LastEventSeq: s.lastEventSeq, LastEventHash: s.lastEventHash,
		CreatedAt: s.createdAt.UTC(), UpdatedAt: s.updatedAt.UTC(),
		SupplementRounds: s.supplementRounds, PaymentRequests: s.paymentRequests, PaymentsConfirmed: s.paymentsConfirmed,
		PaymentsOnline: s.paymentsOnline, Extensions: s.extensions,
		Columns: &domain.FilterColumns{Digitised: s.digitised, ElectronicResult: s.electronicResult},
	}
	if s.processingMinutes.Valid {
		m := s.processingMinutes.Int64
		d.ProcessingMinutes = &m
	}
	if err := unmarshalColumn("applicant", s.applicant, &d.Applicant); err != nil {
		return d, err
	}
	if err := unmarshalColumn("components", s.components, &d.Components); err != nil {
		return d, err
	}
	if err := unmarshalColumn("form", s.form, &d.Form); err != nil {
		return d, err
	}
	var err error
	if d.Representative, err = optionalColumn[domain.Representative]("representative", s.representative); err != nil {
		return d, err
	}
	if d.Result, err = optionalColumn[domain.Result]("result", s.result); err != nil {
		return d, err
	}
	if d.Identity, err = optionalColumn[domain.IdentityVerification]("identity", s.identity); err != nil {
		return d, err
	}
	if d.Handoff, err = optionalColumn[domain.Handoff]("handoff", s.handoff); err != nil {
		return d, err
	}
	return d, nil
}

func nullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// unmarshalColumn decodes a JSON column; NULL leaves v as it is (zero).
func unmarshalColumn(name string, b []byte, v any) error {
	if b == nil {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("dossiers.%s: %w", name, err)
	}
	return nil
}

// optionalColumn decodes a nullable JSON column: nil for NULL.
func optionalColumn[T any](name string, b []byte) (*T, error) {
	if b == nil {
		return nil, nil
	}
	v := new(T)
	return v, unmarshalColumn(name, b, v)
}
