package gormstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
)

// The columns InsertBulk fills, in the order of the values below.
var (
	bulkDossierCols = []string{"id", "code", "procedure_code", "procedure_version", "agency_code", "applicant_kind",
		"applicant_id_number", "applicant", "representative_id_number", "representative", "channel", "filed_by", "status",
		"resume_status", "summary", "components", "submitted_at", "received_at", "clock_started_at", "due_at",
		"original_due_at", "paused_working_seconds", "paused_at", "step_index", "step_name", "step_unit_code",
		"step_assignee", "step_started_at", "step_due_at", "result", "return_channel", "finished_at", "returned_at",
		"identity", "form", "handoff", "supplement_rounds", "payment_requests", "payments_confirmed", "payments_online", "extensions",
		"processing_minutes", "digitised", "electronic_result", "version", "last_event_seq", "last_event_hash", "created_at", "updated_at"}
	bulkEventCols = []string{"id", "dossier_id", "seq", "action", "from_status", "to_status", "step_index", "occurred_at",
		"note", "request_id", "channel", "actor_id", "actor_role", "actor_agency", "actor_kind", "assurance",
		"on_behalf_of", "mandate_ref", "source_system", "client_address", "dossier_version", "details", "state_z", "prev_hash", "hash"}
	bulkSlipCols = []string{"dossier_id", "step_index", "step_name", "unit_code", "role", "assignee", "started_at",
		"due_at", "finished_at", "outcome"}
)

// jsonText is a JSON column's value as text (NULL for nil), as the row
// types store it.
func jsonText[T any](j *jsonCol[T]) (any, error) {
	if j == nil {
		return nil, nil
	}
	return j.Value()
}

// A uuidArg is an id as the driver takes it: 16 bytes for COPY (binary
// format), text otherwise.
type uuidArg func(id string) (any, error)

func uuidText(id string) (any, error) { return id, nil }

func uuidBytes(id string) (any, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, fmt.Errorf("id %q: %w", id, err)
	}
	return [16]byte(u), nil
}

func dossierValues(d *domain.Dossier, id uuidArg) ([]any, error) {
	r := dossierToRow(d)
	rid, err := id(r.ID)
	if err != nil {
		return nil, err
	}
	applicant, err := r.Applicant.Value()
	if err != nil {
		return nil, err
	}
	components, err := r.Components.Value()
	if err != nil {
		return nil, err
	}
	rep, err := jsonText(r.Representative)
	if err != nil {
		return nil, err
	}
	result, err := jsonText(r.Result)
	if err != nil {
		return nil, err
	}
	identity, err := jsonText(r.Identity)
	if err != nil {
		return nil, err
	}
	form, err := jsonText(r.Form)
	if err != nil {
		return nil, err
	}
	handoff, err := jsonText(r.Handoff)
	if err != nil {
		return nil, err
	}
	return []any{rid, r.Code, r.ProcedureCode, r.ProcedureVersion, r.AgencyCode, r.ApplicantKind,
		r.ApplicantIDNumber, applicant, r.RepresentativeIDNumber, rep, r.Channel, r.FiledBy, r.Status,
		r.ResumeStatus, r.Summary, components, r.SubmittedAt, r.ReceivedAt, r.ClockStartedAt, r.DueAt,
		r.OriginalDueAt, r.PausedWorkingSeconds, r.PausedAt, r.StepIndex, r.StepName, r.StepUnitCode,
		r.StepAssignee, r.StepStartedAt, r.StepDueAt, result, r.ReturnChannel, r.FinishedAt, r.ReturnedAt,
		identity, form, handoff, r.SupplementRounds, r.PaymentRequests, r.PaymentsConfirmed, r.PaymentsOnline, r.Extensions,
		r.ProcessingMinutes, r.Digitised, r.ElectronicResult, r.Version, r.LastEventSeq, r.LastEventHash, r.CreatedAt, r.UpdatedAt}, nil
}

func eventValues(e *domain.Event, id uuidArg) ([]any, error) {
	eid, err := id(e.ID)
	if err != nil {
		return nil, err
	}
	did, err := id(e.DossierID)
	if err != nil {
		return nil, err
	}
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	dj, err := jsonOf(details).Value()
	if err != nil {
		return nil, err
	}
	var state any // NULL without a sealed state
	if z := packState(e.State); z != nil {
		state = z
	}
	a := e.Attribution
	return []any{eid, did, e.Seq, int(e.Action), int(e.From), int(e.To), e.StepIndex, requiredDBTime(e.At), e.Note, e.RequestID,
		int(a.Channel), a.ActorID, int(a.ActorRole), a.ActorAgency, int(a.ActorKind), int(a.Assurance), a.OnBehalfOf,
		a.MandateRef, a.SourceSystem, a.ClientAddress, e.DossierVersion, dj, state, e.PrevHash, e.Hash}, nil
}

func slipValues(r *domain.SlipRow, id uuidArg) ([]any, error) {
	did, err := id(r.DossierID)
	if err != nil {
		return nil, err
	}
	return []any{did, r.StepIndex, r.StepName, r.UnitCode, int(r.Role), r.Assignee, requiredDBTime(r.StartedAt), requiredDBTime(r.DueAt),
		dbTime(r.FinishedAt), int(r.Outcome)}, nil
}

// sequenceMaxima returns, per (agency, day), the highest sequence among the
// dossiers' codes.
func sequenceMaxima(dossiers []domain.Dossier) (map[[2]string]int64, error) {
	out := map[[2]string]int64{}
	for i := range dossiers {
		agency, day, seq, err := domain.ParseDossierCode(dossiers[i].Code)
		if err != nil {
			return nil, err
		}
		k := [2]string{agency, day}
		out[k] = max(out[k], seq)
	}
	return out, nil
}

// InsertBulk implements store.Dossiers.
func (s *Store) InsertBulk(ctx context.Context, dossiers []domain.Dossier, events []domain.Event, slips []domain.SlipRow) error {
	if len(dossiers)+len(events)+len(slips) == 0 {
		return nil
	}
	seqs, err := sequenceMaxima(dossiers)
	if err != nil {
		return err
	}
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); !inTx && s.dialect == Postgres {
		err = s.copyBulk(ctx, dossiers, events, slips, seqs)
	} else {
		err = s.InTx(ctx, func(ctx context.Context) error { return s.insertBulk(ctx, dossiers, events, slips, seqs) })
	}
	switch {
	case isUniqueViolation(err):
		return &domain.AlreadyExistsError{Kind: "dossier, event or slip row", Key: bulkKey(err, dossiers)}
	case isForeignKeyViolation(err):
		return domain.NotFound("agency, procedure version or dossier", bulkKey(err, dossiers))
	}
	return err
}

// bulkKey names what a failed bulk insert was about, for the error message:
// the constraint PostgreSQL reports, or the batch's first code.
func bulkKey(err error, dossiers []domain.Dossier) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.ConstraintName != "" {
		return pe.TableName + "/" + pe.ConstraintName
	}
	if len(dossiers) > 0 {
		return dossiers[0].Code + "…"
	}
	return "batch"
}

// copyBulk loads the rows with COPY in one transaction on a connection of
// its own (COPY cannot run inside a database/sql transaction).
func (s *Store) copyBulk(ctx context.Context, dossiers []domain.Dossier, events []domain.Event, slips []domain.SlipRow,
	seqs map[[2]string]int64) error {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk insert: PostgreSQL connection is a %T, not a pgx connection", dc)
		}
		return pgx.BeginFunc(ctx, sc.Conn(), func(tx pgx.Tx) error {
			copyRows := func(table string, cols []string, n int, row func(i int) ([]any, error)) error {
				if n == 0 {
					return nil
				}
				_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, row))
				return err
			}
			if err := copyRows("dossiers", bulkDossierCols, len(dossiers), func(i int) ([]any, error) {
				return dossierValues(&dossiers[i], uuidBytes)
			}); err != nil {
				return err
			}
			if err := copyRows("dossier_events", bulkEventCols, len(events), func(i int) ([]any, error) {
				return eventValues(&events[i], uuidBytes)
			}); err != nil {
				return err
			}
			if err := copyRows("process_control_slips", bulkSlipCols, len(slips), func(i int) ([]any, error) {
				return slipValues(&slips[i], uuidBytes)
			}); err != nil {
				return err
			}
			stmts, args := sequenceUpserts(Postgres, seqs)
			for i, q := range stmts {
				if _, err := tx.Exec(ctx, q, args[i]...); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// insertBulk inserts the rows with multi-row INSERTs in the transaction ctx
// carries.
func (s *Store) insertBulk(ctx context.Context, dossiers []domain.Dossier, events []domain.Event, slips []domain.SlipRow,
	seqs map[[2]string]int64) error {
	pool := s.conn(ctx).Statement.ConnPool
	if err := s.insertRows(ctx, pool, "dossiers", bulkDossierCols, len(dossiers), func(i int) ([]any, error) {
		return dossierValues(&dossiers[i], uuidText)
	}); err != nil {
		return err
	}
	if err := s.insertRows(ctx, pool, "dossier_events", bulkEventCols, len(events), func(i int) ([]any, error) {
		return eventValues(&events[i], uuidText)
	}); err != nil {
		return err
	}
	if err := s.insertRows(ctx, pool, "process_control_slips", bulkSlipCols, len(slips), func(i int) ([]any, error) {
		return slipValues(&slips[i], uuidText)
	}); err != nil {
		return err
	}
	stmts, args := sequenceUpserts(s.dialect, seqs)
	for i, q := range stmts {
		if _, err := pool.ExecContext(ctx, q, args[i]...); err != nil {
			return err
		}
	}
	return nil
}

// maxBulkParams keeps a statement under both engines' limits on bound
// parameters (SQLite 32766, PostgreSQL 65535).
const maxBulkParams = 32000

// insertRows inserts n rows with as few INSERT statements as the parameter
// limit allows.
func (s *Store) insertRows(ctx context.Context, pool gorm.ConnPool, table string, cols []string, n int,
	row func(i int) ([]any, error)) error {
	per := maxBulkParams / len(cols)
	for start := 0; start < n; start += per {
		end := min(n, start+per)
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			vals, err := row(i)
			if err != nil {
				return err
			}
			args = append(args, vals...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + s.valueLists(end-start, len(cols))
		if _, err := pool.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// valueLists is "(?, ?), (?, ?)" (or "$1" placeholders on PostgreSQL).
func (s *Store) valueLists(rows, cols int) string {
	var b strings.Builder
	writeValueLists(&b, rows, cols, s.dialect == Postgres, 0)
	return b.String()
}

// writeValueLists writes rows lists of cols placeholders: "?", or on
// PostgreSQL "$n" numbered after the first placeholders already used.
func writeValueLists(b *strings.Builder, rows, cols int, numbered bool, first int) {
	n := first
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if numbered {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
}

// sequenceUpserts raise the dossier counters to the given values (never
// lowering them), a few thousand counters per statement.
func sequenceUpserts(dialect string, seqs map[[2]string]int64) (stmts []string, args [][]any) {
	keys := make([][2]string, 0, len(seqs))
	for k := range seqs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1]) })
	greatest := "MAX"
	if dialect == Postgres {
		greatest = "GREATEST"
	}
	const per = 5000
	for start := 0; start < len(keys); start += per {
		var b strings.Builder
		var a []any
		b.WriteString("INSERT INTO dossier_sequences (agency_code, day, last_value) VALUES ")
		for n, k := range keys[start:min(len(keys), start+per)] {
			if n > 0 {
				b.WriteString(", ")
			}
			if dialect == Postgres {
				fmt.Fprintf(&b, "($%d, $%d, $%d)", 3*n+1, 3*n+2, 3*n+3)
			} else {
				b.WriteString("(?, ?, ?)")
			}
			a = append(a, k[0], k[1], seqs[k])
		}
		fmt.Fprintf(&b, " ON CONFLICT (agency_code, day) DO UPDATE SET last_value = %s(dossier_sequences.last_value, excluded.last_value)", greatest)
		stmts, args = append(stmts, b.String()), append(args, a)
	}
	return stmts, args
}

// DossierSequences implements store.Dossiers.
func (s *Store) DossierSequences(ctx context.Context, agencies []string, fromDay, toDay string) (map[[2]string]int64, error) {
	var rows []sequenceRow
	err := s.conn(ctx).Where("agency_code IN ? AND day >= ? AND day <= ?", agencies, fromDay, toDay).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make(map[[2]string]int64, len(rows))
	for _, r := range rows {
		out[[2]string{r.AgencyCode, r.Day}] = r.LastValue
	}
	return out, nil
}
