package gormstore_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store"
	"github.com/motcua/motcua/internal/store/gormstore"
)

const dossierV16 = "0190a1b2-0000-7000-8000-000000000016"

// flagged lists the ids of the dossiers with each figure flag of migration 16.
func flagged(t *testing.T, s *gormstore.Store) (digitised, electronic []string) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		f   store.DossierFilter
		out *[]string
	}{
		{store.DossierFilter{ScopeAll: true, Digitised: true}, &digitised},
		{store.DossierFilter{ScopeAll: true, ElectronicResult: true}, &electronic},
	} {
		ds, err := s.ListDossiers(ctx, c.f, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			*c.out = append(*c.out, d.ID)
		}
		slices.Sort(*c.out)
	}
	return digitised, electronic
}

func checkV16(t *testing.T, s *gormstore.Store) {
	digitised, electronic := flagged(t, s)
	if !slices.Contains(digitised, dossierV16) || !slices.Contains(electronic, dossierV16) {
		t.Fatalf("the version-16 dossier: digitised %v, electronic result %v", digitised, electronic)
	}
	for _, id := range []string{dossierV1, dossierV4} { // no components digitised, no result
		if slices.Contains(digitised, id) || slices.Contains(electronic, id) {
			t.Fatalf("dossier %s flagged: digitised %v, electronic result %v", id, digitised, electronic)
		}
	}
}

// TestMigration16FillsFigureFlags: migration 16 sets the digitised and
// electronic-result flags of the dossiers stored before it from their
// components and result, by the domain's definitions.
func TestMigration16FillsFigureFlags(t *testing.T) {
	for _, dialect := range []string{gormstore.Postgres, gormstore.SQLite} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			url := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
			if dialect == gormstore.Postgres {
				url = pgtest.NewEmptyDatabase(t)
			}
			s := open(t, url, false)
			vs := versions(t, dialect)
			i := slices.Index(vs, 16)
			if i < 1 {
				t.Fatalf("migration 16 not found in %v", vs)
			}
			// The catalog (and one dossier) of the first fixture, then the
			// rows of a release just before 16.
			for _, step := range []struct {
				v     int64
				stmts []string
			}{
				{1, fixture(t, dialect, 1)},
				{vs[i-1], statements(t, filepath.Join("testdata", "migratest", dialect, "before", "00016.sql"))},
			} {
				if err := s.MigrateTo(ctx, step.v); err != nil {
					t.Fatal(err)
				}
				for _, stmt := range step.stmts {
					if err := s.DB().Exec(stmt).Error; err != nil {
						t.Fatalf("%v\n%s", err, stmt)
					}
				}
			}
			if err := s.MigrateTo(ctx, 16); err != nil {
				t.Fatal(err)
			}
			digitised, electronic := flagged(t, s)
			// a1: scanned at the counter, electronic result; a2: paper and
			// uploaded, paper result; a3: a reused result, no result yet.
			wantD := []string{"0190a1b2-0000-7000-8000-0000000016a1", "0190a1b2-0000-7000-8000-0000000016a3"}
			wantE := []string{"0190a1b2-0000-7000-8000-0000000016a1"}
			if !slices.Equal(digitised, wantD) || !slices.Equal(electronic, wantE) {
				t.Fatalf("after migration 16: digitised %v (want %v), electronic result %v (want %v)", digitised, wantD, electronic, wantE)
			}
		})
	}
}
