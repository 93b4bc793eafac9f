package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// maxDiffsShown caps the differences a table prints.
const maxDiffsShown = 50

func newReportVerifyCmd(o *clientOpts) *cobra.Command {
	cfg := config.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every indicator aggregate from the dossiers' events and compare (reads the store directly)",
		Long: `verify opens the store (--data-dir or --database-url, as serve and migrate do;
not through a server, so --addr and --token do not apply) and recomputes every
aggregate row the indicators are read from — per day and per month, the
processing-time buckets and the units' step counts — from the dossiers and
their events, then compares them with the stored rows. It only reads; run it
against a live database at a quiet time, or against a restored backup.

Progress goes to stderr. It prints "aggregates match the events: N dossiers
checked" and exits 0, or lists every difference (the first 50 in a table;
all of them with --output json) and exits 1.`,
		Example: `  motcua report verify
  motcua report verify --data-dir /var/lib/motcua
  motcua report verify --database-url 'postgres://motcua@db.example:5432/motcua?sslmode=require'`,
		Args: noArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
			for _, name := range []string{config.FlagDataDir, config.FlagDatabaseURL} {
				fs.AddFlag(cmd.Flags().Lookup(name))
			}
			if err := config.ApplyEnv(fs); err != nil {
				return usageError{err}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := gormstore.Open(ctx, cfg.StoreURL())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := requireSchema(ctx, st); err != nil {
				return err
			}
			return verifyStats(ctx, app.New(st), cmd.OutOrStdout(), cmd.ErrOrStderr(), o.output == "json")
		},
	}
	cfg.BindStore(cmd.Flags())
	return cmd
}

// verifyFailed is verify's outcome when the aggregates differ.
type verifyFailed struct{ differences int }

func (e verifyFailed) Error() string {
	verb := "do"
	if e.differences == 1 {
		verb = "does"
	}
	return fmt.Sprintf("%s %s not match the events", plural(e.differences, "aggregate value", "aggregate values"), verb)
}

// plural is "1 difference" or "1,200 differences".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmtCount(int64(n)) + " " + many
}

// verifyStats runs app.VerifyStats with a progress line on errOut and
// prints the outcome on out; differences are a verifyFailed error.
func verifyStats(ctx context.Context, a *app.Service, out, errOut io.Writer, asJSON bool) error {
	p := newProgress(errOut)
	checked := 0
	diffs, err := a.VerifyStats(ctx, func(n int) {
		checked = n
		p.update("checked "+plural(n, "dossier", "dossiers"), false)
	})
	p.done("checked " + plural(checked, "dossier", "dossiers"))
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	slices.SortFunc(diffs, func(a, b app.StatsDiff) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Metric, b.Metric))
	})
	if asJSON {
		type diff struct {
			Table      string `json:"table"`
			Key        string `json:"key"`
			Metric     string `json:"metric"`
			Stored     int64  `json:"stored"`
			Recomputed int64  `json:"recomputed"`
			// Row fields (table "dossiers") differ as text.
			StoredValue     string `json:"storedValue,omitempty"`
			RecomputedValue string `json:"recomputedValue,omitempty"`
		}
		doc := struct {
			DossiersChecked int    `json:"dossiersChecked"`
			Match           bool   `json:"match"`
			Differences     []diff `json:"differences"`
		}{DossiersChecked: checked, Match: len(diffs) == 0, Differences: []diff{}}
		for _, d := range diffs {
			doc.Differences = append(doc.Differences, diff{d.Table, d.Key, d.Metric, d.Stored, d.Recomputed, d.StoredValue, d.RecomputedValue})
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(out, string(b))
	} else {
		printVerify(out, checked, diffs)
	}
	if len(diffs) > 0 {
		return verifyFailed{len(diffs)}
	}
	return nil
}

// printVerify prints the outcome: one line when everything matches, else
// a table of the first differences.
func printVerify(out io.Writer, checked int, diffs []app.StatsDiff) {
	if len(diffs) == 0 {
		fmt.Fprintf(out, "aggregates match the events: %s checked\n", plural(checked, "dossier", "dossiers"))
		return
	}
	fmt.Fprintf(out, "aggregates DIFFER from the events: %s (%s checked)\n",
		plural(len(diffs), "difference", "differences"), plural(checked, "dossier", "dossiers"))
	var tables []string
	perTable := map[string]int{}
	for _, d := range diffs {
		if perTable[d.Table] == 0 {
			tables = append(tables, d.Table)
		}
		perTable[d.Table]++
	}
	if len(tables) > 1 {
		parts := make([]string, len(tables))
		for i, tb := range tables {
			parts[i] = fmt.Sprintf("%s %d", tb, perTable[tb])
		}
		fmt.Fprintln(out, "by table: "+strings.Join(parts, " · "))
	}
	t := newTable(out)
	t.row("TABLE/PERIOD", "KEY (agency/day/procedure/channel/filed by)", "METRIC", "STORED", "RECOMPUTED")
	for i, d := range diffs {
		if i == maxDiffsShown {
			break
		}
		t.row(d.Table, d.Key, d.Metric, d.StoredText(), d.RecomputedText())
	}
	t.flush()
	if len(diffs) > maxDiffsShown {
		fmt.Fprintf(out, "… and %s more differences (--output json lists them all)\n", fmtCount(int64(len(diffs)-maxDiffsShown)))
	}
}

// progress is a progress line on stderr: rewritten in place with \r on a
// terminal, plain lines (at most one a second) otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	last     time.Time
	shown    string
	width    int
}

func newProgress(w io.Writer) *progress { return &progress{w: w, terminal: isTerminal(w)} }

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update shows text; force prints it on a plain stream even within a second
// of the previous line.
func (p *progress) update(text string, force bool) {
	if text == p.shown {
		return
	}
	if p.terminal {
		pad := max(0, p.width-width(text))
		fmt.Fprintf(p.w, "\r%s%*s", text, pad, "")
		p.width = width(text)
		p.shown = text
		return
	}
	if !force && time.Since(p.last) < time.Second {
		return
	}
	fmt.Fprintln(p.w, text)
	p.last, p.shown = time.Now(), text
}

// done shows the final text and ends the line.
func (p *progress) done(text string) {
	p.update(text, true)
	if p.terminal && p.width > 0 {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}

// requireSchema refuses to work on a store whose schema is not the one this
// build reads (an empty data directory included), saying what to run, instead
// of failing later on a missing table.
func requireSchema(ctx context.Context, st *gormstore.Store) error {
	cur, want, err := st.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	if cur != want {
		return fmt.Errorf("the database schema is at version %d but this build reads version %d: run `motcua migrate` with the same --data-dir/--database-url (or use the matching motcua)", cur, want)
	}
	return nil
}
