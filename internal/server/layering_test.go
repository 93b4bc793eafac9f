package server_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTransportDoesNotImportTheStore keeps the layers pointing one way: the
// transport (service, server) reaches persistence only through the use
// cases, which own the transaction (docs/design.md).
func TestTransportDoesNotImportTheStore(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../service", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/motcua/motcua/internal/store") {
			t.Errorf("internal/service or internal/server depends on %s", pkg)
		}
	}
}
