package gormstore_test

import (
	"context"
	"path/filepath"
	"testing"

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

// TestMigrationsKeepData loads data at version 1 and checks it after
// migrating to the latest version, on both engines.
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
			if err := s.CreateAgency(ctx, storetest.Agency("000.00.01.H55", "")); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateProcedure(ctx, storetest.Procedure("1.000001", "000.00.01.H55")); err != nil {
				t.Fatal(err)
			}
			d := storetest.Dossier("000.00.01.H55", "1.000001", 1)
			if err := s.CreateDossier(ctx, d); err != nil {
				t.Fatal(err)
			}
			applied, err := s.Migrate(ctx)
			if err != nil || len(applied) == 0 {
				t.Fatalf("migrate: %v %v", applied, err)
			}
			got, err := s.GetDossierByCode(ctx, d.Code)
			if err != nil || got.ID != d.ID || !got.OriginalDueAt.Equal(d.OriginalDueAt) {
				t.Fatalf("after migration: %+v %v", got, err)
			}
			// The new tables work with the old rows.
			if err := s.PutSlipRow(ctx, &domain.SlipRow{DossierID: d.ID, StartedAt: d.ReceivedAt, DueAt: d.DueAt}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
