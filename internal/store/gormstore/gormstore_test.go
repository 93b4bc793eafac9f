package gormstore_test

import (
	"context"
	"path/filepath"
	"testing"

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
