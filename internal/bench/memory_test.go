package bench_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
)

var (
	flagMemoryClients = flag.Int("memory-clients", 64, "concurrent clients of BenchmarkMemory")
	flagMemoryRun     = flag.Duration("memory-run", 60*time.Second, "how long each of BenchmarkMemory's runs lasts")
	flagMemoryRuns    = flag.Int("memory-runs", 3, "how many runs BenchmarkMemory makes against the same server")
)

// rss is the process's resident set size, from /proc.
func rss() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}

// BenchmarkMemory serves the default store (a SQLite file, 2,000 seeded
// dossiers) and runs -memory-runs runs of -memory-clients clients for
// -memory-run each against the same server — every eighth call an intake,
// the others GetDossier as a clerk (an access-logged read) — sampling the
// resident set every 250 ms. Client and server share the process, so the
// figures are an upper bound for the server. Run: make bench-memory.
func BenchmarkMemory(b *testing.B) {
	if b.N > 1 {
		b.Skip("measured once, in the first run")
	}
	h := startOn(b, "sqlite:"+filepath.Join(b.TempDir(), "motcua.db"), 2000)
	ctx := context.Background()
	var ids []string
	rows, err := h.db.QueryContext(ctx, `SELECT id FROM dossiers WHERE agency_code = ? ORDER BY id LIMIT 1000`, seed.OneStopCentre)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		b.Fatal("nothing seeded at the one-stop centre")
	}
	dossiers := pb.NewDossierServiceClient(h.conn)
	clerk := h.as(b, clerkOf(seed.OneStopCentre))
	// The seeding's garbage is returned to the system first, so that the
	// runs start from the serving process's own footprint.
	debug.FreeOSMemory()
	base, err := rss()
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("\n== motcua memory (issue 13): %d clients, %s per run, SQLite; RSS before the first run %.0f MB ==\n",
		*flagMemoryClients, *flagMemoryRun, float64(base)/1e6)
	var peaks []int64
	for run := range *flagMemoryRuns {
		stop := make(chan struct{})
		var peak int64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					if r, err := rss(); err == nil && r > peak {
						peak = r
					}
				}
			}
		}()
		res := hammer(b, nil, "mixed", *flagMemoryClients, *flagMemoryRun, func(c, k int) error {
			if k%8 == 7 {
				_, err := dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: fmt.Sprintf("mem-%d-%d-%d", run, c, k),
					Target:  &pb.ReceiveDossierRequest_NewDossier{NewDossier: intakeDraft(seed.OneStopCentre, c, k)},
					Channel: pb.Channel_CHANNEL_COUNTER})
				return err
			}
			_, err := dossiers.GetDossier(clerk, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: ids[(c*131+k)%len(ids)]}, Purpose: "benchmark"})
			return err
		})
		close(stop)
		wg.Wait()
		runtime.GC()
		after, _ := rss()
		peaks = append(peaks, peak)
		fmt.Printf("run %d: %d calls (%.0f/s, p99 %.1f ms); peak RSS %.0f MB, after the run and a GC %.0f MB\n",
			run+1, res.done, res.perSec(), ms(res.lat.quantile(0.99)), float64(peak)/1e6, float64(after)/1e6)
	}
	worst := peaks[0]
	for _, p := range peaks {
		worst = max(worst, p)
	}
	b.ReportMetric(float64(worst)/1e6, "MB-peak-RSS")
	fmt.Printf("target: RSS under %d clients < 200 MB: %s (peak %.0f MB); growth from the first run's peak to the last's: %+.0f MB\n",
		*flagMemoryClients, map[bool]string{true: "MET", false: "NOT MET"}[worst < 200e6], float64(worst)/1e6,
		float64(peaks[len(peaks)-1]-peaks[0])/1e6)
}
