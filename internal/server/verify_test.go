package server_test

import (
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// TestVerifyAuditChainBatchesEventQueries: verifying many dossiers reads
// their events in a few queries, not one per dossier (300 such streams made
// every other call ~100× slower on 2 CPUs).
func TestVerifyAuditChainBatchesEventQueries(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			env := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{})
			const n = 40
			for range n {
				if _, err := submitOne(t, env); err != nil {
					t.Fatal(err)
				}
			}
			var queries atomic.Int64
			err := env.Store.DB().Callback().Query().After("*").Register("test:count_event_queries", func(tx *gorm.DB) {
				if tx.Statement.Table == "dossier_events" {
					queries.Add(1)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			stream, err := pb.NewAuditServiceClient(env.Conn).VerifyAuditChain(env.As(t, testenv.Auditor), &pb.VerifyAuditChainRequest{
				Scope: &pb.VerifyAuditChainRequest_AgencyPeriod{AgencyPeriod: &pb.AgencyPeriod{AgencyCode: seed.Province,
					FromTime: timestamppb.New(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), ToTime: timestamppb.New(time.Now().Add(time.Hour))}}})
			if err != nil {
				t.Fatal(err)
			}
			var sum *pb.VerifyAuditChainResponse_Summary
			for sum == nil {
				resp, err := stream.Recv()
				if err != nil {
					t.Fatal(err)
				}
				sum = resp.GetSummary()
			}
			if sum.GetDossiersChecked() != n || !sum.GetIntact() {
				t.Fatalf("summary %v, want %d intact dossiers", sum, n)
			}
			if q := queries.Load(); q > 2 {
				t.Errorf("verifying %d dossiers read their events with %d queries; want one per batch", n, q)
			}
		})
	}
}
