package gormstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, url string, migrate bool) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if migrate {
		if _, err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestConformanceSQLiteFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, "sqlite:"+filepath.Join(t.TempDir(), "motcua.db"), true)
	})
}

func TestConformanceSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, "memory", true) })
}

func TestConformancePostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, pgtest.NewDatabase(t), false) })
}

// TestMigrationsKeepData loads fixture rows written for schema version 1
// (plain SQL, as an old release would have left them) and checks they read
// back correctly after migrating to the latest version, on both engines.
func TestMigrationsKeepData(t *testing.T) {
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") },
		"postgres": func(t *testing.T) string { return pgtest.NewEmptyDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, url(t), false)
			if err := s.MigrateTo(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if cur, _, _ := s.SchemaStatus(ctx); cur != 1 {
				t.Fatalf("at version %d", cur)
			}
			ts := "2026-02-13 02:00:00+00:00"
			fixtures := []string{
				`INSERT INTO agencies (code, name, time_zone, working_hours, created_at) VALUES ('000.00.01.H55', 'Centre', 'Asia/Ho_Chi_Minh', '[]', '` + ts + `')`,
				`INSERT INTO procedures (code, name, field_code, field_name, agency_code, created_at) VALUES ('1.000001', 'P', 'F', 'Field', '000.00.01.H55', '` + ts + `')`,
				`INSERT INTO procedure_versions (procedure_code, version, effective_at, service_level, statutory_minutes, fees, components, workflow, created_at)
				 VALUES ('1.000001', 1, '` + ts + `', 1, 1440, '[]', '[]', '[]', '` + ts + `')`,
				`INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
				 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
				 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at)
				 VALUES ('0190a1b2-0000-7000-8000-000000000009', '000.00.01.H55-260213-0001', '1.000001', 1, '000.00.01.H55', 1, '001090000001',
				 '{"kind":1,"id_number":"001090000001","name":"A"}', 1, 3, 2, 's', '[]', '` + ts + `', '` + ts + `', '2026-02-25 02:00:00+00:00',
				 '2026-02-25 02:00:00+00:00', -1, '', '', '', 1, 1, 1, 'h1', '` + ts + `', '` + ts + `')`,
			}
			for _, f := range fixtures {
				if err := s.DB().Exec(f).Error; err != nil {
					t.Fatalf("fixture at version 1: %v\n%s", err, f)
				}
			}
			applied, err := s.Migrate(ctx)
			if err != nil || len(applied) == 0 {
				t.Fatalf("migrate: %v %v", applied, err)
			}
			got, err := s.GetDossierByCode(ctx, "000.00.01.H55-260213-0001")
			if err != nil {
				t.Fatal(err)
			}
			due := time.Date(2026, 2, 25, 2, 0, 0, 0, time.UTC)
			if got.Applicant.Name != "A" || !got.OriginalDueAt.Equal(due) || got.Status != domain.StatusReceived ||
				got.SupplementRounds != 0 || got.ProcessingMinutes != nil || got.ResumeStatus != 0 {
				t.Fatalf("after migration: %+v", got)
			}
			// The new tables work with the old rows.
			if err := s.PutSlipRow(ctx, &domain.SlipRow{DossierID: got.ID, StartedAt: got.ReceivedAt, DueAt: got.DueAt}); err != nil {
				t.Fatal(err)
			}
			got.SupplementRounds, got.Version = 1, 2
			if err := s.UpdateDossier(ctx, got, 1); err != nil {
				t.Fatal(err)
			}
		})
	}
}
