// Package pgtest gives each test its own migrated PostgreSQL database, cloned
// from a template that is migrated once per test binary. The server comes
// from MOTCUA_TEST_POSTGRES_URL, which `make test` sets after starting a
// throwaway PostgreSQL; without it a test fails with instructions — it never
// skips.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/motcua/motcua/internal/store/gormstore"
)

// EnvURL names the environment variable holding the admin URL of the test
// server (a superuser connection to its "postgres" database).
const EnvURL = "MOTCUA_TEST_POSTGRES_URL"

var (
	once     sync.Once
	tmplName string
	onceErr  error
	mu       sync.Mutex // CREATE DATABASE … TEMPLATE must not overlap for one template
	counter  atomic.Int64
)

// AdminURL returns the server URL, failing the test when it is not set.
func AdminURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		tb.Fatalf("this test needs PostgreSQL and %s is not set.\n"+
			"Run `make test`: it starts a throwaway PostgreSQL and sets it.\n"+
			"Or point it at a server you own: %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable go test ./...",
			EnvURL, EnvURL)
	}
	return u
}

// NewDatabase creates an empty database migrated to the latest schema and
// returns its URL; the database is dropped when the test ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	admin := AdminURL(tb)
	once.Do(func() { tmplName, onceErr = makeTemplate(admin) })
	if onceErr != nil {
		tb.Fatalf("prepare PostgreSQL template database: %v", onceErr)
	}
	name := fmt.Sprintf("%s_%d", tmplName, counter.Add(1))
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	mu.Lock()
	_, err = db.Exec(fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, tmplName))
	mu.Unlock()
	if err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() { drop(admin, name) })
	return withDatabase(admin, name)
}

// NewEmptyDatabase creates a database with no schema (for migration tests).
func NewEmptyDatabase(tb testing.TB) string {
	tb.Helper()
	admin := AdminURL(tb)
	name := fmt.Sprintf("motcua_empty_%d_%d", os.Getpid(), counter.Add(1))
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() { drop(admin, name) })
	return withDatabase(admin, name)
}

// Main runs the tests of a package and then drops the template database;
// call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if tmplName != "" {
		drop(os.Getenv(EnvURL), tmplName)
	}
	os.Exit(code)
}

func makeTemplate(admin string) (string, error) {
	name := fmt.Sprintf("motcua_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := gormstore.Open(ctx, withDatabase(admin, name))
	if err != nil {
		return "", err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return "", err
	}
	return name, nil
}

func drop(admin, name string) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return
	}
	defer db.Close()
	_, _ = db.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
}

func withDatabase(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		return admin
	}
	u.Path = "/" + name
	return u.String()
}
