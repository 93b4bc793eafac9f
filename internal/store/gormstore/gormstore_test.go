package gormstore_test

import (
	"context"
	"errors"
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

// TestOverdueQueriesRunSerially: the overdue queries must not start
// parallel workers (stats.go, readSerial): at 5M dossiers the planner chose a
// parallel index-only scan whose workers cost 15–76 ms to start for 1 ms of
// work. Their statements run with max_parallel_workers_per_gather 0, and
// the setting does not outlive them on the pooled connection.
func TestOverdueQueriesRunSerially(t *testing.T) {
	s := open(t, pgtest.NewDatabase(t), false)
	s.DB().Exec("SELECT 1") // a pooled connection, reused below
	inside, after, err := gormstore.ParallelWorkers(context.Background(), s)
	if err != nil || inside != "0" || after == "0" || after == "" {
		t.Fatalf("max_parallel_workers_per_gather: %q inside, %q after (%v)", inside, after, err)
	}
	q := store.StatsQuery{Agencies: []string{"000.00.01.H55"}, CreatedFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		CreatedTo: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	if n, err := s.CountOverdue(context.Background(), q, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 0 {
		t.Fatalf("CountOverdue: %d %v", n, err)
	}
}

// With PostgreSQL down, the overdue queries fail as an outage (a
// *domain.FailureError: UNAVAILABLE with a retry delay), not as an unknown
// error (INTERNAL): they run in a transaction of their own, and a BEGIN that
// fails passes no statement callback, so the classification is theirs.
func TestOverdueQueriesDuringOutage(t *testing.T) {
	pg := pgtest.StartServer(t)
	s := open(t, pg.NewDatabase("overdue_outage", ""), false)
	q := store.StatsQuery{Agencies: []string{"000.00.01.H55"}, CreatedFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		CreatedTo: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.CountOverdue(context.Background(), q, now); err != nil {
		t.Fatal(err)
	}
	pg.Stop("fast")
	t.Cleanup(pg.Start) // the server's own cleanup stops it again
	calls := map[string]func() error{
		"CountOverdue": func() error { _, err := s.CountOverdue(context.Background(), q, now); return err },
		"CountOverdueCohortByAgency": func() error {
			_, err := s.CountOverdueCohortByAgency(context.Background(), q, now)
			return err
		},
		"ListOverdueCreated": func() error { _, err := s.ListOverdueCreated(context.Background(), q, now); return err },
	}
	for name, call := range calls {
		var fe *domain.FailureError
		if err := call(); !errors.As(err, &fe) || !errors.Is(err, domain.ErrUnavailable) || fe.RetryAfter <= 0 {
			t.Errorf("%s with the database down: %v (%T), want an UNAVAILABLE FailureError", name, err, err)
		}
	}
}
