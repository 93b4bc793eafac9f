package gormstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/store"
)

// Deferred writes (docs/design.md, "Group commit"): on PostgreSQL the
// members of a group do not send their intake's inserts one statement at a
// time. The dossier row, its slip row, its aggregate rows, its event and
// its recorded answer are kept in the group and sent at its end as one
// statement — multi-row INSERTs joined by WITH, the aggregate rows of
// every member summed per row — so that a member makes one round trip
// in the group's transaction (its number) instead of six, and a group of
// eight about a dozen instead of about fifty, while it holds the day's
// number lock. A group's statement stays far under PostgreSQL's 65,535
// parameters: at most maxGroup members of about 200 each.
//
// Nothing reads a deferred row before it is sent: any statement in the
// group's transaction flushes the buffer first (a callback before every
// gorm statement), except those marked independent: they touch none of
// these rows nor any row that refers to them (the day's number, the
// webhook subscriptions). A member therefore sees the writes of those
// before it, as a later transaction would, and a foreign key to a deferred
// row finds it. A flush that fails is a group failure: the group rolls
// back and every member runs again alone, writing directly, and gets its
// own exact outcome (a duplicate request id, a dossier code taken).
type deferredWrites struct {
	dossiers, events, requests [][]any
	slips                      [][]any
	slipAt                     map[[2]any]int // (dossier, step) → index in slips: the last write wins, as it would
	stats                      []statsUpsertRow
	statAt                     map[statsRowKey]int
	tracer                     trace.Tracer // nil without tracing (UseTracing)
}

// deferred returns the buffer of the group ctx runs in, or nil when writes
// go straight to the database (outside a group, on SQLite).
func deferred(ctx context.Context) *deferredWrites {
	if m, ok := ctx.Value(groupMemoKey{}).(*groupMemo); ok {
		return m.deferred
	}
	return nil
}

func (w *deferredWrites) empty() bool {
	return len(w.dossiers)+len(w.events)+len(w.requests)+len(w.slips)+len(w.stats) == 0
}

func (w *deferredWrites) addSlip(vals []any) {
	k := [2]any{vals[0], vals[1]}
	if i, ok := w.slipAt[k]; ok {
		w.slips[i] = vals
		return
	}
	if w.slipAt == nil {
		w.slipAt = map[[2]any]int{}
	}
	w.slipAt[k] = len(w.slips)
	w.slips = append(w.slips, vals)
}

func (w *deferredWrites) addStats(rows []statsUpsertRow) {
	if w.statAt == nil {
		w.statAt = map[statsRowKey]int{}
	}
	for _, r := range rows {
		if i, ok := w.statAt[r.key]; ok {
			w.stats[i].v.Add(r.v)
			continue
		}
		w.statAt[r.key] = len(w.stats)
		w.stats = append(w.stats, r)
	}
}

func (w *deferredWrites) addDossier(vals []any) { w.dossiers = append(w.dossiers, vals) }
func (w *deferredWrites) addEvent(vals []any)   { w.events = append(w.events, vals) }
func (w *deferredWrites) addRequest(vals []any) { w.requests = append(w.requests, vals) }

// deferRow keeps a row in the buffer of the group ctx runs in, if any
// (ok): values builds the row, add files it.
func deferRow(ctx context.Context, values func() ([]any, error), add func(*deferredWrites, []any)) (ok bool, err error) {
	w := deferred(ctx)
	if w == nil {
		return false, nil
	}
	vals, err := values()
	if err == nil {
		add(w, vals)
	}
	return true, err
}

func requestValues(r *store.RequestRecord) ([]any, error) {
	return []any{r.Principal, r.RequestID, r.Method, r.RequestHash, r.Response, requiredDBTime(r.CreatedAt)}, nil
}

var (
	requestCols = []string{"principal", "request_id", "method", "request_hash", "response", "created_at"}
	slipUpsert  = buildSlipUpsert()
)

// buildSlipUpsert is PutSlipRow's conflict clause as SQL.
func buildSlipUpsert() string {
	set := make([]string, len(slipUpdatedCols))
	for i, c := range slipUpdatedCols {
		set[i] = c + " = excluded." + c
	}
	return " ON CONFLICT (dossier_id, step_index) DO UPDATE SET " + strings.Join(set, ", ")
}

// deferredShape is how many rows of each table a buffer holds, in the
// order the statement writes them; the statement's text depends on it alone.
type deferredShape [5]int

// statement is the buffer as one statement and its arguments: the parts
// in the order the members' own statements ran (the dossiers first, which
// the others refer to; foreign keys are checked at the statement's end).
func (w *deferredWrites) statement() (string, []any) {
	stats := make([][]any, len(w.stats))
	for i, r := range w.stats {
		stats[i] = r.args()
	}
	tables := [5][][]any{w.dossiers, w.slips, stats, w.events, w.requests}
	var shape deferredShape
	n := 0
	for i, rows := range tables {
		shape[i] = len(rows)
		for _, r := range rows {
			n += len(r)
		}
	}
	args := make([]any, 0, n)
	for _, rows := range tables {
		for _, r := range rows {
			args = append(args, r...)
		}
	}
	if q, ok := deferredStatements.Load(shape); ok {
		return q.(string), args
	}
	q := buildDeferredStatement(shape)
	if deferredStatementsHeld.Add(1) <= maxDeferredStatements {
		deferredStatements.Store(shape, q)
	}
	return q, args
}

// deferredStatements caches the statement by shape (a few dozen in use:
// group sizes times the rows an intake writes), up to maxDeferredStatements.
var (
	deferredStatements     sync.Map // deferredShape → string
	deferredStatementsHeld atomic.Int64
)

const maxDeferredStatements = 1024

var deferredTables = [5]struct {
	name   string
	cols   []string
	suffix string
}{
	{"dossiers", bulkDossierCols, ""},
	{"process_control_slips", bulkSlipCols, slipUpsert},
	{"dossier_stats", statsCols, statsConflict},
	{"dossier_events", bulkEventCols, ""},
	{"requests", requestCols, ""},
}

func buildDeferredStatement(shape deferredShape) string {
	var parts []string
	n := 0
	for i, t := range deferredTables {
		if shape[i] == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
		writeValueLists(&b, shape[i], len(t.cols), true, n)
		n += shape[i] * len(t.cols)
		b.WriteString(t.suffix)
		parts = append(parts, b.String())
	}
	if len(parts) == 1 {
		return parts[0]
	}
	var b strings.Builder
	b.WriteString("WITH ")
	for i, p := range parts[:len(parts)-1] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("w" + strconv.Itoa(i) + " AS (" + p + ")")
	}
	b.WriteString(" ")
	b.WriteString(parts[len(parts)-1])
	return b.String()
}

// flush sends the buffer in one statement on pool and empties it. With
// tracing it is a span of ctx's (the member whose statement needed the
// rows sent) or, at the group's end, linked to every member's call.
func (w *deferredWrites) flush(ctx context.Context, pool gorm.ConnPool, links ...trace.Link) (err error) {
	if w.empty() {
		return nil
	}
	q, args := w.statement()
	*w = deferredWrites{tracer: w.tracer}
	if w.tracer != nil {
		var span trace.Span
		ctx, span = w.tracer.Start(ctx, "INSERT deferred", trace.WithSpanKind(trace.SpanKindClient), trace.WithLinks(links...),
			trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.operation.name", "INSERT"),
				attribute.String("db.query.text", q)))
		defer func() {
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}()
	}
	_, err = pool.ExecContext(ctx, q, args...)
	return classify(err)
}

// independent marks a statement that reads or writes no deferred row and
// refers to none (the day's number, the webhook subscriptions): in a group
// it runs without sending the deferred writes first.
func independent(db *gorm.DB) *gorm.DB { return db.Set(independentKey, true) }

const independentKey = "motcua:independent_of_deferred"

// registerDeferredFlush flushes a group's deferred writes before any other
// statement of its transaction (read-your-writes; see deferredWrites).
func registerDeferredFlush(db *gorm.DB) error {
	flush := func(tx *gorm.DB) {
		w := deferred(tx.Statement.Context)
		if w == nil || w.empty() || tx.Error != nil {
			return
		}
		if _, ok := tx.Statement.Settings.Load(independentKey); ok {
			return
		}
		if err := w.flush(tx.Statement.Context, tx.Statement.ConnPool); err != nil {
			_ = tx.AddError(err)
		}
	}
	cb := db.Callback()
	type registrar interface {
		Register(name string, fn func(*gorm.DB)) error
	}
	for _, r := range []registrar{cb.Create().Before("*"), cb.Query().Before("*"), cb.Update().Before("*"),
		cb.Delete().Before("*"), cb.Row().Before("*"), cb.Raw().Before("*")} {
		if err := r.Register("motcua:flush_deferred", flush); err != nil {
			return err
		}
	}
	return nil
}
