package bench_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// intakeResult compares intake through the API with pgbench doing the same
// writes.
type intakeResult struct {
	clients, agencies    int
	duration             time.Duration
	apiDone, pgbenchDone int64
	apiTime, pgbenchTime time.Duration
	pgbenchTPS           float64
	note                 string
	apiLatency           latencies
	pgbenchLatency       latencies // per transaction, from pgbench's log
	// statements is what PostgreSQL executed per API intake
	// (pg_stat_statements calls over the run / intakes), when the
	// extension is loaded (MOTCUA_PG_DURABLE=1); perStatement names them.
	statements   float64
	perStatement []statementCount
	// pgbenchStatements are the baseline's, counted alike.
	pgbenchStatements []statementCount
	// cpuPerCall is the CPU time (user + system) this process spent per
	// API intake: server and benchmark clients together, independent of
	// how busy the rest of the machine is.
	cpuPerCall time.Duration
	// pgCPUPerCall and pgbenchPGCPU are the CPU time PostgreSQL (the
	// postmaster and its children) spent per API intake and per pgbench
	// transaction; pgbenchCPU is pgbench's own per transaction. Zero when
	// the cluster's processes cannot be read.
	pgCPUPerCall, pgbenchPGCPU, pgbenchCPU time.Duration
}

// pgCPU is the CPU time the cluster serving h has used so far: its
// postmaster's, its live children's and those it reaped, from /proc. ok is
// false when that cannot be read (not Linux, another user's cluster).
func (h *harness) pgCPU() (time.Duration, bool) {
	if h == nil || h.db == nil {
		return 0, false
	}
	var dir string
	if err := h.db.QueryRowContext(context.Background(), "SHOW data_directory").Scan(&dir); err != nil {
		return 0, false
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	postmaster := strings.SplitN(string(pidFile), "\n", 2)[0]
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid … utime(14) stime(15): comm may hold
		// spaces, so count fields after its closing parenthesis.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		pid := strings.Fields(string(b[:i]))[0]
		if len(fields) < 15 || (pid != postmaster && fields[1] != postmaster) {
			continue
		}
		for _, k := range []int{11, 12} { // utime, stime
			v, _ := strconv.ParseInt(fields[k], 10, 64)
			ticks += v
		}
		if pid == postmaster {
			// cutime, cstime: the children it reaped (pgbench's backends
			// exit with their clients, before the second reading).
			for _, k := range []int{13, 14} {
				v, _ := strconv.ParseInt(fields[k], 10, 64)
				ticks += v
			}
		}
	}
	return time.Duration(ticks) * time.Second / 100, true // USER_HZ is 100 on Linux
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type statementCount struct {
	query string
	calls float64       // per intake
	exec  time.Duration // mean execution time in PostgreSQL
}

func (r *intakeResult) apiPerSec() float64 { return float64(r.apiDone) / r.apiTime.Seconds() }

func (r *intakeResult) apiRate() string { return fmt.Sprintf("%.0f/s", r.apiPerSec()) }

func (r *intakeResult) pgbenchRate() string {
	if r.pgbenchTPS == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f/s", r.pgbenchTPS)
}

func (r *intakeResult) ratio() float64 {
	if r.pgbenchTPS == 0 {
		return 0
	}
	return r.apiPerSec() / r.pgbenchTPS
}

// label names an intake run: "8 clients, 11 agencies".
func (r *intakeResult) label() string {
	return fmt.Sprintf("%d clients, %d agenc%s", r.clients, r.agencies, map[bool]string{true: "y", false: "ies"}[r.agencies == 1])
}

// receiving are the agencies intake clients work at: client i at
// receiving[i % len], so that clients rarely queue on one day's counter.
func receiving() []string {
	out := []string{seed.OneStopCentre}
	for _, d := range seed.Districts {
		out = append(out, d.Code)
	}
	return out
}

// intake runs -clients concurrent intakes at the 11 receiving agencies
// (BenchmarkProvince's intake).
func (h *harness) intake(b *testing.B) *intakeResult {
	return h.intakeAt(b, "", *flagClients, receiving(), *flagIntake, true)
}

// intakeAt runs clients concurrent counter intakes (ReceiveDossier of a new
// criminal-record dossier, as a clerk of one of agencies: client i at
// agencies[i % len]) through the API for d, then, with pgbench true,
// pgbench with as many clients for as long, running the statements the
// server issues for one intake (see intakeScript) on the same database.
// Sub-benchmarks are named IntakeAPI<suffix> and IntakePgbench<suffix>.
func (h *harness) intakeAt(b *testing.B, suffix string, clients int, agencies []string, d time.Duration, pgbench bool) *intakeResult {
	res := &intakeResult{clients: clients, agencies: len(agencies), duration: d}
	if res.clients < 1 || res.duration <= 0 {
		return nil
	}
	dossiers := pb.NewDossierServiceClient(h.conn)
	var done atomic.Int64
	var mu sync.Mutex
	var errs []error
	ctxs := make([]context.Context, res.clients)
	for i := range ctxs {
		ctxs[i] = h.as(b, clerkOf(agencies[i%len(agencies)]))
	}
	b.Run("IntakeAPI"+suffix, func(b *testing.B) {
		// One run of fixed duration, whatever b.N: throughput, not ns/op.
		if b.N > 1 {
			b.Skip("measured once, in the first run")
		}
		h.settle(b)
		stats := h.statementsBegin()
		cpu := cpuTime()
		pg0, pgOK := h.pgCPU()
		deadline := time.Now().Add(res.duration)
		began := time.Now()
		var wg sync.WaitGroup
		lat := make([]latencies, res.clients)
		for c := range res.clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				agency := agencies[c%len(agencies)]
				for k := 0; time.Now().Before(deadline); k++ {
					t := time.Now()
					_, err := dossiers.ReceiveDossier(ctxs[c], &pb.ReceiveDossierRequest{
						RequestId: fmt.Sprintf("bench-intake-%d-%d-%d", began.UnixNano(), c, k),
						Target:    &pb.ReceiveDossierRequest_NewDossier{NewDossier: intakeDraft(agency, c, k)},
						Channel:   pb.Channel_CHANNEL_COUNTER})
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					lat[c] = append(lat[c], time.Since(t))
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		res.apiTime = time.Since(began)
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		res.apiDone = done.Load()
		if res.apiDone > 0 {
			res.cpuPerCall = (cpuTime() - cpu) / time.Duration(res.apiDone)
			if pg1, ok := h.pgCPU(); ok && pgOK {
				res.pgCPUPerCall = (pg1 - pg0) / time.Duration(res.apiDone)
			}
		}
		for _, l := range lat {
			res.apiLatency = append(res.apiLatency, l...)
		}
		res.statements, res.perStatement = stats(res.apiDone)
		b.ReportMetric(res.apiPerSec(), "dossiers/s")
		b.ReportMetric(ms(res.apiLatency.quantile(0.5)), "ms-median")
		b.ReportMetric(ms(res.apiLatency.quantile(0.99)), "ms-p99")
		b.ReportMetric(ms(res.cpuPerCall), "ms-cpu/call")
	})
	if !pgbench {
		return res
	}

	pgb, err := exec.LookPath("pgbench")
	if err != nil {
		res.note = "pgbench not found on PATH: no baseline"
		return res
	}
	b.Run("IntakePgbench"+suffix, func(b *testing.B) {
		if b.N > 1 {
			b.Skip("measured once, in the first run")
		}
		h.settle(b)
		dir := b.TempDir()
		script := filepath.Join(dir, "intake.sql")
		if err := os.WriteFile(script, []byte(intakeScript(agencies, *flagPgbenchRows)), 0o600); err != nil {
			b.Fatal(err)
		}
		jobs := min(res.clients, numCPU())
		// The rows carry the server's clock (the end of the seeded year),
		// as the API's do: :off shifts now() to it.
		off := int64(time.Until(h.now()).Seconds())
		// Prepared statements, as the server's driver uses (pgx caches one
		// per statement and connection); a log line per transaction for
		// the latencies.
		// Request ids 'pgb<tag>-<random>' tell this run's rows apart.
		tag := fmt.Sprint(time.Now().UnixNano()/1000%1_000_000_000*100 + int64(clients))
		cmd := exec.Command(pgb, "--no-vacuum", "--protocol", "prepared", "--client", strconv.Itoa(res.clients), "--jobs", strconv.Itoa(jobs),
			"--time", strconv.Itoa(int(res.duration.Seconds())), "--define", fmt.Sprintf("off=%d", off),
			"--define", "tag="+tag, "--log", "--log-prefix", filepath.Join(dir, "txlog"), "--file", script, h.url)
		began := time.Now()
		stats := h.statementsBegin()
		pg0, pgOK := h.pgCPU()
		out, err := cmd.CombinedOutput()
		res.pgbenchTime = time.Since(began)
		if err != nil {
			b.Fatalf("pgbench: %v\n%s", err, out)
		}
		pg1, pgOK1 := h.pgCPU()
		m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
		n := regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`).FindSubmatch(out)
		f := regexp.MustCompile(`number of failed transactions: ([0-9]+)`).FindSubmatch(out)
		if m == nil || n == nil {
			b.Fatalf("pgbench output not understood:\n%s", out)
		}
		if f != nil && string(f[1]) != "0" {
			b.Fatalf("pgbench had failed transactions:\n%s", out)
		}
		res.pgbenchTPS, _ = strconv.ParseFloat(string(m[1]), 64)
		res.pgbenchDone, _ = strconv.ParseInt(string(n[1]), 10, 64)
		_, res.pgbenchStatements = stats(res.pgbenchDone)
		if res.pgbenchDone > 0 {
			if pgOK && pgOK1 {
				res.pgbenchPGCPU = (pg1 - pg0) / time.Duration(res.pgbenchDone)
			}
			res.pgbenchCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()) / time.Duration(res.pgbenchDone)
		}
		if res.pgbenchLatency, err = pgbenchLatencies(dir); err != nil {
			b.Fatal(err)
		}
		// The baseline did the whole work: a dossier, its event and slip
		// row and an idempotency record per transaction, on the server's
		// day.
		var dossiers, events, slips, requests int64
		var day string
		like := "pgb" + tag + "-%"
		err = h.db.QueryRowContext(context.Background(), `SELECT
			(SELECT count(*) FROM dossiers WHERE id IN (SELECT dossier_id FROM dossier_events WHERE request_id LIKE $1)),
			(SELECT count(*) FROM dossier_events WHERE request_id LIKE $1),
			(SELECT count(*) FROM process_control_slips WHERE dossier_id IN (SELECT dossier_id FROM dossier_events WHERE request_id LIKE $1)),
			(SELECT count(*) FROM requests WHERE request_id LIKE $1),
			(SELECT coalesce(max(split_part(code, '-', 2)), '') FROM dossiers WHERE id IN (SELECT dossier_id FROM dossier_events WHERE request_id LIKE $1))`, like).
			Scan(&dossiers, &events, &slips, &requests, &day)
		if err != nil {
			b.Fatal(err)
		}
		want := domain.CodeDay(h.now().In(h.from.Location()))
		if dossiers != res.pgbenchDone || events != dossiers || slips != dossiers || requests != dossiers || day != want {
			b.Fatalf("pgbench reported %d transactions but stored %d dossiers, %d events, %d slip rows, %d requests, day %q (want %q)",
				res.pgbenchDone, dossiers, events, slips, requests, day, want)
		}
		b.ReportMetric(res.pgbenchTPS, "transactions/s")
		b.ReportMetric(ms(res.pgbenchLatency.quantile(0.5)), "ms-median")
		b.ReportMetric(ms(res.pgbenchLatency.quantile(0.99)), "ms-p99")
	})
	return res
}

// settle starts each measured intake run, the API's and pgbench's, from the
// same state of the cluster: the tables intake writes vacuumed and analysed
// and a checkpoint just taken. Otherwise the API's run, which comes first,
// pays for the autovacuum of what was seeded or written before it, and
// the cluster's CPU per intake compares unlike work.
func (h *harness) settle(b *testing.B) {
	if h.st.Dialect() != gormstore.Postgres {
		return
	}
	for _, q := range []string{
		"VACUUM (ANALYZE) dossiers, dossier_events, process_control_slips, requests, dossier_sequences, dossier_stats",
		"CHECKPOINT",
	} {
		if _, err := h.db.ExecContext(context.Background(), q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}

// pgbenchLatencies reads the per-transaction log files pgbench --log wrote
// under dir (client_id transaction_no time_us script_no epoch epoch_us).
func pgbenchLatencies(dir string) (latencies, error) {
	files, err := filepath.Glob(filepath.Join(dir, "txlog*"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no pgbench transaction log in %s: %v", dir, err)
	}
	var out latencies
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("pgbench log line %q: %w", line, err)
			}
			out = append(out, time.Duration(us)*time.Microsecond)
		}
	}
	return out, nil
}

// statementsBegin resets pg_stat_statements (when the extension is loaded)
// and returns a function that, given the intakes done since, returns the
// statements executed per intake in this database and the most frequent
// ones. Without the extension it returns zero.
func (h *harness) statementsBegin() func(intakes int64) (float64, []statementCount) {
	ctx := context.Background()
	none := func(int64) (float64, []statementCount) { return 0, nil }
	if h.st.Dialect() != gormstore.Postgres {
		return none
	}
	if _, err := h.db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return none
	}
	if _, err := h.db.ExecContext(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		return none // not in shared_preload_libraries
	}
	return func(intakes int64) (float64, []statementCount) {
		if intakes == 0 {
			return 0, nil
		}
		rows, err := h.db.QueryContext(ctx, `SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 90), calls, total_exec_time FROM pg_stat_statements
			WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= $1 ORDER BY calls DESC, query`, intakes/2)
		if err != nil {
			return 0, nil
		}
		defer rows.Close()
		var total float64
		var out []statementCount
		for rows.Next() {
			var q string
			var calls int64
			var ms float64
			if rows.Scan(&q, &calls, &ms) != nil {
				return 0, nil
			}
			c := float64(calls) / float64(intakes)
			total += c
			out = append(out, statementCount{q, c, time.Duration(ms * float64(time.Millisecond) / float64(calls))})
		}
		return total, out
	}
}

func intakeDraft(agency string, c, k int) *pb.DossierDraft {
	id := fmt.Sprintf("0800%02d%06d", 90+c%10, k%1000000)
	return &pb.DossierDraft{ProcedureCode: seed.ProcCriminal, AgencyCode: agency,
		Applicant: &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: id, Name: "Nguyễn Văn Bench",
			Phone: "0912345678", Address: "Xã An Hòa, " + agency},
		Summary: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam — Nguyễn Văn Bench",
		Components: []*pb.DossierComponent{
			// The form handed in on paper: a scan at intake must be
			// uploaded first (DocumentService), which is not intake.
			{Code: "TK-LLTP", Source: pb.ComponentSource_COMPONENT_SOURCE_PAPER},
			{Code: "CCCD", Source: pb.ComponentSource_COMPONENT_SOURCE_REUSED, ReusedFrom: "csdlqg-dan-cu:" + id},
		},
		ReturnChannel: pb.Channel_CHANNEL_COUNTER}
}

// intakeScript is a pgbench transaction making the same statements, with
// rows of the same shape and size, as the server makes for one counter
// intake (ReceiveDossier of a new dossier): look up the idempotency record
// (before the transaction; the agency and the procedure's agency subtree
// come from the server's caches), then in one transaction take the day's number, insert the dossier and its first slip
// row, upsert the daily, monthly and yearly aggregate rows (one statement), append
// the event (with a sealed state of the stored size, 390 bytes), read the enabled webhook subscriptions (the outbox hook) and
// record the answer — the statements pg_stat_statements counts for an API
// intake (BenchmarkSpeed prints them). The server sends the five inserts
// as one WITH statement at the end of its transaction (its deferred
// writes, gormstore/deferred.go), and so does the script; rowByRow
// (-pgbench-rows) sends them one statement each, as the server did
// before. Client i works at agency i mod
// len(agencies), as the API clients do. Ids are derived from a random number so that every
// statement of a transaction names the same dossier; times are now()
// moved to the server's clock (the variable off, in seconds).
func intakeScript(agencies []string, rowByRow bool) string {
	quoted := make([]string, len(agencies))
	for i, a := range agencies {
		quoted[i] = "'" + a + "'"
	}
	ag := fmt.Sprintf("(ARRAY[%s])[:client_id %% %d + 1]", strings.Join(quoted, ", "), len(agencies))
	day := `to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD')`
	dayISO := `to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')`
	month := `to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM')`
	year := `to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')`
	did := `md5('d' || :rid)::uuid`
	metrics := `filed, awaiting_intake, not_accepted, received, running, paused, resolved_on_time, resolved_late, withdrawn, stopped,
  returned, supplement_dossiers, supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions,
  digitised_dossiers, components_total, components_digitised, components_reused, components_paper, electronic_results, processing_minutes`
	var set []string
	for _, m := range strings.Split(strings.NewReplacer("\n", "", " ", "").Replace(metrics), ",") {
		set = append(set, fmt.Sprintf("%s = dossier_stats.%s + excluded.%s", m, m, m))
	}
	// The daily, monthly and yearly rows in one statement, as gormstore's
	// ApplyStats writes them.
	stats := fmt.Sprintf(`INSERT INTO dossier_stats (period, agency_code, day, procedure_code, field_code, channel, filed_by, %s)
  VALUES ('D', %s, %s, '1.001193', 'G12-LLTP', 1, 3, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 1, 0, 0, 0),
  ('M', %s, %s, '1.001193', 'G12-LLTP', 1, 3, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 1, 0, 0, 0),
  ('Y', %s, %s, '1.001193', 'G12-LLTP', 1, 3, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 1, 0, 0, 0)
  ON CONFLICT (period, agency_code, day, procedure_code, channel, filed_by) DO UPDATE SET %s`,
		metrics, ag, dayISO, ag, month, ag, year, strings.Join(set, ", "))
	applicant := `'{"kind":1,"id_number":"080090123456","name":"Nguyễn Văn Bench","phone":"0912345678","address":"Xã An Hòa, 000.00.01.H55"}'`
	components := `'[{"code":"TK-LLTP","source":1},{"code":"CCCD","source":4,"reused_from":"csdlqg-dan-cu:080090123456"}]'`
	details := `'{"clock_start":"received during working hours; clock starts at receipt","code":"000.00.01.H55-261127-0001","due_at":"2026-12-11T08:00:00Z","procedure_version":"1"}'`
	hash := "'" + strings.Repeat("ab", 32) + "'"
	seq := fmt.Sprintf(`INSERT INTO dossier_sequences (agency_code, day, last_value) VALUES (%s, %s, 1)
  ON CONFLICT (agency_code, day) DO UPDATE SET last_value = dossier_sequences.last_value + 1 RETURNING last_value \gset`, ag, day)
	dossier := fmt.Sprintf(`INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number,
  applicant, representative_id_number, representative, channel, filed_by, status, resume_status, summary, components,
  submitted_at, received_at, clock_started_at, due_at, original_due_at, paused_working_seconds, paused_at, step_index,
  step_name, step_unit_code, step_assignee, step_started_at, step_due_at, result, return_channel, finished_at, returned_at,
  identity, supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes,
  version, last_event_seq, last_event_hash, created_at, updated_at)
  VALUES (%s, %s || '-' || %s || '-' || lpad(:last_value::text, greatest(4, length(:last_value::text)), '0'), '1.001193', 1, %s, 1, '080090123456', %s, NULL, NULL,
  1, 3, 2, 0, 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam — Nguyễn Văn Bench', %s, NULL, now(), now(),
  now() + interval '14 days', now() + interval '14 days', 0, NULL, 0, 'Tiếp nhận và chuyển hồ sơ', '000.00.01.H55', '',
  now(), now() + interval '4 hours', NULL, 1, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, 1, 1, %s, now(), now())`,
		did, ag, day, ag, applicant, components, hash)
	slip := fmt.Sprintf(`INSERT INTO process_control_slips (dossier_id, step_index, step_name, unit_code, role, assignee, started_at, due_at, finished_at, outcome)
  VALUES (%s, 0, 'Tiếp nhận và chuyển hồ sơ', '000.00.01.H55', 4, '', now(), now() + interval '4 hours', NULL, 0)
  ON CONFLICT (dossier_id, step_index) DO UPDATE SET step_name = excluded.step_name, unit_code = excluded.unit_code,
  role = excluded.role, assignee = excluded.assignee, started_at = excluded.started_at, due_at = excluded.due_at,
  finished_at = excluded.finished_at, outcome = excluded.outcome`, did)
	event := fmt.Sprintf(`INSERT INTO dossier_events (id, dossier_id, seq, action, from_status, to_status, step_index, occurred_at, note,
  request_id, channel, actor_id, actor_role, actor_agency, actor_kind, assurance, on_behalf_of, mandate_ref, source_system,
  client_address, dossier_version, details, state_z, prev_hash, hash)
  VALUES (md5('e' || :rid)::uuid, %s, 1, 2, 0, 2, 0, now(), '', 'pgb' || :tag || '-' || :rid, 1, 'pgbench-clerk-' || :client_id, 4, %s, 3, 1,
  '', '', '', '127.0.0.1:40000', 1, %s, convert_to(repeat('s', 390), 'UTF8'), '', %s)`, did, ag, details, hash)
	request := fmt.Sprintf(`INSERT INTO requests (principal, request_id, method, request_hash, response, created_at)
  VALUES ('pgbench-clerk-' || :client_id, 'pgb' || :tag || '-' || :rid, '/motcua.v1.DossierService/ReceiveDossier', %s,
  convert_to(repeat('x', 1400), 'UTF8'), now())`, hash)
	// The webhooks' outbox hook reads the enabled subscriptions in every
	// mutation (none here, as in a store without webhooks).
	webhooks := `SELECT * FROM webhook_subscriptions WHERE enabled ORDER BY created_at, id`
	lines := []string{
		`\set rid random(1, 4000000000000000000)`,
		// The idempotency look-up, before the transaction as app.Mutate
		// makes it.
		`SELECT * FROM requests WHERE principal = 'pgbench-clerk-' || :client_id AND request_id = 'pgb' || :tag || '-' || :rid LIMIT 1`,
		`BEGIN`, seq,
	}
	if rowByRow {
		lines = append(lines, dossier, slip, stats, event, webhooks, request)
	} else {
		// The server's deferred writes (gormstore/deferred.go): the rows
		// in one statement at the end of the transaction.
		lines = append(lines, webhooks, "WITH d AS ("+dossier+"), s AS ("+slip+"), a AS ("+stats+"), e AS ("+event+") "+request)
	}
	var script strings.Builder
	for _, l := range append(lines, `END`) {
		script.WriteString(l)
		if !strings.HasPrefix(l, `\`) && !strings.HasSuffix(l, `\gset`) { // meta-commands end at the line
			script.WriteString(";")
		}
		script.WriteString("\n")
	}
	// Every time is the server's clock: now() shifted by :off seconds.
	return strings.ReplaceAll(script.String(), "now()", "(now() + :off::int * interval '1 second')")
}
