package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/testenv"
)

// The collector runs as serve runs it, a periodic job of the River engine:
// an unreferenced file goes, a referenced one stays, and an upload left
// unfinished past the expiry (0 here) loses its staged bytes.
func TestBlobGCIsAPeriodicJob(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			w := &blobGCWorker{grace: 0, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			jc := testenv.TestJobsConfig()
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{JobsConfig: &jc,
				Jobs: func(eng *jobs.Engine) []app.EventHook { registerBlobGC(eng, w, 200*time.Millisecond); return nil }})
			ctx := e.As(t, testenv.Citizen(testenv.CitizenID(91)))
			orphan := e.Upload(t, ctx, []byte("%PDF-1.7 never attached"), "application/pdf")
			d := e.NewDriver(t).Submit(testenv.Draft(testenv.CitizenID(91)))
			kept := d.GetComponents()[0].GetFileSha256()
			cu, err := e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: "abandoned", Sha256: strings.Repeat("0", 64),
				Size: 100, MediaType: testenv.TextFile})
			if err != nil {
				t.Fatal(err)
			}
			abandoned := cu.GetUpload().GetUploadId()
			st, err := e.Files.UploadChunks(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Send(&pb.UploadChunksRequest{UploadId: abandoned, Data: []byte("half")}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.CloseAndRecv(); err != nil {
				t.Fatal(err)
			}
			w.app.Store(e.App)
			deadline := time.Now().Add(20 * time.Second)
			for {
				_, err := e.Blobs.Stat(context.Background(), orphan)
				if errors.Is(err, blob.ErrNotFound) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the periodic collector did not delete the orphan: %v", err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if _, err := e.Blobs.Stat(context.Background(), kept); err != nil {
				t.Fatalf("a referenced file was deleted: %v", err)
			}
			for {
				g, err := e.Files.GetUpload(ctx, &pb.GetUploadRequest{UploadId: abandoned})
				if err != nil {
					t.Fatal(err)
				}
				if g.GetUpload().GetState() == pb.UploadState_UPLOAD_STATE_EXPIRED {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the periodic collector did not expire the abandoned upload: %v", g.GetUpload())
				}
				time.Sleep(100 * time.Millisecond)
			}
			if n, err := e.Blobs.Staged(context.Background(), abandoned); err != nil || n != 0 {
				t.Fatalf("the expired upload keeps %d staged bytes (%v)", n, err)
			}
		})
	}
}
