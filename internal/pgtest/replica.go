package pgtest

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// StartReplica makes a hot-standby streaming replica of s — pg_basebackup
// -R as the replication user "replicator", over loopback TCP — and starts
// it on a port of its own. It is stopped and removed when the test ends.
// s's settings (initdb's defaults: wal_level=replica, max_wal_senders 10,
// pg_hba trusting replication from 127.0.0.1) allow it as they are.
func (s *Server) StartReplica() *Server {
	s.tb.Helper()
	s.Exec(`DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') THEN CREATE ROLE replicator REPLICATION LOGIN; END IF;
	END $$`)
	dir, err := os.MkdirTemp("", "motcua-pgreplica-")
	if err != nil {
		s.tb.Fatal(err)
	}
	r := &Server{tb: s.tb, bin: s.bin, dir: dir, runAs: s.runAs}
	s.tb.Cleanup(func() {
		if r.frozen {
			r.signal(syscall.SIGCONT)
		}
		_ = r.pgctl("stop", "-m", "immediate")
		_ = os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		s.tb.Fatal(err)
	}
	if len(s.runAs) > 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			s.tb.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			s.tb.Fatal(err)
		}
	}
	if out, err := r.run(filepath.Join(s.bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port),
		"-U", "replicator", "-D", r.data(), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"); err != nil {
		s.tb.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.tb.Fatal(err)
	}
	r.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	r.Start() // standby.signal and primary_conninfo come from -R
	// pg_ctl -w returns once the standby accepts connections; wait until it
	// streams too, so that a test's first write reaches it.
	db, err := sql.Open("pgx", s.AdminURL())
	if err != nil {
		s.tb.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'`).Scan(&n); err == nil && n > 0 {
			return r
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			s.tb.Fatalf("the replica is not streaming after 30s\n%s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is a connection to database name on this server, as superuser.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, name)
}
