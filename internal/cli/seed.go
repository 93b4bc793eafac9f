package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// seedOptions are the flags of motcua seed.
type seedOptions struct {
	dossiers  int
	year      int
	until     string
	seed      uint64
	batchSize int
	workers   int
}

func newSeedCmd() *cobra.Command {
	cfg := config.DefaultConfig()
	var o seedOptions
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill a store with a year of generated dossiers of the demo province (benchmarks, demos)",
		Long: `seed migrates the store, installs the demo catalog if it has no agency, adds
ten district people's committees under the province (000.21.01.H55 …
000.30.01.H55), and files --dossiers dossiers over --year at the province's
one-stop centre and the districts: at the counter, by post and online — by
citizens, representatives and the national portal, and by clerks and
community helpers for them (assisted) — in working hours, and online also at
night and on holidays. Each is carried through the real lifecycle: intake or
refusal, supplements, fees, the workflow steps (some late, some with an
apology and a new appointment), withdrawals and stops, result and return;
those filed near the end of the period are still running, paused or
awaiting intake.

Every dossier is run through the same use cases as the server (on a scratch
store), so its hash-chained events, process-control slip, counters and
aggregate contributions are what the server would have recorded; then the
rows are stored in bulk (COPY on PostgreSQL) and the aggregates written at
the end. "motcua report verify" recomputes them and finds no difference.

The same --seed on the same catalog gives the same rows, ids and hashes
included. The province's agencies must have no dossier in the period yet;
dossier numbers then start at 1 each day, and intake later continues after
them.`,
		Example: `  motcua seed --dossiers 10000
  motcua seed --dossiers 1000000 --database-url postgres://motcua@127.0.0.1/motcua
  motcua seed --dossiers 50000 --year 2026 --until 2026-11-27 --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.dossiers < 1 {
				return usageError{fmt.Errorf("--dossiers must be at least 1, not %d", o.dossiers)}
			}
			var until time.Time
			if o.until != "" {
				loc, err := (&domain.Agency{}).Location()
				if err != nil {
					return err
				}
				day, err := time.ParseInLocation("2006-01-02", o.until, loc)
				if err != nil {
					return usageError{fmt.Errorf("--until: %q is not a date (YYYY-MM-DD)", o.until)}
				}
				until = day.AddDate(0, 0, 1)
			}
			return runSeed(cmd, cfg, o, until)
		},
	}
	cfg.BindStore(cmd.Flags())
	f := cmd.Flags()
	f.IntVar(&o.dossiers, "dossiers", 10000, "how many dossiers to file")
	f.IntVar(&o.year, "year", 2026, "the year they are filed in")
	f.StringVar(&o.until, "until", "", "last day of the period (YYYY-MM-DD, in --year); default the year's last day")
	f.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed gives the same dossiers")
	f.IntVar(&o.batchSize, "batch-size", 5000, "dossiers per bulk insert")
	f.IntVar(&o.workers, "workers", 0, "goroutines generating dossiers (default: one per CPU)")
	return withEnv(cmd)
}

func runSeed(cmd *cobra.Command, cfg config.Config, o seedOptions, until time.Time) error {
	ctx, out := cmd.Context(), cmd.OutOrStdout()
	st, err := gormstore.Open(ctx, cfg.StoreURL())
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "applied migrations %v\n", applied)
	}
	if os.Getenv("GOGC") == "" {
		// Generation makes much short-lived garbage: a laxer collector
		// saves a tenth of the run for a few hundred MB more memory.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	bar := newProgress(cmd.ErrOrStderr())
	sum, err := seed.Dossiers(ctx, st, seed.Options{Dossiers: o.dossiers, Year: o.year, Until: until, Seed: o.seed,
		BatchSize: o.batchSize, Workers: o.workers, Progress: func(p seed.Progress) { bar.update(seedProgressLine(p), false) }})
	if err != nil {
		bar.done("seed stopped")
		return err
	}
	bar.done(fmt.Sprintf("%s done: %s dossiers · %s events · %s slip rows · aggregates written · %s", seedBar(1, 1, 20),
		seedThousands(int64(sum.Dossiers)), seedThousands(sum.Events), seedThousands(sum.SlipRows), sum.Elapsed.Round(time.Second)))
	printSeedSummary(out, st.Dialect(), o, sum)
	return nil
}

func seedProgressLine(p seed.Progress) string {
	switch p.Phase {
	case "dossiers":
		rate := 0.0
		if s := p.Elapsed.Seconds(); s > 0 {
			rate = float64(p.Done) / s
		}
		return fmt.Sprintf("%s %s/%s dossiers · %s events · %s slip rows · %s dossiers/s · %s",
			seedBar(p.Done, p.Total, 20), seedThousands(int64(p.Done)), seedThousands(int64(p.Total)), seedThousands(p.Events),
			seedThousands(p.SlipRows), seedThousands(int64(rate)), p.Elapsed.Round(time.Second))
	default:
		return fmt.Sprintf("%s aggregates %d/%d agencies written · %s", seedBar(p.Done, p.Total, 20), p.Done, p.Total,
			p.Elapsed.Round(time.Second))
	}
}

func seedBar(done, total, w int) string {
	n := 0
	if total > 0 {
		n = min(w, done*w/total)
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", w-n) + "]"
}

// seedThousands writes n with separators: 1,234,567.
func seedThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func printSeedSummary(w io.Writer, dialect string, o seedOptions, s seed.Summary) {
	last := s.Until.Add(-time.Nanosecond)
	fmt.Fprintf(w, "Seeded %s dossiers of the demo province %s (the one-stop centre and %d districts) into %s, filed %s – %s, seed %d.\n",
		seedThousands(int64(s.Dossiers)), seed.Province, len(seed.Districts), dialect, s.From.Format("2006-01-02"),
		last.Format("2006-01-02"), o.seed)
	fmt.Fprintf(w, "  dossiers     %s\n", seedThousands(int64(s.Dossiers)))
	fmt.Fprintf(w, "  events       %s\n", seedThousands(s.Events))
	fmt.Fprintf(w, "  slip rows    %s\n", seedThousands(s.SlipRows))
	fmt.Fprintf(w, "  aggregates   %s daily keys, %s unit-days (each also in its month)\n", seedThousands(int64(s.StatKeys)),
		seedThousands(int64(s.UnitKeys)))
	fmt.Fprintf(w, "  elapsed      %s (generating and loading %s, aggregates %s)\n", s.Elapsed.Round(100*time.Millisecond),
		s.Generate.Round(100*time.Millisecond), s.Aggregates.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  rows/s       %s (dossier, event and slip rows over the whole run)\n", seedThousands(int64(s.RowsPerSecond())))
}
