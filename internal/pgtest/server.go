package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/store/gormstore"
)

// Server is a PostgreSQL server of one test's own — initdb and pg_ctl on
// its own data directory and loopback port, as scripts/with-postgres.sh
// does — for tests that stop, restart or freeze the database under the
// service. As root it runs as the "postgres" user (PostgreSQL refuses
// root). It is stopped and removed when the test ends.
type Server struct {
	tb     testing.TB
	bin    string   // directory of initdb, pg_ctl, postgres
	dir    string   // owns data/, the socket and the log
	runAs  []string // prefix that runs a command as the server's user
	frozen bool
	Port   int
}

// StartServer initialises and starts a server. It fails the test (never
// skips) when the PostgreSQL server binaries are not installed.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	bin, err := serverBinDir()
	if err != nil {
		tb.Fatalf("this test runs its own PostgreSQL server and needs initdb and pg_ctl: %v\n"+
			"Install them with: sudo apt-get install -y postgresql", err)
	}
	dir, err := os.MkdirTemp("", "motcua-pgtest-")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{tb: tb, bin: bin, dir: dir}
	tb.Cleanup(func() {
		if s.frozen {
			s.signal(syscall.SIGCONT)
		}
		_ = s.pgctl("stop", "-m", "immediate")
		_ = os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("running as root, the test server needs a \"postgres\" user (scripts/with-postgres.sh creates it): %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
		s.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := s.run(filepath.Join(bin, "initdb"), "-D", s.data(), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--no-sync"); err != nil {
		tb.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	s.Start()
	return s
}

func serverBinDir() (string, error) {
	var cands []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		cands = append(cands, strings.TrimSpace(string(out)))
	}
	vers, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(vers)))
	cands = append(cands, vers...)
	if p, err := exec.LookPath("initdb"); err == nil {
		cands = append(cands, filepath.Dir(p))
	}
	for _, d := range cands {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("no directory with initdb and pg_ctl among %v", cands)
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// Dir is a directory the server's user owns (for tablespaces and the like).
func (s *Server) Dir() string { return s.dir }

// run runs a command as the server's user from its directory.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, s.runAs...), name)
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func (s *Server) pgctl(args ...string) error {
	args = append([]string{"-D", s.data(), "-w", "-t", "60"}, args...)
	out, err := s.run(filepath.Join(s.bin, "pg_ctl"), args...)
	if err != nil {
		return fmt.Errorf("pg_ctl %v: %w\n%s", args, err, out)
	}
	return nil
}

// Start starts (or restarts after Stop) the server on its port, loopback only.
func (s *Server) Start() {
	s.tb.Helper()
	// A commit is acknowledged only once its WAL is written (the default,
	// synchronous_commit=on): tests crash this server and count what
	// survived. fsync is off — the operating system does not crash here.
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c synchronous_commit=on -c full_page_writes=off -c max_connections=200",
		s.Port, s.dir)
	if err := s.pgctl("-l", filepath.Join(s.dir, "server.log"), "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		s.tb.Fatalf("%v\n%s", err, log)
	}
}

// Stop stops the server: mode "fast" (clients are disconnected, clean
// shutdown) or "immediate" (like a crash; recovery on the next start).
func (s *Server) Stop(mode string) {
	s.tb.Helper()
	if err := s.pgctl("stop", "-m", mode); err != nil {
		s.tb.Fatal(err)
	}
}

// AdminURL is a superuser connection to the "postgres" database.
func (s *Server) AdminURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port)
}

// Exec runs SQL statements on the "postgres" database as superuser.
func (s *Server) Exec(stmts ...string) {
	s.tb.Helper()
	db, err := sql.Open("pgx", s.AdminURL())
	if err != nil {
		s.tb.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			s.tb.Fatalf("%s: %v", q, err)
		}
	}
}

// NewDatabase creates a database (with the given extra CREATE DATABASE
// clause, e.g. "TABLESPACE small") migrated to the latest schema and
// returns its URL.
func (s *Server) NewDatabase(name, clause string) string {
	s.tb.Helper()
	s.Exec(fmt.Sprintf(`CREATE DATABASE %q %s`, name, clause))
	url := withDatabase(s.AdminURL(), name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := gormstore.Open(ctx, url)
	if err != nil {
		s.tb.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		s.tb.Fatal(err)
	}
	return url
}

// Freeze stops the postmaster and every backend with SIGSTOP: connections
// stay open and new ones are accepted by the kernel, but nothing answers —
// a stalled database (a hung disk, a VM paused). Thaw undoes it.
func (s *Server) Freeze() { s.frozen = true; s.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server with SIGCONT.
func (s *Server) Thaw() { s.signal(syscall.SIGCONT); s.frozen = false }

func (s *Server) signal(sig syscall.Signal) {
	pidFile, err := os.ReadFile(filepath.Join(s.data(), "postmaster.pid"))
	if err != nil {
		s.tb.Errorf("signal the server: %v", err)
		return
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	if err != nil {
		s.tb.Errorf("signal the server: %v", err)
		return
	}
	// The postmaster first, so that it forks no backend we would miss.
	if err := syscall.Kill(pm, sig); err != nil {
		s.tb.Errorf("signal the server: %v", err)
		return
	}
	for _, pid := range children(pm) {
		_ = syscall.Kill(pid, sig)
	}
}

// children lists the processes whose parent is pid, from /proc.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may contain spaces and parentheses.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		f := strings.Fields(rest)
		if len(f) > 1 {
			if pp, _ := strconv.Atoi(f[1]); pp == pid {
				out = append(out, n)
			}
		}
	}
	return out
}
