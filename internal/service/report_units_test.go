package service_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// flowFigures clears what a unit's breakdown leaves out: the processing-time
// percentile and the procedure-offer figures, and the score built on them.
func flowFigures(in *pb.Indicators) *pb.Indicators {
	out := proto.Clone(in).(*pb.Indicators)
	out.P90ProcessingDays, out.ProceduresUsedOnline, out.ProceduresUsedOnlineReported, out.OnlineOffered, out.Score = 0, nil, nil, nil, nil
	return out
}

// TestIndicatorsByUnit: GetIndicators with by_unit answers, for each agency
// directly below the scope's, the figures GetIndicators gives that unit with
// its sub-agencies — for a year (monthly rows), a month's days, and a
// channel — and a leader of one district cannot get the province's units.
func TestIndicatorsByUnit(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{})
			hcm := time.FixedZone("ICT", 7*3600)
			if _, err := seed.Dossiers(ctx, e.Store, seed.Options{Dossiers: 300, Year: 2026, Until: time.Date(2026, 11, 16, 0, 0, 0, 0, hcm), Seed: 7}); err != nil {
				t.Fatal(err)
			}
			rep := pb.NewReportServiceClient(e.Conn)
			auditor := e.As(t, testenv.Auditor)
			for _, sc := range []*pb.ReportScope{
				{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026"},
				{AgencyCode: seed.Province, FromDate: "2026-10-05", ToDate: "2026-11-20"},
				{AgencyCode: seed.Province, IncludeSubAgencies: true, Period: "2026", Channel: pb.Channel_CHANNEL_ONLINE},
			} {
				resp, err := rep.GetIndicators(auditor, &pb.GetIndicatorsRequest{Scope: sc, ByUnit: true})
				if err != nil {
					t.Fatal(err)
				}
				if n := len(resp.GetUnits()); n != len(seed.Districts)+4 {
					t.Fatalf("%v: %d units, want the centre, 3 departments and %d districts", sc, n, len(seed.Districts))
				}
				var received int64
				for _, u := range resp.GetUnits() {
					one := proto.Clone(sc).(*pb.ReportScope)
					one.AgencyCode, one.IncludeSubAgencies = u.GetAgencyCode(), true
					w, err := rep.GetIndicators(auditor, &pb.GetIndicatorsRequest{Scope: one})
					if err != nil {
						t.Fatal(err)
					}
					if got, want := flowFigures(u.GetIndicators()), flowFigures(w.GetIndicators()); !proto.Equal(got, want) {
						t.Errorf("%v, unit %s:\n by_unit %v\n alone   %v", sc, u.GetAgencyCode(), got, want)
					}
					received += u.GetIndicators().GetReceived()
				}
				if sc.GetIncludeSubAgencies() && received != resp.GetIndicators().GetReceived() {
					t.Errorf("%v: the units received %d, the province and below %d", sc, received, resp.GetIndicators().GetReceived())
				}
				if received == 0 {
					t.Errorf("%v: nothing received in any unit", sc)
				}
			}
			// Without by_unit, no units; a district's leader is refused the province.
			resp, err := rep.GetIndicators(auditor, &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: seed.Province, Period: "2026"}})
			if err != nil || len(resp.GetUnits()) != 0 {
				t.Fatalf("without by_unit: %d units, %v", len(resp.GetUnits()), err)
			}
			leader := e.As(t, auth.TokenSpec{Subject: "leader-d", Role: domain.RoleLeader, Agency: seed.Districts[0].Code})
			_, err = rep.GetIndicators(leader, &pb.GetIndicatorsRequest{Scope: &pb.ReportScope{AgencyCode: seed.Province, Period: "2026"}, ByUnit: true})
			if status.Code(err) != codes.PermissionDenied {
				t.Fatalf("a district leader on the province's units: %v", err)
			}
		})
	}
}
