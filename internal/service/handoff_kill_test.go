package service_test

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/bizregsim"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/testenv"
)

// buildMotcua builds the motcua command into a directory removed with t
// (without the race detector: the server is the subject, not the test).
func buildMotcua(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "motcua")
	if out, err := exec.Command("go", "build", "-o", path, "github.com/motcua/motcua/cmd/motcua").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// serverProcess is `motcua serve` running as a child process.
type serverProcess struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{} // closed when the process has exited
}

var grpcAddrLine = regexp.MustCompile(`serving gRPC on (127\.0\.0\.1:[0-9]+)`)

// startServe starts `motcua serve` with args and waits until it listens;
// the test's cleanup kills it if it still runs.
func startServe(t *testing.T, bin string, args ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			t.Log("serve: " + line)
			if m := grpcAddrLine.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("motcua serve exited before listening: %v", cmd.ProcessState)
	case <-time.After(2 * time.Minute): // migrations on a loaded machine
		t.Fatal("motcua serve did not listen within 2 minutes")
	}
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serverProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// stop sends SIGTERM (graceful stop) and waits, killing after 30s.
func (p *serverProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// TestHandOffSurvivesKill: `motcua serve` runs as a process; a
// business-registration dossier is accepted at the counter, and the
// process is killed (SIGKILL: no drain, no job engine shutdown) at the
// worst moment of its hand-off — the registry has recorded the dossier and
// is about to answer, motcua has not recorded the answer. A new process on
// the same store finishes the hand-off: the registry holds the dossier
// once, the dossier has its enterprise code and exactly one HAND_OFF event,
// and its chain verifies.
func TestHandOffSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the motcua binary")
	}
	bin := buildMotcua(t)
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			sim, err := bizregsim.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sim.Close() })
			received := make(chan string, 16)
			sim.OnRegister(func(id string) {
				select {
				case received <- id:
				default:
				}
			})
			sim.SetDelay(time.Minute) // recorded, then the answer hangs

			dataDir := t.TempDir()
			key, _, _, err := auth.EnsureDevKey(dataDir) // the key serve verifies tokens with
			if err != nil {
				t.Fatal(err)
			}
			url := testenv.StoreURL(t, kind)
			args := []string{"--data-dir", dataDir, "--database-url", url, "--grpc-addr", "127.0.0.1:0", "--http-addr", "",
				"--admin-addr", "", "--auto-migrate", "always", "--demo-catalog", "always", "--log-format", "text",
				"--business-registry-url", sim.URL(), "--business-registry-client-id", bizregsim.ClientID,
				"--business-registry-client-secret", bizregsim.ClientSecret, "--business-registry-timeout", "2m",
				"--business-registry-interval", "500ms", "--jobs-backoff-base", "100ms", "--jobs-poll-interval", "100ms"}
			connect := func(p *serverProcess) *testenv.Env {
				conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = conn.Close() })
				return &testenv.Env{Addr: p.addr, Key: key, Conn: conn, Catalog: pb.NewCatalogServiceClient(conn),
					Dossiers: pb.NewDossierServiceClient(conn)}
			}

			a := startServe(t, bin, args...)
			ea := connect(a)
			createBizProcedure(t, ea)
			form := map[string]string{"ten_doanh_nghiep": "Doanh nghiệp tư nhân Hừng Đông", "von_dieu_le": "300000000", "loai_hinh": "DNTN"}
			r, err := ea.Dossiers.ReceiveDossier(ea.As(t, testenv.Clerk), &pb.ReceiveDossierRequest{RequestId: "kill-intake",
				Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: bizDraft(testenv.CitizenID(81), form)}})
			if err != nil {
				t.Fatal(err)
			}
			d := r.GetDossier()
			if d.GetBusinessHandoff().GetStatus() != "PENDING" {
				t.Fatalf("accepted: %v", d.GetBusinessHandoff())
			}
			select {
			case id := <-received:
				if id != d.GetId() {
					t.Fatalf("registry received %s, want %s", id, d.GetId())
				}
			case <-time.After(time.Minute):
				t.Fatal("the hand-off did not reach the registry within a minute")
			}
			a.kill(t)

			// The worst window was hit: the registry holds the dossier,
			// motcua's store does not hold the answer.
			st, err := gormstore.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.GetDossier(context.Background(), d.GetId())
			_ = st.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got.Handoff == nil || got.Handoff.Status != domain.HandoffPending || sim.Registrations() != 1 {
				t.Fatalf("at the kill: hand-off %+v, registrations %d", got.Handoff, sim.Registrations())
			}

			// A new process on the same store finishes the hand-off.
			sim.SetDelay(0)
			b := startServe(t, bin, args...)
			defer b.stop()
			eb := connect(b)
			pe := &popEnv{Env: eb, dr: eb.NewDriver(t)}
			deadline := time.Now().Add(time.Minute)
			for pe.get(t, d).GetBusinessHandoff().GetStatus() != "SENT" {
				if time.Now().After(deadline) {
					t.Fatalf("the restarted server did not hand off in a minute: %v", pe.get(t, d).GetBusinessHandoff())
				}
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(time.Second) // room for a second, wrong recording to show up
			final := pe.get(t, d)
			if sim.Registrations() != 1 || final.GetBusinessHandoff().GetEnterpriseCode() == "" ||
				sim.Form(d.GetId())["ten_doanh_nghiep"] != form["ten_doanh_nghiep"] {
				t.Fatalf("registrations %d, hand-off %v", sim.Registrations(), final.GetBusinessHandoff())
			}
			handoffs := 0
			for _, ev := range pe.events(t, final) {
				if ev.GetAction() == pb.Action_ACTION_HAND_OFF {
					handoffs++
				}
			}
			if handoffs != 1 {
				t.Fatalf("%d HAND_OFF events", handoffs)
			}
			pe.chainIntact(t, final)
			t.Logf("register calls answered or cut: %d", sim.Calls())
		})
	}
}
