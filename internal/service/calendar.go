package service

import (
	"context"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// CalendarServer implements pb.CalendarServiceServer.
type CalendarServer struct {
	pb.UnimplementedCalendarServiceServer
	*Server
}

// SetCalendarYear implements pb.CalendarServiceServer.
func (s CalendarServer) SetCalendarYear(ctx context.Context, req *pb.SetCalendarYearRequest) (*pb.SetCalendarYearResponse, error) {
	p := principal(ctx)
	resp, err := idempotent(ctx, s.Server, pb.CalendarService_SetCalendarYear_FullMethodName, req,
		func() *pb.SetCalendarYearResponse { return &pb.SetCalendarYearResponse{} },
		func(ctx context.Context) (*pb.SetCalendarYearResponse, error) {
			days := make([]domain.SpecialDay, len(req.GetDays()))
			for i, d := range req.GetDays() {
				days[i] = domain.SpecialDay{Date: d.GetDate(), WorkDay: d.GetKind() == pb.DayKind_DAY_KIND_WORKING_DAY, Name: d.GetName()}
			}
			v, err := s.app.SetCalendarYear(ctx, p, int(req.GetYear()), req.GetAgencyCode(), days)
			if err != nil {
				return nil, err
			}
			return &pb.SetCalendarYearResponse{Calendar: calendarToPB(v)}, nil
		})
	return resp, s.fail(ctx, err)
}

// GetCalendarYear implements pb.CalendarServiceServer.
func (s CalendarServer) GetCalendarYear(ctx context.Context, req *pb.GetCalendarYearRequest) (*pb.GetCalendarYearResponse, error) {
	v, err := s.app.GetCalendarYear(ctx, int(req.GetYear()), req.GetAgencyCode())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return calendarToPB(v), nil
}

func calendarToPB(v *app.CalendarView) *pb.GetCalendarYearResponse {
	days := func(ds []domain.SpecialDay) []*pb.SpecialDay {
		out := make([]*pb.SpecialDay, len(ds))
		for i, d := range ds {
			kind := pb.DayKind_DAY_KIND_DAY_OFF
			if d.WorkDay {
				kind = pb.DayKind_DAY_KIND_WORKING_DAY
			}
			out[i] = &pb.SpecialDay{Date: d.Date, Kind: kind, Name: d.Name}
		}
		return out
	}
	out := &pb.GetCalendarYearResponse{Year: int32(v.Year), NationalDecided: v.NationalDecided,
		NationalDays: days(v.National), LocalDays: days(v.Local), TimeZone: domain.DefaultTimeZone}
	if v.NationalDecided {
		out.UpdateTime = ts(v.Updated.UpdatedAt)
	}
	if a := v.Agency; a != nil {
		pa := agencyToPB(a)
		out.AgencyCode, out.WorkingHours, out.TimeZone = a.Code, pa.WorkingHours, pa.TimeZone
	}
	return out
}
