package bench_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// captured is one statement the store executed, with its arguments.
type captured struct {
	sql  string
	args []any
}

// capturer records the statements gorm executes while on.
type capturer struct {
	on    atomic.Bool
	mu    sync.Mutex
	stmts []captured
}

func (c *capturer) install(b *testing.B, db *gorm.DB) {
	record := func(tx *gorm.DB) {
		if !c.on.Load() || tx.Error != nil || tx.Statement.SQL.Len() == 0 {
			return
		}
		c.mu.Lock()
		c.stmts = append(c.stmts, captured{tx.Statement.SQL.String(), append([]any(nil), tx.Statement.Vars...)})
		c.mu.Unlock()
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("bench:capture", record),
		cb.Query().After("gorm:query").Register("bench:capture", record),
		cb.Update().After("gorm:update").Register("bench:capture", record),
		cb.Delete().After("gorm:delete").Register("bench:capture", record),
		cb.Row().After("gorm:row").Register("bench:capture", record),
		cb.Raw().After("gorm:raw").Register("bench:capture", record),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// BenchmarkSQLiteIntake measures intake on the default store (a SQLite
// file, as `motcua serve` makes it) at 8 clients at one receiving agency,
// and, as the baseline, the very statements one API intake executed
// (captured from gorm with their arguments) replayed in a transaction by 8
// goroutines on the same file through a pool opened the same way, one
// transaction at a time as the store queues them — with fresh ids, request
// id and code in each replay.
func BenchmarkSQLiteIntake(b *testing.B) {
	dir := b.TempDir()
	h := startOn(b, "sqlite:"+filepath.Join(dir, "motcua.db"), 500)
	const clients = 8
	agencies := []string{seed.OneStopCentre}

	// One intake, captured.
	var cap capturer
	cap.install(b, h.st.DB())
	cap.on.Store(true)
	rid := fmt.Sprintf("bench-capture-%d", time.Now().UnixNano())
	d, err := pb.NewDossierServiceClient(h.conn).ReceiveDossier(h.as(b, clerkOf(agencies[0])), &pb.ReceiveDossierRequest{RequestId: rid,
		Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: intakeDraft(agencies[0], 0, 0)}, Channel: pb.Channel_CHANNEL_COUNTER})
	cap.on.Store(false)
	if err != nil {
		b.Fatal(err)
	}
	stmts := cap.stmts
	code := d.GetDossier().GetCode()

	api := h.intakeAt(b, "_sqlite", clients, agencies, *flagIntake, false)

	// The baseline: the same statements straight on the file.
	direct, err := gormstore.Open(context.Background(), "sqlite:"+filepath.Join(dir, "motcua.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	db := direct.SQLDB()
	// One writer at a time, queued in this process, as the store does
	// (gormstore's queueWriter): the best way to drive SQLite's single
	// write lock, so the baseline gets it too.
	var writer sync.Mutex
	var replay *throughput
	b.Run("IntakeDirectSQL_sqlite", func(b *testing.B) {
		if b.N > 1 {
			b.Skip("measured once, in the first run")
		}
		replay = hammer(b, nil, "same statements, database/sql on the same file", clients, *flagIntake, func(c, k int) error {
			ids := map[string]string{}
			writer.Lock()
			defer writer.Unlock()
			tx, err := db.BeginTx(context.Background(), nil)
			if err != nil {
				return err
			}
			for _, s := range stmts {
				args := make([]any, len(s.args))
				for i, a := range s.args {
					args[i] = a
					v, ok := a.(string)
					switch {
					case !ok:
					case v == rid:
						args[i] = fmt.Sprintf("%s-%d-%d", rid, c, k)
					case v == code:
						args[i] = fmt.Sprintf("%s-r%02d%07d", code, c, k)
					case uuidRE.MatchString(v):
						if ids[v] == "" {
							ids[v] = uuid.NewString()
						}
						args[i] = ids[v]
					}
				}
				if _, err := tx.Exec(s.sql, args...); err != nil {
					_ = tx.Rollback()
					return fmt.Errorf("%s: %w", s.sql, err)
				}
			}
			return tx.Commit()
		})
		b.ReportMetric(replay.perSec(), "transactions/s")
		b.ReportMetric(ms(replay.lat.quantile(0.99)), "ms-p99")
	})
	w := os.Stdout
	fmt.Fprintf(w, "\n== motcua SQLite intake (issue 13): %d clients at one agency, %s each ==\n", clients, *flagIntake)
	fmt.Fprintf(w, "%-52s %10s %9s %9s\n", "", "per s", "p50", "p99")
	fmt.Fprintf(w, "%-52s %10.0f %7.2fms %7.2fms\n", "ReceiveDossier through the API", api.apiPerSec(),
		ms(api.apiLatency.quantile(0.5)), ms(api.apiLatency.quantile(0.99)))
	fmt.Fprintf(w, "%-52s %10.0f %7.2fms %7.2fms\n", fmt.Sprintf("its %d statements replayed directly, in a transaction", len(stmts)), replay.perSec(),
		ms(replay.lat.quantile(0.5)), ms(replay.lat.quantile(0.99)))
	fmt.Fprintf(w, "ratio API/direct: %.2f; target p99 ≤ 50 ms at 8 clients: %s\n", api.apiPerSec()/replay.perSec(),
		map[bool]string{true: "MET", false: "NOT MET"}[api.apiLatency.quantile(0.99) <= 50*time.Millisecond])
}
