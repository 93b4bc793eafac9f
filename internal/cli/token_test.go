package cli

import (
	"strings"
	"testing"
)

// token issue mints only the roles a server accepts: "system" names the
// server's own steps and is refused like an unknown role (exit 2, usage).
func TestTokenIssueRefusesUndocumentedRoles(t *testing.T) {
	dir := t.TempDir()
	if r := execute("token", "issue", "--data-dir", dir, "--role", "admin", "--subject", "admin1"); r.code != 0 || strings.Count(r.out, ".") != 2 {
		t.Fatalf("admin token: %v", r)
	}
	for _, role := range []string{"system", "root", "Admin", ""} {
		r := execute("token", "issue", "--data-dir", dir, "--role", role, "--subject", "x")
		if r.code != 2 || !strings.Contains(r.err, "not one a token may carry") {
			t.Errorf("--role %q: want exit 2 naming the accepted roles, got %v", role, r)
		}
	}
	r := execute("token", "issue", "--data-dir", dir, "--role", "admin", "--subject", "   ")
	if r.code != 2 {
		t.Errorf("blank subject: want exit 2, got %v", r)
	}
}
