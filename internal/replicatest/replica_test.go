package replicatest_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/freshness"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/testenv"
)

const (
	maxLag        = time.Second
	checkInterval = 100 * time.Millisecond
)

// TestReplicasFreshnessAndAKilledServer runs motcua as it is deployed past
// one machine: a PostgreSQL primary, a hot-standby streaming replica
// (pg_basebackup -R), and two motcua servers on the primary with the
// replica configured — B in this process (so the test can see where its
// reads went), A a `motcua serve` process built here. Intake goes through
// both; reads go through the replica with a token (they see the write),
// without one within the lag bound, and with the replica's replay paused
// (a token read falls back to the primary and still sees the write; a
// token-less read never misses a write older than the bound). Then A is
// killed with SIGKILL under load, and every dossier either server
// acknowledged is on the primary with its events and a valid chain.
func TestReplicasFreshnessAndAKilledServer(t *testing.T) {
	primary := pgtest.StartServer(t)
	url := primary.NewDatabase("motcua", "")
	replica := primary.StartReplica()
	replicaURL := replica.URL("motcua")

	b := testenv.Start(t, url, testenv.Options{HTTP: true, Bounds: gormstore.Options{
		ReplicaURLs: []string{replicaURL}, ReplicaMaxLag: maxLag, ReplicaCheckInterval: checkInterval}})
	a := startServeProcess(t, b, url, replicaURL)
	aDossiers := pb.NewDossierServiceClient(a.conn)
	replicaDB := openDB(t, replicaURL)

	// Wait until the replica has replayed lsn (so that a read's routing is
	// deterministic, not a race with replay).
	waitReplayed := func(lsn uint64) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var s string
			if err := replicaDB.QueryRow(`SELECT pg_last_wal_replay_lsn()::text`).Scan(&s); err != nil {
				t.Fatal(err)
			}
			if n, _ := freshness.ParseLSN(s); n >= lsn {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the replica did not replay up to %s in 20s (at %s)", freshness.FormatLSN(lsn), s)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	submit := func(c pb.DossierServiceClient, n int) (*pb.Dossier, freshness.Token) {
		t.Helper()
		id := testenv.CitizenID(n)
		var hdr metadata.MD
		r, err := c.SubmitDossier(b.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{
			RequestId: fmt.Sprintf("submit-%d", n), Dossier: testenv.Draft(id)}, grpc.Header(&hdr))
		if err != nil {
			t.Fatalf("submit %d: %v", n, err)
		}
		vals := hdr.Get(freshness.Metadata)
		if len(vals) != 1 {
			t.Fatalf("submit %d answered no single %s header: %v", n, freshness.Metadata, hdr)
		}
		tok, err := freshness.Parse(vals[0])
		if err != nil {
			t.Fatalf("submit %d: the answer's token does not parse: %v", n, err)
		}
		return r.GetDossier(), tok
	}
	// list lists citizen n's dossiers through B, with a token if given.
	list := func(n int, tok *freshness.Token) []string {
		t.Helper()
		ctx := b.As(t, testenv.Citizen(testenv.CitizenID(n)))
		if tok != nil {
			ctx = metadata.AppendToOutgoingContext(ctx, freshness.Metadata, tok.String())
		}
		r, err := b.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{PageSize: 50})
		if err != nil {
			t.Fatalf("list citizen %d: %v", n, err)
		}
		var ids []string
		for _, d := range r.GetDossiers() {
			ids = append(ids, d.GetId())
		}
		return ids
	}
	counts := b.Store.ReadCounts

	t.Run("a token read through the replica sees the write", func(t *testing.T) {
		d, tok := submit(aDossiers, 1) // written through A
		waitReplayed(tok.LSN)
		before := counts()
		if ids := list(1, &tok); !slices.Contains(ids, d.GetId()) {
			t.Fatalf("a read with the writer's token misses the write: %v", ids)
		}
		if after := counts(); after.Replica != before.Replica+1 || after.Primary != before.Primary {
			t.Fatalf("the token read was not served by the caught-up replica: before %+v, after %+v", before, after)
		}
		// Without a token, a caught-up replica (lag within the bound) serves,
		// once the router's periodic check has seen it caught up.
		deadline := time.Now().Add(10 * time.Second)
		for st := b.Store.Replicas(); len(st) != 1 || !st[0].Usable || st[0].Lag > maxLag/2; st = b.Store.Replicas() {
			if time.Now().After(deadline) {
				t.Fatalf("the router never saw the replica caught up: %+v", st)
			}
			time.Sleep(10 * time.Millisecond)
		}
		before = counts()
		if ids := list(1, nil); !slices.Contains(ids, d.GetId()) {
			t.Fatalf("a read from the caught-up replica misses the write: %v", ids)
		}
		if after := counts(); after.Replica != before.Replica+1 {
			t.Fatalf("the token-less read within the bound did not use the replica: before %+v, after %+v", before, after)
		}
	})

	t.Run("over HTTP the token is a header both ways", func(t *testing.T) {
		id := testenv.CitizenID(2)
		body, _ := protojson.Marshal(&pb.SubmitDossierRequest{RequestId: "http-2", Dossier: testenv.Draft(id)})
		req, _ := http.NewRequest(http.MethodPost, b.HTTPURL+"/v1/dossiers:submit", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+b.Token(t, testenv.Citizen(id)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		raw := resp.Header.Get("X-Motcua-Freshness")
		if resp.StatusCode != http.StatusOK || raw == "" {
			t.Fatalf("HTTP submit: %s, X-Motcua-Freshness %q", resp.Status, raw)
		}
		tok, err := freshness.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		waitReplayed(tok.LSN)
		get := func(token string) *http.Response {
			req, _ := http.NewRequest(http.MethodGet, b.HTTPURL+"/v1/dossiers", nil)
			req.Header.Set("Authorization", "Bearer "+b.Token(t, testenv.Citizen(id)))
			req.Header.Set("X-Motcua-Freshness", token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		before := counts()
		if r := get(raw); r.StatusCode != http.StatusOK {
			t.Fatalf("HTTP list with the token: %s", r.Status)
		} else {
			r.Body.Close()
		}
		if after := counts(); after.Replica != before.Replica+1 {
			t.Fatalf("the HTTP token read did not reach the replica: before %+v, after %+v", before, after)
		}
		// Damage a character in the middle, to one it is not: the last
		// one may carry only padding bits (and may already be "A").
		mid := len(raw) / 2
		bad := "A"
		if raw[mid] == 'A' {
			bad = "B"
		}
		if r := get(raw[:mid] + bad + raw[mid+1:]); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("HTTP list with a damaged token: %s, want 400", r.Status)
		} else {
			r.Body.Close()
		}
	})

	t.Run("a malformed token is INVALID_ARGUMENT naming it", func(t *testing.T) {
		good := freshness.Token{LSN: 42}.String()
		for _, bad := range []string{"x", good[:len(good)-1], good + "A", "AgAAAAAAAAAqAAAAAA"} {
			ctx := metadata.AppendToOutgoingContext(b.As(t, testenv.Citizen(testenv.CitizenID(1))), freshness.Metadata, bad)
			_, err := b.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{PageSize: 5})
			st := status.Convert(err)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("token %q: %v, want INVALID_ARGUMENT", bad, err)
			}
			var field string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) == 1 {
					field = br.GetFieldViolations()[0].GetField()
				}
			}
			if field != freshness.Metadata {
				t.Fatalf("token %q: the error names field %q, want %q", bad, field, freshness.Metadata)
			}
		}
		// A mutation refuses it too, and changes nothing.
		ctx := metadata.AppendToOutgoingContext(b.As(t, testenv.Citizen(testenv.CitizenID(3))), freshness.Metadata, "x")
		if _, err := b.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "bad-token",
			Dossier: testenv.Draft(testenv.CitizenID(3))}); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("submit with a malformed token: %v", err)
		}
		if ids := list(3, nil); len(ids) != 0 {
			t.Fatalf("a refused submission filed %v", ids)
		}
	})

	t.Run("with replay paused the primary serves what the replica lacks", func(t *testing.T) {
		replica.Exec(`SELECT pg_wal_replay_pause()`)
		defer replica.Exec(`SELECT pg_wal_replay_resume()`)
		d, tok := submit(b.Dossiers, 4)
		before := counts()
		if ids := list(4, &tok); !slices.Contains(ids, d.GetId()) {
			t.Fatalf("a token read with the replica paused misses the write: %v", ids)
		}
		if after := counts(); after.Primary != before.Primary+1 || after.Replica != before.Replica {
			t.Fatalf("the token read was not served by the primary: before %+v, after %+v", before, after)
		}
		// Without a token the replica may serve while its lag is within
		// the bound; past it, the primary does, so a token-less read never
		// misses a write older than the bound.
		written := time.Now()
		for time.Since(written) < maxLag+5*checkInterval {
			ids := list(4, nil)
			if time.Since(written) > maxLag+2*checkInterval && !slices.Contains(ids, d.GetId()) {
				t.Fatalf("a token-less read %v after the write misses it (bound %v)", time.Since(written), maxLag)
			}
			time.Sleep(50 * time.Millisecond)
		}
		st := b.Store.Replicas()
		if len(st) != 1 || !st[0].Usable || st[0].Lag <= maxLag {
			t.Fatalf("the paused replica should be reachable and lagging past the bound: %+v", st)
		}
	})

	t.Run("a killed server loses nothing acknowledged", func(t *testing.T) {
		var (
			mu     sync.Mutex
			acked  = map[string]string{} // dossier id → server
			fromA  atomic.Int64
			stop   = make(chan struct{})
			wg     sync.WaitGroup
			serial atomic.Int64
		)
		serial.Store(1000)
		load := func(name string, c pb.DossierServiceClient) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := int(serial.Add(1))
				id := testenv.CitizenID(n)
				ctx, cancel := context.WithTimeout(b.As(t, testenv.Citizen(id)), 10*time.Second)
				r, err := c.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: fmt.Sprintf("load-%d", n), Dossier: testenv.Draft(id)})
				cancel()
				if err != nil {
					if name == "A" {
						return // A is gone: this call was not acknowledged
					}
					t.Errorf("intake through B failed: %v", err)
					return
				}
				mu.Lock()
				acked[r.GetDossier().GetId()] = name
				mu.Unlock()
				if name == "A" {
					fromA.Add(1)
				}
			}
		}
		for range 3 {
			wg.Add(2)
			go load("A", aDossiers)
			go load("B", b.Dossiers)
		}
		for fromA.Load() < 30 {
			time.Sleep(5 * time.Millisecond)
		}
		a.kill(t) // mid-load: calls are in flight on A
		time.Sleep(300 * time.Millisecond)
		close(stop)
		wg.Wait()

		ctx := context.Background() // no read policy: the primary
		admin := domain.Principal{Subject: "admin-1", Role: domain.RoleAdmin}
		mu.Lock()
		defer mu.Unlock()
		var onA int
		for id, server := range acked {
			if server == "A" {
				onA++
			}
			d, err := b.Store.GetDossier(ctx, id)
			if err != nil {
				t.Fatalf("dossier %s acknowledged by %s is not on the primary: %v", id, server, err)
			}
			evs, err := b.Store.ListEvents(ctx, id, 0, 100)
			if err != nil || len(evs) == 0 || int64(len(evs)) != d.LastEventSeq {
				t.Fatalf("dossier %s (by %s): %d events, head at %d: %v", id, server, len(evs), d.LastEventSeq, err)
			}
			sum, err := b.App.VerifyAuditChain(ctx, admin, app.ChainScope{DossierID: id}, nil, func(br app.ChainBreak) error {
				t.Errorf("dossier %s (by %s): broken chain %+v", id, server, br.Break)
				return nil
			})
			if err != nil || sum.Events == 0 {
				t.Fatalf("verify the chain of %s: %+v %v", id, sum, err)
			}
		}
		if onA < 30 {
			t.Fatalf("only %d dossiers acknowledged by A", onA)
		}
		// The replica converges on the primary: the same dossiers.
		var lsn string
		if err := openDB(t, url).QueryRow(`SELECT pg_current_wal_insert_lsn()::text`).Scan(&lsn); err != nil {
			t.Fatal(err)
		}
		n, _ := freshness.ParseLSN(lsn)
		waitReplayed(n)
		ids := make([]string, 0, len(acked))
		for id := range acked {
			ids = append(ids, id)
		}
		var onReplica int
		if err := replicaDB.QueryRow(`SELECT count(*) FROM dossiers WHERE id = ANY($1)`, ids).Scan(&onReplica); err != nil {
			t.Fatal(err)
		}
		if onReplica != len(acked) {
			t.Fatalf("the replica has %d of the %d acknowledged dossiers", onReplica, len(acked))
		}
		t.Logf("%d dossiers acknowledged (%d by A before SIGKILL), all on the primary with valid chains and on the replica", len(acked), onA)
	})

	t.Run("a replica that is down costs the caller nothing", func(t *testing.T) {
		d, tok := submit(b.Dossiers, 5)
		replica.Stop("immediate")
		// At once — the router still believes the replica usable — and
		// after its check has noticed: every read answers, from the primary.
		before := counts()
		for i, tk := range []*freshness.Token{nil, &tok} {
			if ids := list(5, tk); !slices.Contains(ids, d.GetId()) {
				t.Fatalf("read %d with the replica down misses the write: %v", i, ids)
			}
		}
		if after := counts(); after.Replica != before.Replica {
			t.Fatalf("a stopped replica served reads: before %+v, after %+v", before, after)
		}
		deadline := time.Now().Add(10 * time.Second)
		for st := b.Store.Replicas(); st[0].Usable; st = b.Store.Replicas() {
			if time.Now().After(deadline) {
				t.Fatal("the router still calls the stopped replica usable after 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		before = counts()
		if ids := list(5, nil); !slices.Contains(ids, d.GetId()) {
			t.Fatalf("a read with the replica known down misses the write: %v", ids)
		}
		if after := counts(); after.Primary != before.Primary+1 || after.Fallback != before.Fallback {
			t.Fatalf("with the replica known down the primary should serve at once: before %+v, after %+v", before, after)
		}
	})
}

// TestReplicasNeedPostgres: SQLite has no replicas, and says so.
func TestReplicasNeedPostgres(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	_, err := gormstore.OpenWith(context.Background(), "sqlite:"+path,
		gormstore.Options{ReplicaURLs: []string{"postgres://127.0.0.1:1/x"}})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("SQLite")) {
		t.Fatalf("OpenWith SQLite with a replica: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused store was created: %v", err)
	}
}

type process struct {
	cmd  *exec.Cmd
	conn *grpc.ClientConn
	done chan struct{}
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// startServeProcess builds motcua and runs `motcua serve` on the primary
// with the replica, trusting the tokens of env's key.
func startServeProcess(t *testing.T, env *testenv.Env, url, replicaURL string) *process {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "motcua")
	build := exec.Command("go", "build", "-o", bin, "github.com/motcua/motcua/cmd/motcua")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	der, err := x509.MarshalPKIXPublicKey(env.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "keys.pem")
	if err := os.WriteFile(keys, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--database-url", url, "--replica-url", replicaURL,
		"--replica-max-lag", maxLag.String(), "--grpc-addr", addr, "--http-addr", "", "--admin-addr", "",
		"--data-dir", filepath.Join(dir, "data"), "--jwt-keys-file", keys, "--jwt-issuer", auth.DevIssuer,
		"--checkpoint-interval", "0", "--demo-catalog", "never", "--auto-migrate", "never", "--log-level", "warn")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
		logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			t.Logf("motcua serve's log:\n%s", out)
		}
	})
	if p.conn, err = grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.conn.Close() })
	hc := healthpb.NewHealthClient(p.conn)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return p
		}
		select {
		case <-p.done:
			out, _ := os.ReadFile(logFile.Name())
			t.Fatalf("motcua serve exited: %v\n%s", cmd.ProcessState, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("motcua serve not serving after 60s: %v %v", r, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func openDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
