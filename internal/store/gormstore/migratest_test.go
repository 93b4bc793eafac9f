package gormstore_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	report "github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// Migration tests in the style of Keto's migratest: for every migration
// version V there is a fixture, testdata/migratest/<dialect>/V_testdata.sql,
// holding rows as a release at schema version V would have written them
// (plain SQL, not the current code), and a check, checks[V], that reads them
// back through the store at head. The test migrates one version at a time,
// loads that version's fixture, and after every step checks that no row of
// any earlier fixture was lost; at head it runs every check. A migration
// without a fixture or a check fails the test.

var migrationFile = regexp.MustCompile(`^(\d+)_.*\.sql$`)

// versions lists the migration versions of a dialect, from the source tree.
func versions(t *testing.T, dialect string) []int64 {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	var vs []int64
	for _, e := range entries {
		m := migrationFile.FindStringSubmatch(e.Name())
		if m == nil {
			t.Fatalf("migrations/%s/%s is not named NNNNN_name.sql", dialect, e.Name())
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// fixture returns the statements of a version's fixture.
func fixture(t *testing.T, dialect string, v int64) []string {
	t.Helper()
	path := filepath.Join("testdata", "migratest", dialect, fmt.Sprintf("%05d_testdata.sql", v))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("migration %d has no fixture: write %s with rows as that version would store them (%v)", v, path, err)
	}
	return statements(t, path)
}

// statements returns the SQL statements of a file, each ending with ';' at a
// line end; lines starting with "--" are comments.
func statements(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	var cur []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur = append(cur, line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(strings.Join(cur, "\n")), ";"))
			cur = nil
		}
	}
	if strings.TrimSpace(strings.Join(cur, "")) != "" || len(stmts) == 0 {
		t.Fatalf("%s: statements must end with ';' at a line end", path)
	}
	return stmts
}

// checks[V] reads the rows of fixture V back through the store at head.
var checks = map[int64]func(t *testing.T, s *gormstore.Store){
	1:  checkV1,
	2:  checkV2,
	3:  checkV3,
	4:  checkV4,
	5:  checkV5,
	6:  checkV6,
	7:  checkV7,
	8:  checkV8,
	9:  checkV9,
	10: checkV10,
	11: checkV11,
	12: checkV12,
	13: checkV13,
	14: checkV14,
	16: checkV16,
	17: checkV17,
	18: checkV18,
	19: checkV19,
}

var (
	fixtureDay = time.Date(2026, 2, 13, 2, 0, 0, 0, time.UTC)
	dossierV1  = "0190a1b2-0000-7000-8000-000000000009"
	dossierV4  = "0190a1b2-0000-7000-8000-000000000010"
)

func checkV1(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	a, err := s.GetAgency(ctx, "000.01.01.H55")
	if err != nil || a.ParentCode != "000.00.01.H55" || len(a.WorkingHours) != 1 || a.WorkingHours[0].End != 720 {
		t.Fatalf("agency: %+v %v", a, err)
	}
	p, err := s.GetProcedure(ctx, "1.000001")
	if err != nil || len(p.Versions) != 1 || p.Versions[0].StatutoryMinutes != 1440 || !p.Versions[0].EffectiveAt.Equal(fixtureDay) {
		t.Fatalf("procedure: %+v %v", p, err)
	}
	got, err := s.GetDossierByCode(ctx, "000.00.01.H55-260213-0001")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 2, 25, 2, 0, 0, 0, time.UTC)
	// Columns added later read as their defaults.
	if got.ID != dossierV1 || got.Applicant.Name != "A" || !got.OriginalDueAt.Equal(due) || got.Status != domain.StatusReceived ||
		got.SupplementRounds != 0 || got.ProcessingMinutes != nil || got.ResumeStatus != 0 {
		t.Fatalf("dossier: %+v", got)
	}
	evs, err := s.ListEvents(ctx, dossierV1, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Action != domain.ActionReceive || evs[0].Attribution.ActorRole != domain.RoleClerk ||
		evs[0].Attribution.ActorKind != domain.ActorStaff || evs[0].Details["code"] != got.Code || !evs[0].At.Equal(fixtureDay) {
		t.Fatalf("events: %+v %v", evs, err)
	}
	r, err := s.GetRequest(ctx, "clerk1", "r1")
	if err != nil || !bytes.Equal(r.Response, []byte{0, 255}) || r.RequestHash != "abc" {
		t.Fatalf("request: %+v %v", r, err)
	}
	// Intake continues the old counter; an old dossier takes a new version.
	if n, err := s.NextSequence(ctx, "000.00.01.H55", "260213"); err != nil || n != 2 {
		t.Fatalf("sequence after the fixture's 1: %d %v", n, err)
	}
	got.SupplementRounds, got.Version = 1, 2
	if err := s.UpdateDossier(ctx, got, 1); err != nil {
		t.Fatal(err)
	}
}

func checkV2(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	rows, err := s.ListSlip(ctx, dossierV1)
	if err != nil || len(rows) != 1 || rows[0].Role != domain.RoleSpecialist || rows[0].Outcome != domain.SlipFinished ||
		rows[0].Timeliness(fixtureDay) != domain.Late || rows[0].StepName != "Thẩm định" {
		t.Fatalf("slip: %+v %v", rows, err)
	}
	ys, err := s.ListCalendarYears(ctx, []string{domain.NationalScope})
	if err != nil || len(ys) != 1 || len(ys[0].Days) != 1 || ys[0].Days[0].Name != "Tết" || ys[0].UpdatedBy != "admin" {
		t.Fatalf("calendar: %+v %v", ys, err)
	}
}

func checkV3(t *testing.T, s *gormstore.Store) {
	as, err := s.ListAccesses(context.Background(), store.AccessFilter{DossierID: dossierV1}, 10)
	if err != nil || len(as) != 1 || as[0].ActorID != "cv1" || as[0].Purpose != "thẩm định" ||
		as[0].DossierCode != "000.00.01.H55-260213-0001" || as[0].ActorRole != domain.RoleSpecialist {
		t.Fatalf("accesses: %+v %v", as, err)
	}
}

func checkV4(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	d, err := s.GetDossier(ctx, dossierV4)
	if err != nil || d.Status != domain.StatusResolved || d.SupplementRounds != 2 || d.PaymentsOnline != 1 ||
		d.ProcessingMinutes == nil || *d.ProcessingMinutes != 600 {
		t.Fatalf("dossier: %+v %v", d, err)
	}
	k := report.Key{Agency: "000.00.01.H55", Procedure: "1.000001", Field: "F", Channel: domain.ChannelOnline,
		FiledBy: domain.ActorCitizen, Day: "2026-02-14"}
	vecs, durs, err := s.ListStatRows(ctx, report.Day)
	if err != nil || len(vecs) != 1 || vecs[k][report.Filed] != 1 || vecs[k][report.ProcessingMinutes] != 600 || durs[k][9] != 1 {
		t.Fatalf("stat rows: %v %v %v", vecs, durs, err)
	}
	units, err := s.ListUnitStatRows(ctx, report.Day)
	if u := units[[2]string{"000.01.01.H55", "2026-02-13"}]; err != nil || len(units) != 1 || u.Late != 1 || u.LateMinutes != 60 {
		t.Fatalf("unit rows: %v %v", units, err)
	}
	// The aggregates keep counting on top of the old rows.
	if err := s.ApplyStats(ctx, []report.Delta{{Key: k, Vector: report.Vector{report.Filed: 1}}}); err != nil {
		t.Fatal(err)
	}
	if vecs, _, _ := s.ListStatRows(ctx, report.Month); vecs[report.Key{Agency: k.Agency, Procedure: k.Procedure, Field: k.Field,
		Channel: k.Channel, FiledBy: k.FiledBy, Day: "2026-02"}][report.Filed] != 2 {
		t.Fatalf("month row after a new delta: %v", vecs)
	}
}

func checkV5(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	cp, err := s.GetCheckpoint(ctx, 0)
	if err != nil || cp.Seq != 1 || cp.TreeSize != 1 || cp.RootHash != "cm9vdA==" || !strings.HasPrefix(cp.Note, "motcua checkpoint v1\nfixture\n") ||
		!cp.CreatedAt.Equal(time.Date(2026, 2, 16, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("checkpoint: %+v %v", cp, err)
	}
	leaves, err := s.ListCheckpointLeaves(ctx, 1, "", 10)
	if err != nil || len(leaves) != 1 || leaves[0].DossierID != dossierV4 || leaves[0].LastSeq != 5 || leaves[0].LastHash != "h5" {
		t.Fatalf("leaves: %+v %v", leaves, err)
	}
}

func checkV6(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	as, err := s.ListAccesses(ctx, store.AccessFilter{ActorKey: "https://sso.example|staff|cv6"}, 10)
	if err != nil || len(as) != 1 || as[0].ActorID != "cv6" || as[0].Purpose != "kiểm tra" {
		t.Fatalf("accesses by key: %+v %v", as, err)
	}
	// The read logged before identity keys (fixture 3) has none: it is not
	// anyone's self-view, but stays in the dossier's log.
	if as, err := s.ListAccesses(ctx, store.AccessFilter{ActorKey: "|staff|cv1"}, 10); err != nil || len(as) != 0 {
		t.Fatalf("an old read matched a key: %+v %v", as, err)
	}
	if as, err := s.ListAccesses(ctx, store.AccessFilter{DossierID: dossierV1}, 10); err != nil || len(as) != 1 || as[0].ActorKey != "" {
		t.Fatalf("the dossier's log: %+v %v", as, err)
	}
}

func checkV7(t *testing.T, s *gormstore.Store) {
	ds, err := s.ListDossiers(context.Background(), store.DossierFilter{UpdatedSince: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), ScopeAll: true}, 10)
	// The version-1 dossier was written at head by checkV1 (with its own
	// clock), so only the version-4 one is certain to be there.
	found := false
	for _, d := range ds {
		found = found || d.ID == dossierV4
	}
	if err != nil || !found {
		t.Fatalf("dossiers updated since 1 March 2026: %+v %v", ds, err)
	}
}

func checkV11(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	const sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	b, err := s.GetBlob(ctx, sha)
	if err != nil || b.Size != 1234 || b.MediaType != "application/pdf" || !b.CreatedAt.Equal(time.Date(2026, 2, 17, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("blob: %+v %v", b, err)
	}
	if ok, err := s.UploadedBy(ctx, "dev|citizen|c11", sha); err != nil || !ok {
		t.Fatalf("upload by its owner: %v %v", ok, err)
	}
	// Referenced: the collector leaves it.
	if list, err := s.ListUnreferencedBlobs(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 10); err != nil || len(list) != 0 {
		t.Fatalf("unreferenced: %+v %v", list, err)
	}
	f, err := s.GetResultFetch(ctx, dossierV4, "KQ")
	if err != nil || f.FetchedBy != "dev|citizen|c11" || !f.At.Equal(time.Date(2026, 2, 18, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("first fetch: %+v %v", f, err)
	}
}

func checkV12(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	ids, err := s.ListIdentityPending(ctx, "", 10)
	if err != nil || !slices.Contains(ids, dossierV4) {
		t.Fatalf("pending identity checks: %v %v", ids, err)
	}
	d, err := s.GetDossier(ctx, dossierV4)
	if err != nil || !d.Identity.Pending() || d.Identity.Applicant.Problem != "POPULATION_DB_UNAVAILABLE" {
		t.Fatalf("pending dossier: %+v %v", d, err)
	}
	if d.Form["ten_doanh_nghiep"] != "An Phát" || d.Handoff == nil || d.Handoff.EnterpriseCode != "0100000001" ||
		d.Handoff.Status != domain.HandoffSent {
		t.Fatalf("form and hand-off: %+v %+v", d.Form, d.Handoff)
	}
	if ids, err := s.ListHandoffs(ctx, domain.HandoffSent, "", 10); err != nil || !slices.Contains(ids, dossierV4) {
		t.Fatalf("hand-offs sent: %v %v", ids, err)
	}
	p, err := s.GetProcedure(ctx, d.ProcedureCode)
	if err != nil || p.Version(d.ProcedureVersion) == nil || len(p.Version(d.ProcedureVersion).Form) != 1 ||
		!p.Version(d.ProcedureVersion).Form[0].Required {
		t.Fatalf("procedure version form: %+v %v", p, err)
	}
	qs, err := s.ListPopulationQueries(ctx, store.PopulationQueryFilter{DossierID: dossierV4}, 10)
	if err != nil || len(qs) != 1 || qs[0].Outcome != "FAILED" || qs[0].ActorRole != domain.RoleSystem ||
		!qs[0].At.Equal(time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("query log: %+v %v", qs, err)
	}
}

func checkV13(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	k := report.Key{Agency: "000.00.01.H55", Procedure: "1.000001", Field: "F", Channel: domain.ChannelOnline,
		FiledBy: domain.ActorCitizen, Day: "2026-02-14"}
	vecs, _, err := s.ListStatRows(ctx, report.Day)
	if v := vecs[k]; err != nil || v[report.IdentityChecked] != 1 || v[report.IdentityPending] != 1 || v[report.Handoffs] != 1 ||
		v[report.HandoffsAcknowledged] != 1 || v[report.IdentityVerified] != 0 {
		t.Fatalf("stat rows: %v %v", vecs, err)
	}
	// The check's answer moves the new columns like the old ones.
	if err := s.ApplyStats(ctx, []report.Delta{{Key: k, Vector: report.Vector{report.IdentityPending: -1, report.IdentityVerified: 1,
		report.PrefilledDossiers: 1, report.PrefilledFields: 2}}}); err != nil {
		t.Fatal(err)
	}
	vecs, _, err = s.ListStatRows(ctx, report.Month)
	if v := vecs[report.Key{Agency: k.Agency, Procedure: k.Procedure, Field: k.Field, Channel: k.Channel, FiledBy: k.FiledBy, Day: "2026-02"}]; err != nil ||
		v[report.IdentityPending] != 0 || v[report.IdentityVerified] != 1 || v[report.PrefilledFields] != 2 || v[report.IdentityChecked] != 1 {
		t.Fatalf("month row after a delta: %v %v", vecs, err)
	}
}

func checkV9(t *testing.T, s *gormstore.Store) {
	// The event stored before the feed existed (fixture 1, backfilled) comes
	// first, then the one stored at version 9; later fixtures' events (18)
	// come after them. A transaction elsewhere on the server may hold the
	// PostgreSQL horizon back a moment.
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, horizon, err := s.ReadFeed(ctx, store.FeedFilter{ScopeAll: true}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= 2 {
			if evs[0].ID != "0190a1b2-0000-7000-8000-0000000000e1" || evs[1].ID != "0190a1b2-0000-7000-8000-0000000000e9" ||
				!evs[0].Position.Less(evs[1].Position) || horizon.Less(evs[1].Position) || evs[1].DossierCode == "" || evs[1].Note != "v9" {
				t.Fatalf("feed: %+v (horizon %+v)", evs, horizon)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("feed holds %d events, want at least 2: %+v", len(evs), evs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkV10(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	st, err := s.GetSyncState(ctx, dossierV4)
	if err != nil || st.WantedVersion != 2 || st.AckedVersion != 1 || st.Attempts != 7 || st.LastError != "HTTP 503" ||
		!st.DeadLetteredAt.Equal(time.Date(2026, 3, 2, 1, 0, 5, 0, time.UTC)) || !st.Pending() {
		t.Fatalf("sync state: %+v %v", st, err)
	}
	cs, err := s.ListSyncChanges(ctx, store.SyncFilter{DossierID: dossierV4}, time.Time{}, time.Time{})
	if err != nil || len(cs) != 2 {
		t.Fatalf("sync changes: %+v %v", cs, err)
	}
	acked := 0
	for _, c := range cs {
		if !c.AckedAt.IsZero() {
			acked++
		}
	}
	if acked != 1 {
		t.Fatalf("acknowledged changes: %d of %+v", acked, cs)
	}
	r, err := s.GetReconciliation(ctx, "0190a1b2-0000-7000-8000-0000000000f0")
	if err != nil || r.Divergent != 1 || len(r.Findings) != 1 || r.Findings[0].Fields[0].Portal != "2" {
		t.Fatalf("reconciliation: %+v %v", r, err)
	}
}

func checkV8(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	w, err := s.GetWebhook(ctx, "wh-v8")
	if err != nil || w.Endpoint != "https://portal.example/hooks" || !w.Enabled || w.ConsecutiveFailures != 2 || w.Version != 3 ||
		len(w.Secrets) != 2 || w.Secrets[0].ExpiresAt.IsZero() || !w.Secrets[1].ExpiresAt.IsZero() ||
		len(w.EventTypes) != 1 || w.AgencyCodes[0] != "000.00.01.H55" || w.FailingSince.IsZero() {
		t.Fatalf("webhook: %+v %v", w, err)
	}
	if live := w.LiveSecrets(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)); len(live) != 1 {
		t.Fatalf("secrets live after the overlap: %d", len(live))
	}
	ds, err := s.ListWebhookDeliveries(ctx, "wh-v8", 0, 10)
	if err != nil || len(ds) != 1 || ds[0].StatusCode != 503 || ds[0].Latency != 42*time.Millisecond {
		t.Fatalf("deliveries: %+v %v", ds, err)
	}
	last, claimed, err := s.ClaimWebhookCursor(ctx, "wh-v8", dossierV4, "owner-v8", 0, time.Now(), time.Now().Add(time.Minute))
	if err != nil || !claimed || last != 1 {
		t.Fatalf("cursor: %d %v %v", last, claimed, err)
	}
}

// rowCounts counts the rows of every table (but goose's own).
func rowCounts(t *testing.T, s *gormstore.Store) map[string]int64 {
	t.Helper()
	tables, err := s.DB().Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tb := range tables {
		if tb == "goose_db_version" || strings.HasPrefix(tb, "sqlite_") {
			continue
		}
		var n int64
		if err := s.DB().Table(tb).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

func TestMigrationsKeepData(t *testing.T) {
	for _, dialect := range []string{gormstore.Postgres, gormstore.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var url string
			if dialect == gormstore.Postgres {
				url = pgtest.NewEmptyDatabase(t)
			} else {
				url = "sqlite:" + filepath.Join(t.TempDir(), "m.db")
			}
			s := open(t, url, false)
			vs := versions(t, dialect)
			if _, head, err := s.SchemaStatus(ctx); err != nil || head != vs[len(vs)-1] {
				t.Fatalf("head %d, migrations on disk end at %d (%v)", head, vs[len(vs)-1], err)
			}
			var before map[string]int64
			for _, v := range vs {
				if checks[v] == nil {
					t.Fatalf("migration %d has no check: add checks[%d] reading its fixture back at head", v, v)
				}
				if err := s.MigrateTo(ctx, v); err != nil {
					t.Fatalf("migrate to %d: %v", v, err)
				}
				if cur, _, _ := s.SchemaStatus(ctx); cur != v {
					t.Fatalf("at version %d, want %d", cur, v)
				}
				// The step kept every row loaded so far (a backfill may add
				// rows: migration 17 sums the monthly aggregates into yearly
				// ones).
				after := rowCounts(t, s)
				for tb, n := range before {
					if after[tb] < n {
						t.Fatalf("migration %d: table %s has %d rows, had %d", v, tb, after[tb], n)
					}
				}
				for _, stmt := range fixture(t, dialect, v) {
					if err := s.DB().Exec(stmt).Error; err != nil {
						t.Fatalf("fixture at version %d: %v\n%s", v, err, stmt)
					}
				}
				before = rowCounts(t, s)
			}
			for _, v := range vs {
				t.Run(fmt.Sprint("v", v), func(t *testing.T) { checks[v](t, s) })
			}
		})
	}
}

// TestEveryFixtureHasAMigration keeps the fixtures and the migrations in step
// the other way round: a fixture for a version no dialect has is a typo.
func TestEveryFixtureHasAMigration(t *testing.T) {
	for _, dialect := range []string{gormstore.Postgres, gormstore.SQLite} {
		vs := versions(t, dialect)
		files, _ := filepath.Glob(filepath.Join("testdata", "migratest", dialect, "*.sql"))
		if len(files) != len(vs) {
			t.Fatalf("%s: %d fixtures for %d migrations: %v", dialect, len(files), len(vs), files)
		}
		for _, f := range files {
			v, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
			if err != nil || !slices.Contains(vs, v) {
				t.Fatalf("%s names no migration", f)
			}
		}
	}
}

func checkV14(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	ids, err := s.ListMandatePending(ctx, "", 10)
	if err != nil || !slices.Contains(ids, dossierV4) {
		t.Fatalf("pending mandate checks: %v %v", ids, err)
	}
	d, err := s.GetDossier(ctx, dossierV4)
	if err != nil || d.Representative == nil || !d.Representative.MandateCheck.Pending() ||
		d.Representative.MandateCheck.Reason != "MANDATE_REGISTRY_UNAVAILABLE" || d.Representative.MandateRef != "UQ-2026-0001" {
		t.Fatalf("pending mandate: %+v %v", d, err)
	}
}

// checkV18: an event's state reads back from either column — the JSON one
// of every release before 18, and the compact one 18 writes.
func checkV18(t *testing.T, s *gormstore.Store) {
	evs, err := s.ListEvents(context.Background(), "0190a1b2-0000-7000-8000-000000000018", 0, 10)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events: %+v %v", evs, err)
	}
	if !maps.Equal(evs[0].State, map[string]string{"code": "000.00.01.H55-260301-0018", "status": "2"}) {
		t.Fatalf("state in the JSON column: %v", evs[0].State)
	}
	if !maps.Equal(evs[1].State, map[string]string{"code": "000.00.01.H55-260301-0018", "status": "4", "step_name": "Thụ lý"}) {
		t.Fatalf("compact state: %v", evs[1].State)
	}
	// The feed reads its own columns (feed.go): both states there too.
	feed, _, err := s.ReadFeed(context.Background(), store.FeedFilter{ScopeAll: true}, 100)
	var got []map[string]string
	for _, f := range feed {
		if f.DossierID == evs[0].DossierID {
			got = append(got, f.State)
		}
	}
	if err != nil || len(got) != 2 || !maps.Equal(got[0], evs[0].State) || !maps.Equal(got[1], evs[1].State) {
		t.Fatalf("feed states: %v %v", got, err)
	}
}

// checkV19: every fixture's dossier, listed newest first by filing time
// and by receipt two at a time (DossierFilter.NewestBy, the indexes of
// migration 19), comes once and in order; the two of fixture 19, filed and
// received at the same instants, by id.
func checkV19(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	bound := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		order store.TimeOrder
		f     store.DossierFilter
		at    func(d *domain.Dossier) time.Time
	}{
		{store.ByFiling, store.DossierFilter{ScopeAll: true, FiledTo: bound}, func(d *domain.Dossier) time.Time { return d.CreatedAt }},
		{store.ByReceipt, store.DossierFilter{ScopeAll: true, ReceivedTo: bound}, func(d *domain.Dossier) time.Time { return d.ReceivedAt }},
	} {
		all, err := s.ListDossiers(ctx, c.f, 100)
		if err != nil {
			t.Fatal(err)
		}
		f := c.f
		f.NewestBy = c.order
		var got []domain.Dossier
		for {
			page, err := s.ListDossiers(ctx, f, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			f.AfterTime, f.AfterID = c.at(&page[len(page)-1]), page[len(page)-1].ID
		}
		if len(got) != len(all) || len(got) < 4 {
			t.Fatalf("order %d: listed %d of %d", c.order, len(got), len(all))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if c.at(&b).After(c.at(&a)) || (c.at(&b).Equal(c.at(&a)) && b.ID >= a.ID) {
				t.Fatalf("order %d: out of order at %d: %s %v, then %s %v", c.order, i, a.ID, c.at(&a), b.ID, c.at(&b))
			}
		}
		if c.order == store.ByFiling && (got[0].ID != "0190a1b2-0000-7000-8000-0000000019a2" || got[1].ID != "0190a1b2-0000-7000-8000-0000000019a1") {
			t.Fatalf("filed at the same instant: %s, %s", got[0].ID, got[1].ID)
		}
	}
}
