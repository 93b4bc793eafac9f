package webhooks_test

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/testenv"
)

var (
	benchClients  = flag.Int("outbox-clients", 8, "concurrent SubmitDossier clients")
	benchDuration = flag.Duration("outbox-duration", 10*time.Second, "how long each intake phase runs")
)

// BenchmarkOutbox measures, on one real server (gRPC on loopback, the
// production interceptor chain) and in one run: SubmitDossier throughput
// with no subscription (the outbox hook reads the empty subscription list
// and enqueues nothing) and with one subscription (each submission also
// starts a cursor and enqueues a delivery job in its transaction), then the
// delivery throughput of all those dossiers' events to a receiver on
// 127.0.0.1, once the job engine starts.
// docs/PERFORMANCE.md, "Outbox and webhooks".
//
//	./scripts/with-postgres.sh go test -run '^$' -bench Outbox -benchtime 1x ./internal/webhooks/
func BenchmarkOutbox(b *testing.B) {
	for _, kind := range testenv.Stores {
		b.Run(kind, func(b *testing.B) {
			for range b.N {
				benchOutbox(b, kind)
			}
		})
	}
}

func benchOutbox(b *testing.B, kind string) {
	e := testenv.Start(b, testenv.StoreURL(b, kind), testenv.Options{}) // the engine works nothing yet
	var seq atomic.Int64
	intake := func(phase string) float64 {
		var wg sync.WaitGroup
		var done atomic.Int64
		stop := time.Now().Add(*benchDuration)
		begin := time.Now()
		for c := range *benchClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := testenv.CitizenID(1000 + c)
				ctx := e.As(b, testenv.Citizen(id))
				for time.Now().Before(stop) {
					n := seq.Add(1)
					_, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: fmt.Sprintf("bench-%s-%d", phase, n), Dossier: testenv.Draft(id)})
					if err != nil {
						b.Error(err)
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		return float64(done.Load()) / time.Since(begin).Seconds()
	}
	// Off and on alternate, three rounds each, so that the load of the
	// shared machine weighs on both alike. "Off" is the subscription
	// disabled: the hook still reads the subscription list.
	r := newReceiver(b)
	w := subscribe(b, e, r, nil)
	ws := pb.NewWebhookServiceClient(e.Conn)
	admin := e.As(b, testenv.Admin)
	var offN, onN float64
	first := seq.Load()
	for round := range 3 {
		d, err := ws.DisableWebhook(admin, &pb.DisableWebhookRequest{RequestId: fmt.Sprintf("bench-off-%d", round), Id: w.GetId(), ExpectedVersion: w.GetVersion()})
		if err != nil {
			b.Fatal(err)
		}
		offN += intake(fmt.Sprintf("off%d", round))
		en, err := ws.EnableWebhook(admin, &pb.EnableWebhookRequest{RequestId: fmt.Sprintf("bench-on-%d", round), Id: w.GetId(), ExpectedVersion: d.GetWebhook().GetVersion()})
		if err != nil {
			b.Fatal(err)
		}
		w = en.GetWebhook()
		onN += intake(fmt.Sprintf("on%d", round))
	}
	// Every dossier filed since the subscription is delivered: the on
	// rounds' through their jobs, the off rounds' through the resume jobs
	// of the enables.
	enqueued := int(seq.Load() - first)
	off, on := offN/3, onN/3
	begin := time.Now()
	if err := e.Jobs.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for len(r.ids()) < enqueued {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", len(r.ids()), enqueued)
		}
		time.Sleep(20 * time.Millisecond)
	}
	delivered := float64(enqueued) / time.Since(begin).Seconds()
	b.ReportMetric(off, "off-dossiers/s")
	b.ReportMetric(on, "on-dossiers/s")
	b.ReportMetric(on/off, "x-on/off")
	b.ReportMetric(delivered, "delivered/s")
	b.Logf("%s: intake %.0f/s without a subscription, %.0f/s with one (x%.2f); %d deliveries at %.0f/s",
		kind, off, on, on/off, enqueued, delivered)
}
