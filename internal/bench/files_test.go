package bench_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// filesBytes is the size of the file BenchmarkFiles streams (MOTCUA_BENCH_FILE_MB, default 1024).
func filesBytes() int64 {
	mb := int64(1024)
	if v, err := strconv.ParseInt(os.Getenv("MOTCUA_BENCH_FILE_MB"), 10, 64); err == nil && v > 0 {
		mb = v
	}
	return mb << 20
}

// source generates the same pseudo-random bytes for a seed, chunk by chunk,
// so that neither the client nor the baseline holds the file in memory.
type source struct {
	r    *rand.ChaCha8
	left int64
}

func newSource(n int64) *source { return &source{r: rand.NewChaCha8([32]byte{1}), left: n} }

func (s *source) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, _ := s.r.Read(p)
	s.left -= int64(n)
	return n, nil
}

// heapPeak samples the heap in use until stop is closed and returns the
// largest value seen.
func heapPeak(stop <-chan struct{}) func() uint64 {
	var peak atomic.Uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { wg.Wait(); return peak.Load() }
}

// BenchmarkFiles streams one large file through UploadChunks and
// DownloadFile (a real server on loopback, SQLite, the directory blob
// store on the same disk) next to the baseline of writing the same bytes
// to a file there with fsync and reading them back, in the same run; it
// reports each throughput and the peak heap in use (client and server share
// the process, so the figure bounds the server's). `make bench-files`.
func BenchmarkFiles(b *testing.B) {
	size := filesBytes()
	dir := b.TempDir()
	e := testenv.Start(b, "sqlite:"+filepath.Join(dir, "motcua.db"), testenv.Options{Documents: app.DocumentConfig{MaxBytes: size}})
	clerk := e.As(b, auth.TokenSpec{Subject: "clerk@" + seed.OneStopCentre, Role: domain.RoleClerk, Agency: seed.OneStopCentre})
	h := sha256.New()
	if _, err := io.Copy(h, newSource(size)); err != nil {
		b.Fatal(err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	mbps := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }

	for i := 0; i < b.N; i++ {
		// Baseline: the same bytes to a file and back.
		t0 := time.Now()
		f, err := os.Create(filepath.Join(dir, "baseline"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(f, newSource(size), make([]byte, 1<<20)); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		diskWrite := time.Since(t0)
		t0 = time.Now()
		f, _ = os.Open(filepath.Join(dir, "baseline"))
		if _, err := io.CopyBuffer(io.Discard, f, make([]byte, 1<<20)); err != nil {
			b.Fatal(err)
		}
		f.Close()
		diskRead := time.Since(t0)
		os.Remove(filepath.Join(dir, "baseline"))

		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		base := m.HeapInuse

		// Upload.
		stop := make(chan struct{})
		peak := heapPeak(stop)
		t0 = time.Now()
		cu, err := e.Files.CreateUpload(clerk, &pb.CreateUploadRequest{RequestId: fmt.Sprint("bench-", i), Sha256: sha, Size: size, MediaType: testenv.TextFile})
		if err != nil {
			b.Fatal(err)
		}
		st, err := e.Files.UploadChunks(clerk)
		if err != nil {
			b.Fatal(err)
		}
		src, buf := newSource(size), make([]byte, 1<<20)
		for off := int64(0); ; {
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				if err := st.Send(&pb.UploadChunksRequest{UploadId: cu.GetUpload().GetUploadId(), Offset: off, Data: buf[:n]}); err != nil {
					b.Fatal(err)
				}
				off += int64(n)
			}
			if err != nil {
				break
			}
		}
		if r, err := st.CloseAndRecv(); err != nil || r.GetUpload().GetState() != pb.UploadState_UPLOAD_STATE_DONE {
			b.Fatalf("upload: %v %v", r, err)
		}
		upload := time.Since(t0)
		close(stop)
		upPeak := peak()

		// Attach it (a scan at intake) and download it as the applicant.
		draft := testenv.CounterDraft(testenv.CitizenID(i + 1))
		draft.Components[0].FileRef, draft.Components[0].FileSha256 = "", sha
		d, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: fmt.Sprint("bench-in-", i),
			Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: draft}})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop = make(chan struct{})
		peak = heapPeak(stop)
		t0 = time.Now()
		ds, err := e.Files.DownloadFile(e.As(b, testenv.Citizen(testenv.CitizenID(i+1))), &pb.DownloadFileRequest{
			DossierId: d.GetDossier().GetId(), File: &pb.DownloadFileRequest_ComponentCode{ComponentCode: "TK-LLTP"}})
		if err != nil {
			b.Fatal(err)
		}
		dh := sha256.New()
		var got int64
		for {
			m, err := ds.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			dh.Write(m.GetData())
			got += int64(len(m.GetData()))
		}
		download := time.Since(t0)
		close(stop)
		downPeak := peak()
		if got != size || hex.EncodeToString(dh.Sum(nil)) != sha {
			b.Fatalf("downloaded %d bytes, hash %x", got, dh.Sum(nil))
		}
		b.ReportMetric(mbps(diskWrite), "disk-write-MB/s")
		b.ReportMetric(mbps(upload), "upload-MB/s")
		b.ReportMetric(mbps(diskRead), "disk-read-MB/s")
		b.ReportMetric(mbps(download), "download-MB/s")
		b.ReportMetric(float64(upPeak-min(upPeak, base))/(1<<20), "upload-heap-MiB")
		b.ReportMetric(float64(downPeak-min(downPeak, base))/(1<<20), "download-heap-MiB")
		b.Logf("%d MiB: disk write+fsync %s (%.0f MB/s), upload %s (%.0f MB/s); disk read %s (%.0f MB/s), download %s (%.0f MB/s); "+
			"heap in use above the start: upload %.1f MiB, download %.1f MiB",
			size>>20, diskWrite.Round(time.Millisecond), mbps(diskWrite), upload.Round(time.Millisecond), mbps(upload),
			diskRead.Round(time.Millisecond), mbps(diskRead), download.Round(time.Millisecond), mbps(download),
			float64(upPeak-min(upPeak, base))/(1<<20), float64(downPeak-min(downPeak, base))/(1<<20))
	}
}
