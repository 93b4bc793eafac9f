package cli

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/store/gormstore"
)

func TestSeedCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	root := NewRoot(&out, &errOut)
	root.SetArgs([]string{"seed", "--dossiers", "120", "--until", "2026-03-31", "--seed", "5", "--data-dir", dir})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, want := range []string{"Seeded 120 dossiers", "filed 2026-01-01 – 2026-03-31", "events", "slip rows", "rows/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "dossiers") {
		t.Errorf("no progress on stderr: %q", errOut.String())
	}

	st, err := gormstore.Open(context.Background(), "sqlite:"+filepath.Join(dir, "motcua.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	diffs, err := app.New(st).VerifyStats(context.Background(), nil)
	if err != nil || len(diffs) > 0 {
		t.Fatalf("seeded store does not verify: %v %v", diffs, err)
	}

	// Bad flags are usage errors.
	for _, args := range [][]string{{"seed", "--dossiers", "0"}, {"seed", "--until", "31/03/2026"}} {
		root := NewRoot(&out, &errOut)
		root.SetArgs(append(args, "--data-dir", t.TempDir()))
		var ue usageError
		if err := root.ExecuteContext(context.Background()); !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}
