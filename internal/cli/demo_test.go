package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the demo end to end: it files the dossiers through a real
// server, prints the province's indicators and the verification, and the
// same seed plays the same office.
func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r := execute("demo", "--dossiers", "40")
	if r.code != 0 {
		t.Fatalf("demo:\n%s", r)
	}
	contains(t, "demo", r.out, "Simulated 40 dossiers filed with the one-stop centre from Mon 05/01/2026 to Fri 06/03/2026",
		"Indicators · 000.00.00.H55 Ủy ban nhân dân tỉnh (demo) and the agencies below it · dossiers filed 2026-01-05 – 2026-03-13",
		"On-time rate (national index)", "Online share, reported (assisted counted)", "Online share, genuine (assisted not counted)",
		"Decision 766 score", "What the online share hides",
		// The national databases' day adds five dossiers after the period.
		"aggregates match the events: 45 dossiers checked")
	// Verification, a planted mismatch, pre-fill and the hand-off, against
	// the simulators in the process.
	ident := strings.Join(strings.Fields(r.out[strings.Index(r.out, "The national databases (simulated in this process)"):]), " ")
	contains(t, "demo identity", ident, "3 counter intakes", "2 were verified (MATCH",
		"-260316-0003 was flagged: the database answered NO_MATCH on name and birth_date (flag IDENTITY_MISMATCH)",
		"-260316-0004, was pre-filled from the database", "fields name, birth_date, address marked as taken from it",
		"-260316-0005 was accepted at the counter and handed off to the business-registry simulator once (1 registration): "+
			"status SENT, enterprise code 0100000001.")
	if got := line(t, r.out, "Filed"); got != "Filed 40" {
		t.Errorf("%q", got)
	}
	// The paragraph quotes the table's figures.
	reported := regexp.MustCompile(`Online share, reported \(assisted counted\) +(\d+\.\d\d%)`).FindStringSubmatch(r.out)
	genuine := regexp.MustCompile(`Online share, genuine \(assisted not counted\) +(\d+\.\d\d%)`).FindStringSubmatch(r.out)
	para := strings.Join(strings.Fields(r.out[strings.Index(r.out, "What the online share hides"):]), " ")
	if reported == nil || genuine == nil || !strings.Contains(para, "("+reported[1]+") came in online") ||
		!strings.Contains(para, "a genuine online share of "+genuine[1]) {
		t.Errorf("the paragraph does not quote the shares %v and %v:\n%s", reported, genuine, para)
	}
	contains(t, "demo progress", r.err, "[####################] 40/40 dossiers", "checked 45 dossiers")
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the temporary store was left behind: %v", left)
	}

	// --keep keeps the store and says how to serve it; the same seed plays
	// the same office.
	keep := filepath.Join(tmp, "kept")
	kept := execute("demo", "--dossiers", "5", "--seed", "7", "--keep", keep)
	if kept.code != 0 {
		t.Fatalf("demo --keep:\n%s", kept)
	}
	contains(t, "demo --keep", kept.out, "The demo store is kept in "+filepath.Join(keep, "motcua.db"), "motcua serve --data-dir "+keep)
	if _, err := os.Stat(filepath.Join(keep, "motcua.db")); err != nil {
		t.Errorf("--keep: %v", err)
	}
	again := execute("demo", "--dossiers", "5", "--seed", "7")
	if cut := kept.out[:strings.Index(kept.out, "\nThe demo store is kept")]; again.code != 0 || cut != again.out {
		t.Errorf("the same seed printed different figures:\n%s\n---\n%s", kept.out, again)
	}

	// A kept store is not overwritten; bad flags are usage errors.
	if r := execute("demo", "--keep", keep); r.code != 2 || !strings.Contains(r.err, "already holds a motcua.db") {
		t.Errorf("demo into a used --keep:\n%s", r)
	}
	if r := execute("demo", "--dossiers", "0"); r.code != 2 || !strings.Contains(r.err, "--dossiers must be between 1 and") {
		t.Errorf("demo --dossiers 0:\n%s", r)
	}
}
