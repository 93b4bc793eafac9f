package service

import (
	"context"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
)

// ReportServer implements pb.ReportServiceServer.
type ReportServer struct {
	pb.UnimplementedReportServiceServer
	*Server
}

func reportQuery(sc *pb.ReportScope) (app.ReportQuery, error) {
	q := app.ReportQuery{Agency: sc.GetAgencyCode(), SubAgencies: sc.GetIncludeSubAgencies(), Procedure: sc.GetProcedureCode(),
		Field: sc.GetFieldCode(), Channel: domain.Channel(sc.GetChannel())}
	switch {
	case sc.GetPeriod() != "" && (sc.GetFromDate() != "" || sc.GetToDate() != ""):
		return q, domain.Invalid("scope.period", "give a period or from_date and to_date, not both")
	case sc.GetPeriod() != "":
		p, err := indicators.ParsePeriod(sc.GetPeriod())
		if err != nil {
			return q, domain.Invalid("scope.period", "%v", err)
		}
		q.Period = p
	case sc.GetFromDate() != "" && sc.GetToDate() != "":
		from, err1 := indicators.ParsePeriod(sc.GetFromDate())
		to, err2 := indicators.ParsePeriod(sc.GetToDate())
		if err1 != nil || err2 != nil {
			return q, domain.Invalid("scope.from_date", "dates are YYYY-MM-DD")
		}
		q.Period = indicators.Period{From: from.From, To: to.To}
		if q.Period.To.Sub(q.Period.From).Hours() > 24*366*10 {
			return q, domain.Invalid("scope.to_date", "a report spans at most ten years")
		}
	default:
		return q, domain.Invalid("scope.period", "required: a period (2026, 2026-Q1, 2026-03, 2026-03-05) or from_date and to_date")
	}
	return q, nil
}

func rate(r indicators.Ratio) *pb.Rate {
	return &pb.Rate{Numerator: r.Num, Denominator: r.Den, Value: r.Value()}
}

func indicatorsToPB(in *indicators.Indicators) *pb.Indicators {
	s := in.Score
	return &pb.Indicators{
		Filed: in.Filed, Received: in.Received, ReceivedCounter: in.ReceivedCounter, ReceivedOnline: in.ReceivedOnline,
		ReceivedPostal: in.ReceivedPostal, OnlineGenuine: in.OnlineGenuine, OnlineAssisted: in.OnlineAssisted,
		ResolvedOnTime: in.ResolvedOnTime, ResolvedLate: in.ResolvedLate, InProgressOnTime: in.InProgressOnTime,
		OverdueNow: in.OverdueNow, Paused: in.Paused, AwaitingIntake: in.Intake, OnTime: rate(in.OnTime),
		Withdrawn: in.Withdrawn, NotAccepted: in.NotAccepted, Stopped: in.Stopped,
		SupplementDossiers: in.SupplementDossiers, SupplementRounds: in.SupplementRounds,
		AverageProcessingDays: in.AvgProcessingDays, P90ProcessingDays: in.P90ProcessingDays,
		DigitisedDossiers: rate(in.DigitisedDossiers), ReusedComponents: rate(in.ReusedComponents),
		PaperToElectronic: rate(in.PaperToElectronic), ElectronicResults: rate(in.ElectronicResults),
		OnlinePayments: rate(in.OnlinePayments), GenuineOnlineShare: rate(in.GenuineOnlineShare),
		ReportedOnlineShare: rate(in.ReportedOnlineShare), ProceduresUsedOnline: rate(in.ProceduresUsedOnline),
		OnlineOffered: rate(in.OnlineOffered), ProceduresUsedOnlineReported: rate(in.ProceduresUsedOnlineReported),
		IdentityChecked: in.IdentityChecked, IdentityVerified: rate(in.IdentityVerified), IdentityPending: in.IdentityPending,
		IdentityMismatches: in.IdentityMismatches, ProcessedWhilePending: in.ProcessedWhilePending,
		PrefilledFields: rate(in.PrefilledFields), EnteredOnce: rate(in.EnteredOnce),
		HandoffsWithoutRekeying: rate(in.HandoffsWithoutRekeying),
		Score: &pb.Score766{Progress: s.Progress, OnlineService: s.OnlineService, OnlineServiceReported: s.ReportedOnlineService,
			OnlinePayment: s.OnlinePayment, Digitisation: s.Digitisation, Measured: s.Measured, MeasuredMax: s.MeasuredMax},
	}
}

func syncIndicatorsToPB(f *app.SyncFigures) *pb.SyncIndicators {
	t := f.Timeliness
	return &pb.SyncIndicators{PortalConfigured: true,
		SyncedDossiers:        rate(indicators.Ratio{Num: f.Counts.Synced, Den: f.Counts.Dossiers}),
		AckedWithinBound:      rate(t.AckedWithinBound),
		AckBoundHours:         f.Bound.Hours(),
		LagP50Hours:           t.LagP50.Hours(),
		LagP95Hours:           t.LagP95.Hours(),
		OutOfSync:             f.Counts.OutOfSync,
		DeadLettered:          f.Counts.DeadLettered,
		UnacknowledgedChanges: t.Unacknowledged}
}

// GetIndicators implements pb.ReportServiceServer.
func (s ReportServer) GetIndicators(ctx context.Context, req *pb.GetIndicatorsRequest) (*pb.GetIndicatorsResponse, error) {
	q, err := reportQuery(req.GetScope())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	in, err := s.app.Indicators(ctx, principal(ctx), q)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.GetIndicatorsResponse{Indicators: indicatorsToPB(in), Sync: &pb.SyncIndicators{}}
	out.FromDate, out.ToDate = q.Period.Dates()
	if req.GetByUnit() {
		units, err := s.app.IndicatorsByUnit(ctx, principal(ctx), q)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		for i := range units {
			out.Units = append(out.Units, &pb.UnitIndicators{AgencyCode: units[i].Agency, Indicators: indicatorsToPB(&units[i].Indicators)})
		}
	}
	if s.app.Enabled() {
		sf, err := s.app.ReportSync(ctx, principal(ctx), q)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out.Sync = syncIndicatorsToPB(sf)
	}
	return out, nil
}

// GetIndicatorSeries implements pb.ReportServiceServer.
func (s ReportServer) GetIndicatorSeries(ctx context.Context, req *pb.GetIndicatorSeriesRequest) (*pb.GetIndicatorSeriesResponse, error) {
	q, err := reportQuery(req.GetScope())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	g := indicators.Granularity(req.GetGranularity())
	if g == 0 {
		g = indicators.Month
	}
	if g == indicators.Day && q.Period.To.Sub(q.Period.From).Hours() > 24*400 {
		return nil, s.fail(ctx, domain.Invalid("granularity", "a daily series spans at most about a year; use months"))
	}
	pts, err := s.app.IndicatorSeries(ctx, principal(ctx), q, g)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.GetIndicatorSeriesResponse{}
	for i := range pts {
		out.Points = append(out.Points, &pb.IndicatorPoint{Bucket: pts[i].Bucket, Indicators: indicatorsToPB(&pts[i].Indicators)})
	}
	return out, nil
}

// ListOverdueByUnit implements pb.ReportServiceServer.
func (s ReportServer) ListOverdueByUnit(ctx context.Context, req *pb.ListOverdueByUnitRequest) (*pb.ListOverdueByUnitResponse, error) {
	q, err := reportQuery(req.GetScope())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	units, err := s.app.OverdueByUnit(ctx, principal(ctx), q)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListOverdueByUnitResponse{}
	for _, u := range units {
		out.Units = append(out.Units, &pb.UnitLateness{UnitCode: u.Unit, StepsFinished: u.Finished, StepsLate: u.Late,
			LateWorkingHours: float64(u.LateMinutes) / 60, StepsOverdueNow: u.OverdueNow})
	}
	return out, nil
}
