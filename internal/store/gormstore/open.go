package gormstore

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	sqlitegorm "github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/motcua/motcua/internal/store"
)

// Dialect names.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

//go:embed migrations
var migrations embed.FS

// Store is the gorm implementation of store.Store.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
	durable bool
	writes  writeHealth
	probeDB *sql.DB // see Probe
	router  *router // read replicas (replicas.go); nil without
	// writer queues SQLite's transactions in this process (capacity one;
	// nil on PostgreSQL): see queueWriter.
	writer chan struct{}
	group  *grouper     // group commit (group.go); nil when off
	tracer trace.Tracer // set by UseTracing; spans the deferred writes (deferred.go)
	// accesses batches the access-log rows of concurrent staff reads
	// (accesslog.go).
	accesses accessBatcher
}

var _ store.Store = (*Store)(nil)

// Location says which database a URL names.
type Location struct {
	Dialect string
	// DSN is what the driver is given.
	DSN string
	// Path is the SQLite file ("" for memory).
	Path string
}

// ParseURL reads a database URL:
//
//	postgres://user@host:5432/db?sslmode=disable   PostgreSQL
//	sqlite:///var/lib/motcua/motcua.db               SQLite file (absolute)
//	sqlite:data/motcua.db                            SQLite file (relative)
//	memory                                           SQLite in memory (not durable)
func ParseURL(raw string) (Location, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return Location{}, fmt.Errorf("database URL: %w", err)
		}
		return Location{Dialect: Postgres, DSN: raw}, nil
	case raw == "memory" || raw == "sqlite::memory:":
		// A named shared-cache database lives as long as one connection does.
		name := fmt.Sprintf("motcua-%d", time.Now().UnixNano())
		return Location{Dialect: SQLite, DSN: "file:" + name + "?mode=memory&cache=shared" + sqlitePragmas}, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return Location{}, errors.New("database URL: sqlite: needs a file path, e.g. sqlite:///var/lib/motcua/motcua.db")
		}
		return Location{Dialect: SQLite, DSN: "file:" + filepath.ToSlash(path) + "?" + strings.TrimPrefix(sqlitePragmas, "&"), Path: path}, nil
	default:
		return Location{}, fmt.Errorf("database URL %q: use postgres://…, sqlite:<path> or memory", raw)
	}
}

// sqlitePragmas are applied to every SQLite connection: WAL for concurrent
// readers, a busy timeout instead of immediate SQLITE_BUSY, BEGIN IMMEDIATE so
// a transaction takes the write lock up front (no lock upgrades that deadlock),
// foreign keys on, and full fsync on commit so nothing acknowledged is lost.
const sqlitePragmas = "&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(FULL)&_txlock=immediate"

// Open connects to the database a URL names. It does not migrate.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	return OpenWith(ctx, rawURL, Options{})
}

// OpenWith is Open with bounds on the database's waits (see Options).
func OpenWith(ctx context.Context, rawURL string, o Options) (*Store, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if len(o.ReplicaURLs) > 0 && loc.Dialect != Postgres {
		return nil, errReplicasNeedPostgres
	}
	if o.GroupLanes < 0 || o.GroupLanes > MaxGroupLanes {
		return nil, fmt.Errorf("group lanes %d: want 0 (two per CPU) to %d", o.GroupLanes, MaxGroupLanes)
	}
	if loc.Dialect == Postgres {
		if loc.DSN, err = o.postgresDSN(loc.DSN); err != nil {
			return nil, err
		}
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // we open transactions ourselves
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	if loc.Path != "" {
		if err := os.MkdirAll(filepath.Dir(loc.Path), 0o700); err != nil {
			return nil, fmt.Errorf("create the SQLite store's directory: %w", err)
		}
	}
	var dial gorm.Dialector
	if loc.Dialect == Postgres {
		dial = postgres.Open(loc.DSN)
	} else {
		dial = sqlitegorm.Open(loc.DSN)
	}
	db, err := gorm.Open(dial, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", loc.Dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, sqlDB: sqlDB, dialect: loc.Dialect, durable: loc.Dialect == Postgres || loc.Path != ""}
	if loc.Dialect == SQLite {
		s.writer = make(chan struct{}, 1)
	} else {
		s.accesses.maxWriters = accessWritersPostgres
	}
	switch {
	case o.NoGroupCommit:
	case loc.Dialect == SQLite:
		s.group = newGrouper(1) // one writer at a time anyway
	default:
		s.group = newGrouper(cmp.Or(o.GroupLanes, DefaultGroupLanes()))
	}
	if err := s.registerClassifier(db); err != nil {
		return nil, err
	}
	if err := registerDeferredFlush(db); err != nil {
		return nil, err
	}
	if s.probeDB, err = openProbe(loc.Dialect, loc.DSN); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	switch {
	case loc.Dialect == Postgres:
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case loc.Path == "":
		// One connection keeps the in-memory database alive and avoids
		// shared-cache table locks, which ignore the busy timeout.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	default:
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", loc.Dialect, err)
	}
	if err := s.openReplicas(o); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Durable is false for an in-memory store, whose data is lost on exit.
func (s *Store) Durable() bool { return s.durable }

// Ping checks the connection.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.stopGroups()
	s.closeReplicas()
	if s.probeDB != nil {
		_ = s.probeDB.Close()
	}
	return s.sqlDB.Close()
}

// DB exposes the gorm handle to tests and tools in this module that need raw
// access (tamper tests, benchmarks).
func (s *Store) DB() *gorm.DB { return s.db }

func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several replicas may start at once: one migrates, the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, s.sqlDB, sub, opts...)
}

// Migrate applies pending migrations and returns the versions applied,
// then the job engine's own (jobs.go).
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	var applied []int64
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	if err != nil {
		return applied, fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	if err := s.migrateJobs(ctx); err != nil {
		return applied, err
	}
	return applied, nil
}

// MigrateTo applies migrations up to and including version (for migration
// tests that load data at an older version).
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// SchemaStatus reports the applied and the needed migration versions. It
// only reads: no migration lock (a server polling while another process
// migrates must not queue behind it) and no version table created.
func (s *Store) SchemaStatus(ctx context.Context) (current, wanted int64, err error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return 0, 0, err
	}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, s.sqlDB, sub)
	if err != nil {
		return 0, 0, err
	}
	if sources := p.ListSources(); len(sources) > 0 {
		wanted = sources[len(sources)-1].Version
	}
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`
	if s.dialect == Postgres {
		exists = `SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'goose_db_version' AND schemaname = current_schema()`
	}
	var n int
	if err := s.sqlDB.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, wanted, fmt.Errorf("read schema version: %w", err)
	}
	if n == 0 {
		return 0, wanted, nil
	}
	err = s.sqlDB.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&current)
	if err != nil {
		return 0, wanted, fmt.Errorf("read schema version: %w", err)
	}
	return current, wanted, nil
}
