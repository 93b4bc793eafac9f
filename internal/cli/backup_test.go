package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/testenv"
)

// intake files dossiers over the real gRPC API from a few citizens at once
// (each filing then received by the clerk, so that chains have two links)
// until stopped, and remembers when each was acknowledged.
type intake struct {
	mu    sync.Mutex
	acked []ack
	errs  []error
	stop  chan struct{}
	wg    sync.WaitGroup
}

type ack struct {
	id string
	at time.Time
}

func startIntake(t *testing.T, e *testenv.Env, writers int) *intake {
	in := &intake{stop: make(chan struct{})}
	for w := range writers {
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-in.stop:
					return
				default:
				}
				cid := testenv.CitizenID(w*10000 + n)
				ctx := e.As(t, testenv.Citizen(cid))
				resp, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: fmt.Sprintf("bk-%d-%d", w, n), Dossier: testenv.Draft(cid)})
				if err == nil {
					_, err = e.Dossiers.ReceiveDossier(e.As(t, testenv.Clerk), &pb.ReceiveDossierRequest{
						RequestId: fmt.Sprintf("bk-recv-%d-%d", w, n), Target: &pb.ReceiveDossierRequest_DossierId{DossierId: resp.GetDossier().GetId()}, ExpectedVersion: resp.GetDossier().GetVersion()})
				}
				in.mu.Lock()
				if err != nil {
					in.errs = append(in.errs, err)
				} else {
					in.acked = append(in.acked, ack{resp.GetDossier().GetId(), time.Now()})
				}
				in.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	return in
}

// ackedBefore returns the dossiers acknowledged (filed and received) before t.
func (in *intake) ackedBefore(t time.Time) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var ids []string
	for _, a := range in.acked {
		if a.at.Before(t) {
			ids = append(ids, a.id)
		}
	}
	return ids
}

func (in *intake) count() int { in.mu.Lock(); defer in.mu.Unlock(); return len(in.acked) }

func (in *intake) finish(t *testing.T) {
	close(in.stop)
	in.wg.Wait()
	if len(in.errs) > 0 {
		t.Fatalf("intake failed during the backup: %v", in.errs)
	}
}

// TestBackupWhileIntakeRestores backs a store up while dossiers are filed
// over gRPC, restores the copy into a new store, and checks that every
// dossier acknowledged before the backup started is there with its whole
// chain, and that every chain in the copy verifies.
func TestBackupWhileIntakeRestores(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			storeURL := testenv.StoreURL(t, kind)
			e := testenv.Start(t, storeURL, testenv.Options{})
			in := startIntake(t, e, 3)
			defer func() {
				select {
				case <-in.stop:
				default:
					close(in.stop)
					in.wg.Wait()
				}
			}()
			for in.count() < 30 {
				time.Sleep(10 * time.Millisecond)
			}
			started := time.Now()
			var restoredURL string
			if kind == "sqlite" {
				file := filepath.Join(t.TempDir(), "backup", "motcua-copy.db")
				out, errOut, err := runCLI("backup", file, "--database-url", storeURL)
				if err != nil {
					t.Fatalf("motcua backup: %v\n%s", err, errOut)
				}
				if !strings.Contains(out, "integrity checked") || !strings.Contains(errOut, "pages") {
					t.Errorf("backup output: %q, progress: %q", out, errOut)
				}
				if _, _, err := runCLI("backup", file, "--database-url", storeURL); err == nil || !strings.Contains(err.Error(), "already exists") {
					t.Errorf("a backup over an existing file: %v", err)
				}
				// The restore drill: the copy is a store of its own.
				restoredURL = "sqlite:" + file
			} else {
				var ue usageError
				if _, _, err := runCLI("backup", filepath.Join(t.TempDir(), "x.db"), "--database-url", storeURL); !errors.As(err, &ue) ||
					!strings.Contains(err.Error(), "pg_basebackup") {
					t.Errorf("motcua backup of PostgreSQL: %v, want a usage error pointing to PostgreSQL's tools", err)
				}
				restoredURL = pgDumpRestore(t, storeURL)
			}
			during := in.count()
			time.Sleep(100 * time.Millisecond) // intake goes on after the backup too
			in.finish(t)
			if in.count() <= during {
				t.Errorf("intake did not go on around the backup (%d acknowledged by its end, %d at the finish)", during, in.count())
			}
			want := in.ackedBefore(started)
			t.Logf("%s: %d dossiers acknowledged before the backup started, %d in all", kind, len(want), in.count())

			ctx := context.Background()
			restored, err := gormstore.Open(ctx, restoredURL)
			if err != nil {
				t.Fatal(err)
			}
			defer restored.Close()
			if cur, wantVer, err := restored.SchemaStatus(ctx); err != nil || cur != wantVer {
				t.Fatalf("restored schema at %d, want %d (%v)", cur, wantVer, err)
			}
			a := app.New(restored)
			admin := domain.Principal{Subject: "admin-1", Role: domain.RoleAdmin}
			for _, id := range want {
				d, err := restored.GetDossier(ctx, id)
				if err != nil {
					t.Fatalf("dossier %s, acknowledged before the backup started, is not in the copy: %v", id, err)
				}
				if d.LastEventSeq < 2 {
					t.Errorf("dossier %s has %d events in the copy; it was received before the backup", id, d.LastEventSeq)
				}
			}
			// Every chain in the copy verifies, including those of dossiers
			// filed while the backup ran.
			var all []string
			if err := restored.DB().Table("dossiers").Order("id").Pluck("id", &all).Error; err != nil {
				t.Fatal(err)
			}
			if len(all) < len(want) {
				t.Fatalf("the copy has %d dossiers, fewer than the %d acknowledged before the backup", len(all), len(want))
			}
			var breaks []string
			for _, id := range all {
				sum, err := a.VerifyAuditChain(ctx, admin, app.ChainScope{DossierID: id}, nil, func(b app.ChainBreak) error {
					breaks = append(breaks, fmt.Sprintf("%s: %+v", id, b.Break))
					return nil
				})
				if err != nil {
					t.Fatalf("verify chain of %s: %v", id, err)
				}
				if sum.Events == 0 {
					t.Errorf("dossier %s has no events in the copy", id)
				}
			}
			sort.Strings(breaks)
			if len(breaks) > 0 {
				t.Fatalf("broken chains in the copy: %v", breaks)
			}
		})
	}
}

// pgDumpRestore takes a pg_dump (custom format: one consistent snapshot) of
// the live database and restores it into a new database, whose URL it
// returns; this is the logical half of docs/operations.md's restore drill.
func pgDumpRestore(t *testing.T, dbURL string) string {
	t.Helper()
	bindir := pgBindir(t)
	file := filepath.Join(t.TempDir(), "motcua.dump")
	if out, err := exec.Command(filepath.Join(bindir, "pg_dump"), "--format=custom", "--no-owner", "--file", file, "--dbname", dbURL).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	admin := pgtest.AdminURL(t)
	name := fmt.Sprintf("motcua_restore_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", admin); err == nil {
			_, _ = db.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
			db.Close()
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	if out, err := exec.Command(filepath.Join(bindir, "pg_restore"), "--no-owner", "--exit-on-error", "--dbname", u.String(), file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	return u.String()
}

// pgBindir finds the PostgreSQL client programs the way
// scripts/with-postgres.sh finds the server's.
func pgBindir(t *testing.T) string {
	t.Helper()
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "pg_dump")); err == nil {
			return d
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_dump")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return filepath.Dir(p)
	}
	t.Fatal("pg_dump is not installed (it comes with the PostgreSQL the tests use: apt-get install postgresql)")
	return ""
}

func TestMain(m *testing.M) { pgtest.Main(m) }
