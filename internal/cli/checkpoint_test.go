package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckpointKey: created once with mode 0600 and its public key beside
// it; read back unchanged on the next start.
func TestCheckpointKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "checkpoint.key")
	skey, vkey, created, err := ensureCheckpointKey(path, "motcua")
	if err != nil || !created || !strings.HasPrefix(skey, "PRIVATE+KEY+motcua+") || !strings.HasPrefix(vkey, "motcua+") {
		t.Fatalf("create: %q %q %v %v", skey, vkey, created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", fi.Mode(), err)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil || strings.TrimSpace(string(pub)) != vkey {
		t.Fatalf("public key file %q %v", pub, err)
	}
	skey2, vkey2, created, err := ensureCheckpointKey(path, "motcua")
	if err != nil || created || strings.TrimSpace(skey2) != skey || vkey2 != vkey {
		t.Fatalf("reload: %v %v", created, err)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ensureCheckpointKey(path, "motcua"); err == nil {
		t.Fatal("a corrupt key was accepted")
	}
}
