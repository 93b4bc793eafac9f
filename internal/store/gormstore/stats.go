package gormstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/store"
)

// The period column values of aggregate rows.
const (
	periodDay   = "D"
	periodMonth = "M"
	// periodYear rows (dossier_stats and dossier_stats_durations only, not
	// unit_step_stats; migration 17) answer a whole year from a twelfth of
	// the monthly rows: GetIndicators for a province and a year reads them.
	periodYear = "Y"
)

// periodColumn is the period column value of a granularity; the aggregates
// keep days, months and (dossier_stats and its durations) years, so any
// other granularity matches no row.
func periodColumn(g indicators.Granularity) string {
	switch g {
	case indicators.Day:
		return periodDay
	case indicators.Month:
		return periodMonth
	case indicators.Year:
		return periodYear
	}
	return ""
}

var (
	metricCols   = strings.Join(indicators.MetricNames[:], ", ")
	sumMetricSQL = buildSumMetrics()
	// statsCols are the columns of the aggregate upsert, in statsUpsertRow.args' order.
	statsCols     = append([]string{"period", "agency_code", "day", "procedure_code", "field_code", "channel", "filed_by"}, indicators.MetricNames[:]...)
	statsConflict = buildStatsConflict()
)

// buildStatsConflict is the aggregate upsert's conflict clause: the
// metrics are added to the row's.
func buildStatsConflict() string {
	var set []string
	for _, m := range indicators.MetricNames {
		set = append(set, fmt.Sprintf("%s = dossier_stats.%s + excluded.%s", m, m, m))
	}
	return " ON CONFLICT (period, agency_code, day, procedure_code, channel, filed_by) DO UPDATE SET " + strings.Join(set, ", ")
}

// buildUpsertStatsRows is the aggregate upsert for n rows in one statement
// (one round trip for a mutation's daily and monthly rows). The rows'
// conflict keys must differ: PostgreSQL refuses to update a row twice in
// one statement.
func buildUpsertStatsRows(n int) string {
	row := "(?, ?, ?, ?, ?, ?, ?" + strings.Repeat(", ?", len(indicators.MetricNames)) + ")"
	rows := strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	return "INSERT INTO dossier_stats (" + strings.Join(statsCols, ", ") + ") VALUES " + rows + statsConflict
}

// upsertStatsRows caches the statements by row count (a mutation has two
// rows, rarely four).
var upsertStatsRows sync.Map // int → string

func upsertStatsFor(n int) string {
	if q, ok := upsertStatsRows.Load(n); ok {
		return q.(string)
	}
	q := buildUpsertStatsRows(n)
	upsertStatsRows.Store(n, q)
	return q
}

// statsParamsPerRow is the bound parameters of one row of the stats upsert;
// statsRowsPerStatement keeps a statement under SQLite's default limit of
// 32,766 parameters (PostgreSQL's is 65,535).
const (
	statsParamsPerRow     = 7 + len(indicators.MetricNames)
	statsRowsPerStatement = 32_766 / statsParamsPerRow
)

// statsRowKey is dossier_stats' conflict key.
type statsRowKey struct {
	period, agency, day, procedure string
	channel                        domain.Channel
	filedBy                        domain.ActorKind
}

func buildSumMetrics() string {
	sums := make([]string, len(indicators.MetricNames))
	for i, m := range indicators.MetricNames {
		sums[i] = "COALESCE(SUM(" + m + "), 0)"
	}
	return strings.Join(sums, ", ")
}

// statsPeriods are the period and day column values of the rows a delta
// of key k changes: its day, its month and its year.
func statsPeriods(k indicators.Key) [3][2]string {
	return [3][2]string{{periodDay, k.Day}, {periodMonth, k.Month()}, {periodYear, k.Day[:4]}}
}

// statsUpsertRow is one aggregate row a mutation adds to.
type statsUpsertRow struct {
	key   statsRowKey
	field string
	v     indicators.Vector
}

func (r statsUpsertRow) args() []any {
	args := make([]any, 0, statsParamsPerRow)
	args = append(args, r.key.period, r.key.agency, r.key.day, r.key.procedure, r.field, int(r.key.channel), int(r.key.filedBy))
	for _, v := range r.v {
		args = append(args, v)
	}
	return args
}

// statsUpsertRows are the metric rows of deltas, in the order the deltas
// name them (daily, monthly, yearly), rows with the same conflict key
// summed — the same locks taken in the same order as one statement per
// row, in one statement (PostgreSQL refuses to update a row twice in one).
func statsUpsertRows(ds []indicators.Delta) []statsUpsertRow {
	var rows []statsUpsertRow
	at := map[statsRowKey]int{}
	for _, d := range ds {
		if d.Vector.Zero() {
			continue
		}
		k := d.Key
		for _, p := range statsPeriods(k) {
			rk := statsRowKey{p[0], k.Agency, p[1], k.Procedure, k.Channel, k.FiledBy}
			if i, ok := at[rk]; ok {
				rows[i].v.Add(d.Vector)
				continue
			}
			at[rk] = len(rows)
			rows = append(rows, statsUpsertRow{rk, k.Field, d.Vector})
		}
	}
	return rows
}

func hasBuckets(ds []indicators.Delta) bool {
	for _, d := range ds {
		if len(d.Buckets) > 0 {
			return true
		}
	}
	return false
}

// ApplyStats implements store.Stats.
func (s *Store) ApplyStats(ctx context.Context, ds []indicators.Delta) error {
	rows := statsUpsertRows(ds)
	if w := deferred(ctx); w != nil && !hasBuckets(ds) {
		w.addStats(rows) // sent with the group's other deferred writes (deferred.go)
		return nil
	}
	db := s.conn(ctx)
	// A bulk load (seed) brings thousands of rows: at most statsRowsPerStatement
	// per statement, in order, keeps under both drivers' parameter limits.
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), statsRowsPerStatement)]
		rows = rows[len(chunk):]
		args := make([]any, 0, len(chunk)*statsParamsPerRow)
		for _, r := range chunk {
			args = append(args, r.args()...)
		}
		if err := db.Exec(upsertStatsFor(len(chunk)), args...).Error; err != nil {
			return err
		}
	}
	// A delta's histogram rows (its buckets by day, month and year: distinct
	// keys) in one statement, buckets in order so that concurrent
	// transactions lock them in the same order.
	for _, d := range ds {
		if len(d.Buckets) == 0 {
			continue
		}
		k := d.Key
		buckets := slices.Sorted(maps.Keys(d.Buckets))
		var values strings.Builder
		var args []any
		for _, p := range statsPeriods(k) {
			for _, bucket := range buckets {
				if values.Len() > 0 {
					values.WriteString(", ")
				}
				values.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, p[0], k.Agency, p[1], k.Procedure, k.Field, int(k.Channel), int(k.FiledBy), bucket, d.Buckets[bucket])
			}
		}
		err := db.Exec(`INSERT INTO dossier_stats_durations
			(period, agency_code, day, procedure_code, field_code, channel, filed_by, bucket, dossiers)
			VALUES `+values.String()+`
			ON CONFLICT (period, agency_code, day, procedure_code, channel, filed_by, bucket)
			DO UPDATE SET dossiers = dossier_stats_durations.dossiers + excluded.dossiers`, args...).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// ApplyUnitStats implements store.Stats.
func (s *Store) ApplyUnitStats(ctx context.Context, ds []indicators.UnitDelta) error {
	for _, d := range ds {
		for _, p := range [][2]string{{periodDay, d.Day}, {periodMonth, d.Day[:7]}} {
			err := s.conn(ctx).Exec(`INSERT INTO unit_step_stats (period, unit_code, day, finished, late, late_minutes)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (period, unit_code, day) DO UPDATE SET finished = unit_step_stats.finished + excluded.finished,
				late = unit_step_stats.late + excluded.late, late_minutes = unit_step_stats.late_minutes + excluded.late_minutes`,
				p[0], d.Unit, p[1], d.Finished, d.Late, d.LateMinutes).Error
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func statsWhere(db *gorm.DB, table string, q store.StatsQuery) *gorm.DB {
	db = db.Table(table).Where("period = ? AND agency_code IN ? AND day >= ? AND day <= ?", periodColumn(q.Period), q.Agencies, q.From, q.To)
	if q.Procedure != "" {
		db = db.Where("procedure_code = ?", q.Procedure)
	}
	if q.Field != "" {
		db = db.Where("field_code = ?", q.Field)
	}
	if q.Channel != 0 {
		db = db.Where("channel = ?", int(q.Channel))
	}
	return db
}

// SumStats implements store.Stats.
func (s *Store) SumStats(ctx context.Context, q store.StatsQuery) (out []indicators.Row, err error) {
	err = s.read(ctx, func(db *gorm.DB) error {
		var e error
		out, e = sumStats(db, q)
		return e
	})
	return out, err
}

func sumStats(db *gorm.DB, q store.StatsQuery) ([]indicators.Row, error) {
	sel, group := "'' AS agency_code, '' AS day, channel, filed_by", "channel, filed_by"
	switch {
	case q.GroupByDay && q.GroupByAgency:
		sel, group = "agency_code, day, channel, filed_by", "agency_code, day, channel, filed_by"
	case q.GroupByDay:
		sel, group = "'' AS agency_code, day, channel, filed_by", "day, channel, filed_by"
	case q.GroupByAgency:
		sel, group = "agency_code, '' AS day, channel, filed_by", "agency_code, channel, filed_by"
	}
	rows, err := statsWhere(db, "dossier_stats", q).Select(sel + ", " + sumMetricSQL).Group(group).Order(group).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []indicators.Row
	for rows.Next() {
		var r indicators.Row
		var ch, kind int
		dest := []any{&r.Agency, &r.Day, &ch, &kind}
		for i := range r.Vector {
			dest = append(dest, &r.Vector[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.Channel, r.FiledBy = domain.Channel(ch), domain.ActorKind(kind)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SumDurations implements store.Stats.
func (s *Store) SumDurations(ctx context.Context, q store.StatsQuery) (map[int]int64, error) {
	var rows []struct {
		Bucket int
		N      int64
	}
	err := s.read(ctx, func(db *gorm.DB) error {
		rows = nil
		return statsWhere(db, "dossier_stats_durations", q).Select("bucket, SUM(dossiers) AS n").Group("bucket").Scan(&rows).Error
	})
	out := make(map[int]int64, len(rows))
	for _, r := range rows {
		out[r.Bucket] = r.N
	}
	return out, err
}

// SumUnitStats implements store.Stats.
func (s *Store) SumUnitStats(ctx context.Context, g indicators.Granularity, from, to string, units []string) ([]store.UnitRow, error) {
	var rows []store.UnitRow
	err := s.read(ctx, func(db *gorm.DB) error {
		rows = nil
		q := db.Table("unit_step_stats").Where("period = ? AND day >= ? AND day <= ?", periodColumn(g), from, to)
		if units != nil {
			q = q.Where("unit_code IN ?", units)
		}
		return q.Select("unit_code AS unit, SUM(finished) AS finished, SUM(late) AS late, SUM(late_minutes) AS late_minutes").
			Group("unit_code").Scan(&rows).Error
	})
	return rows, err
}

// CountOpenOverdueSteps implements store.Stats.
func (s *Store) CountOpenOverdueSteps(ctx context.Context, units []string, now time.Time) (map[string]int64, error) {
	var rows []struct {
		UnitCode string
		N        int64
	}
	// The open step of a paused dossier has its due time frozen until the
	// clock resumes: it is not late.
	err := s.read(ctx, func(db *gorm.DB) error {
		rows = nil
		q := db.Table("process_control_slips s").Joins("JOIN dossiers d ON d.id = s.dossier_id").
			Where("s.outcome = 0 AND s.due_at < ? AND d.status IN ?", dbTime(now), []int{int(domain.StatusReceived), int(domain.StatusProcessing)})
		if units != nil {
			q = q.Where("s.unit_code IN ?", units)
		}
		return q.Select("s.unit_code AS unit_code, COUNT(*) AS n").Group("s.unit_code").Scan(&rows).Error
	})
	out := map[string]int64{}
	for _, r := range rows {
		out[r.UnitCode] = r.N
	}
	return out, err
}

// CountOverdue implements store.Stats.
func (s *Store) CountOverdue(ctx context.Context, q store.StatsQuery, now time.Time) (int64, error) {
	var n int64
	err := s.readSerial(ctx, func(db *gorm.DB) error { return overdue(db, q, now).Count(&n).Error })
	return n, err
}

// readSerial is read (a replica may serve) with fn's statements run without
// parallel workers on PostgreSQL (SET LOCAL max_parallel_workers_per_gather
// = 0, in a transaction of their own unless ctx already runs one). The overdue queries read at most a year's
// overdue dossiers from an index; at 5M dossiers the planner's estimate
// (87,000 rows for 5,800) tipped it to a parallel index-only scan whose
// two workers each scanned for 1 ms and took 15–76 ms to start and gather,
// on a server where concurrent auditors already use every core
// (docs/PERFORMANCE.md, "Cost growth").
func (s *Store) readSerial(ctx context.Context, fn func(db *gorm.DB) error) error {
	return s.read(ctx, func(db *gorm.DB) error {
		if _, inTx := ctx.Value(txKey{}).(*gorm.DB); inTx || s.dialect != Postgres {
			return fn(db)
		}
		// BEGIN and COMMIT pass no statement callback: a database that is
		// down fails here unclassified (tx.go does the same).
		return classify(db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SET LOCAL max_parallel_workers_per_gather = 0").Error; err != nil {
				return err
			}
			return fn(tx)
		}))
	})
}

// CountOverdueCohortByAgency implements store.Stats.
func (s *Store) CountOverdueCohortByAgency(ctx context.Context, q store.StatsQuery, now time.Time) (map[string]int64, error) {
	var rows []struct {
		AgencyCode string
		N          int64
	}
	err := s.readSerial(ctx, func(db *gorm.DB) error {
		rows = nil
		return overdue(db, q, now).Select("d.agency_code, COUNT(*) AS n").Group("d.agency_code").Scan(&rows).Error
	})
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.AgencyCode] = r.N
	}
	return out, err
}

// ListOverdueCreated implements store.Stats.
func (s *Store) ListOverdueCreated(ctx context.Context, q store.StatsQuery, now time.Time) ([]time.Time, error) {
	var ts []time.Time
	err := s.readSerial(ctx, func(db *gorm.DB) error {
		ts = nil
		return overdue(db, q, now).Pluck("d.created_at", &ts).Error
	})
	for i := range ts {
		ts[i] = ts[i].UTC()
	}
	return ts, err
}

func overdue(db *gorm.DB, q store.StatsQuery, now time.Time) *gorm.DB {
	db = db.Table("dossiers d").
		Where("d.status IN ? AND d.original_due_at < ? AND d.agency_code IN ?",
			[]int{int(domain.StatusReceived), int(domain.StatusProcessing)}, dbTime(now), q.Agencies).
		Where("d.created_at >= ? AND d.created_at < ?", dbTime(q.CreatedFrom), dbTime(q.CreatedTo))
	if q.Procedure != "" {
		db = db.Where("d.procedure_code = ?", q.Procedure)
	}
	if q.Field != "" {
		db = db.Where("d.procedure_code IN (SELECT code FROM procedures WHERE field_code = ?)", q.Field)
	}
	if q.Channel != 0 {
		db = db.Where("d.channel = ?", int(q.Channel))
	}
	return db
}

// ProceduresWithOnlineFilings implements store.Stats.
func (s *Store) ProceduresWithOnlineFilings(ctx context.Context, q store.StatsQuery) (anyone, genuine []string, err error) {
	var rows []struct {
		ProcedureCode string
		Genuine       bool
	}
	err = s.read(ctx, func(db *gorm.DB) error {
		rows = nil
		return statsWhere(db, "dossier_stats", q).Where("channel = ? AND filed > 0", int(domain.ChannelOnline)).
			Select("procedure_code, MAX(CASE WHEN filed_by IN ? THEN 1 ELSE 0 END) = 1 AS genuine",
				[]int{int(domain.ActorCitizen), int(domain.ActorRepresentative)}).
			Group("procedure_code").Order("procedure_code").Scan(&rows).Error
	})
	for _, r := range rows {
		anyone = append(anyone, r.ProcedureCode)
		if r.Genuine {
			genuine = append(genuine, r.ProcedureCode)
		}
	}
	return anyone, genuine, err
}

// ProceduresOf implements store.Stats.
func (s *Store) ProceduresOf(ctx context.Context, agencies []string) ([]domain.Procedure, error) {
	var rows []procedureRow
	if err := s.conn(ctx).Where("agency_code IN ?", agencies).Order("code").Find(&rows).Error; err != nil {
		return nil, err
	}
	return s.withVersions(ctx, rows)
}

// ListEventsOf implements store.Stats.
func (s *Store) ListEventsOf(ctx context.Context, dossierIDs []string) ([]domain.Event, error) {
	var rows []eventRow
	if err := s.conn(ctx).Where("dossier_id IN ?", dossierIDs).Order("dossier_id, seq").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Event, len(rows))
	for i, r := range rows {
		out[i] = eventFromRow(r)
	}
	return out, nil
}

// ListStatRows implements store.Stats.
func (s *Store) ListStatRows(ctx context.Context, g indicators.Granularity) (map[indicators.Key]indicators.Vector, map[indicators.Key]map[int]int64, error) {
	rows, err := s.conn(ctx).Raw(`SELECT agency_code, day, procedure_code, field_code, channel, filed_by, `+metricCols+
		` FROM dossier_stats WHERE period = ?`, periodColumn(g)).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	vecs := map[indicators.Key]indicators.Vector{}
	for rows.Next() {
		var k indicators.Key
		var v indicators.Vector
		var ch, kind int
		dest := []any{&k.Agency, &k.Day, &k.Procedure, &k.Field, &ch, &kind}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		k.Channel, k.FiledBy = domain.Channel(ch), domain.ActorKind(kind)
		vecs[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var drows []struct {
		AgencyCode, Day, ProcedureCode, FieldCode string
		Channel, FiledBy, Bucket                  int
		Dossiers                                  int64
	}
	if err := s.conn(ctx).Table("dossier_stats_durations").Where("period = ?", periodColumn(g)).Scan(&drows).Error; err != nil {
		return nil, nil, err
	}
	durs := map[indicators.Key]map[int]int64{}
	for _, r := range drows {
		k := indicators.Key{Agency: r.AgencyCode, Day: r.Day, Procedure: r.ProcedureCode, Field: r.FieldCode,
			Channel: domain.Channel(r.Channel), FiledBy: domain.ActorKind(r.FiledBy)}
		if durs[k] == nil {
			durs[k] = map[int]int64{}
		}
		durs[k][r.Bucket] = r.Dossiers
	}
	return vecs, durs, nil
}

// ListUnitStatRows implements store.Stats.
func (s *Store) ListUnitStatRows(ctx context.Context, g indicators.Granularity) (map[[2]string]store.UnitRow, error) {
	var rows []store.UnitRow
	err := s.conn(ctx).Table("unit_step_stats").Where("period = ?", periodColumn(g)).
		Select("unit_code AS unit, day, finished, late, late_minutes").Scan(&rows).Error
	out := make(map[[2]string]store.UnitRow, len(rows))
	for _, r := range rows {
		out[[2]string{r.Unit, r.Day}] = r
	}
	return out, err
}

// ListDossierPage implements store.Stats.
func (s *Store) ListDossierPage(ctx context.Context, afterID string, limit int) ([]domain.Dossier, error) {
	q := s.conn(ctx).Model(&dossierRow{})
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	return findDossiers(q.Order("id").Limit(limit))
}

// ListFinishedSlipRows implements store.Stats.
func (s *Store) ListFinishedSlipRows(ctx context.Context, dossierIDs []string) ([]domain.SlipRow, error) {
	var rows []slipRow
	if err := s.conn(ctx).Where("outcome = ? AND dossier_id IN ?", int(domain.SlipFinished), dossierIDs).Find(&rows).Error; err != nil {
		return nil, err
	}
	return slipsFromRows(rows), nil
}
