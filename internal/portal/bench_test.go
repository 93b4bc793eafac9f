package portal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/testenv"
)

// BenchmarkDelivery measures delivery throughput to the simulator over
// loopback: each iteration asks to resend every dossier (a received
// dossier with its progress rows: two HTTP calls each, plus the token once)
// and drains the deliveries. Figures: docs/PERFORMANCE.md.
//
//	./scripts/with-postgres.sh go test -run '^$' -bench Delivery -benchtime 5x ./internal/portal/
func BenchmarkDelivery(b *testing.B) {
	const dossiers = 200
	for _, kind := range testenv.Stores {
		for _, workers := range []int{1, 4, 8} {
			b.Run(fmt.Sprintf("%s/workers=%d", kind, workers), func(b *testing.B) {
				f := start(b, kind, app.SyncConfig{Workers: workers, Batch: 100})
				for i := range dossiers {
					f.dr.Intake(testenv.CounterDraft(testenv.CitizenID(1000 + i)))
				}
				ctx := context.Background()
				drainB(b, f)
				b.ResetTimer()
				start := time.Now()
				for range b.N {
					if _, err := f.env.App.Resend(ctx, admin, app.SyncQuery{CreatedFrom: time.Unix(0, 0)}); err != nil {
						b.Fatal(err)
					}
					drainB(b, f)
				}
				b.ReportMetric(float64(dossiers*b.N)/time.Since(start).Seconds(), "dossiers/s")
			})
		}
	}
}

func drainB(b *testing.B, f *fixture) {
	for {
		n, err := f.env.App.RunOnce(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}
