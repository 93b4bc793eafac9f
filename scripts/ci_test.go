// Package scripts holds the tests of the repository's shell scripts.
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// .ci/run reports its outcome from an EXIT trap. A run stopped by a signal
// must say FAILED: it printed "all stages passed" (exit 143) because the
// trap saw the status of the last command that had finished.
func TestCIRunReportsAStoppedRunAsFailed(t *testing.T) {
	src, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".ci"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".ci", "run"), src, 0o755); err != nil {
		t.Fatal(err)
	}
	// Stub stages: lint waits for a marker file, so the run can be stopped
	// while a stage runs; the others pass at once.
	makefile := "lint:\n\twhile [ ! -e go ]; do sleep 0.05; done\ngen-check breaking test fuzz:\n\ttrue\n"
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(makefile), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(stop bool) (string, int) {
		_ = os.Remove(filepath.Join(dir, "go"))
		var out strings.Builder
		cmd := exec.Command("bash", filepath.Join(dir, ".ci", "run"))
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // inside the lint stage
		if stop {
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
		_ = os.WriteFile(filepath.Join(dir, "go"), nil, 0o644) // let the stage end
		_ = cmd.Wait()
		return out.String(), cmd.ProcessState.ExitCode()
	}
	if out, code := run(false); code != 0 || !strings.Contains(out, "CI: all stages passed") {
		t.Fatalf("a passing run: exit %d, output:\n%s", code, out)
	}
	out, code := run(true)
	if code == 0 || strings.Contains(out, "all stages passed") || !strings.Contains(out, "CI: FAILED") {
		t.Fatalf("a run stopped by SIGTERM: exit %d, output:\n%s", code, out)
	}
}
