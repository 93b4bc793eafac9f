package service

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// actionRequest is what every lifecycle action request carries.
type actionRequest interface {
	mutation
	GetDossierId() string
	GetExpectedVersion() int64
}

// action runs a lifecycle action idempotently and builds its response.
func action[Req actionRequest, Resp proto.Message](s *Server, ctx context.Context, method string, req Req,
	build func(*pb.Dossier, *pb.DossierEvent) Resp,
	do func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error)) (Resp, error) {
	p := principal(ctx)
	t := app.Target{RequestID: req.GetRequestId(), DossierID: req.GetDossierId(), ExpectedVersion: req.GetExpectedVersion()}
	if n, ok := any(req).(interface{ GetNote() string }); ok {
		t.Note = n.GetNote()
	}
	resp, err := idempotent(ctx, s, method, req,
		func() Resp { return build(nil, nil) },
		func(ctx context.Context) (Resp, error) {
			d, e, err := do(ctx, p, t)
			if err != nil {
				var zero Resp
				return zero, err
			}
			return build(dossierToPBAt(d, s.app.Now()), eventToPB(e)), nil
		})
	return resp, s.fail(ctx, err)
}

// NotAcceptDossier implements pb.DossierServiceServer.
func (s *Server) NotAcceptDossier(ctx context.Context, req *pb.NotAcceptDossierRequest) (*pb.NotAcceptDossierResponse, error) {
	return action(s, ctx, pb.DossierService_NotAcceptDossier_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.NotAcceptDossierResponse {
			return &pb.NotAcceptDossierResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.NotAccept(ctx, p, t, req.GetReason())
		})
}

// RequestSupplement implements pb.DossierServiceServer.
func (s *Server) RequestSupplement(ctx context.Context, req *pb.RequestSupplementRequest) (*pb.RequestSupplementResponse, error) {
	return action(s, ctx, pb.DossierService_RequestSupplement_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.RequestSupplementResponse {
			return &pb.RequestSupplementResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.RequestSupplement(ctx, p, t, req.GetReason(), req.GetComponentCodes())
		})
}

// ProvideSupplement implements pb.DossierServiceServer.
func (s *Server) ProvideSupplement(ctx context.Context, req *pb.ProvideSupplementRequest) (*pb.ProvideSupplementResponse, error) {
	return action(s, ctx, pb.DossierService_ProvideSupplement_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.ProvideSupplementResponse {
			return &pb.ProvideSupplementResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.ProvideSupplement(ctx, p, t, componentsFromPB(req.GetComponents()), domain.Channel(req.GetChannel()))
		})
}

// RequestPayment implements pb.DossierServiceServer.
func (s *Server) RequestPayment(ctx context.Context, req *pb.RequestPaymentRequest) (*pb.RequestPaymentResponse, error) {
	return action(s, ctx, pb.DossierService_RequestPayment_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.RequestPaymentResponse {
			return &pb.RequestPaymentResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.RequestPayment(ctx, p, t, req.GetAmountVnd(), req.GetReason())
		})
}

// ConfirmPayment implements pb.DossierServiceServer.
func (s *Server) ConfirmPayment(ctx context.Context, req *pb.ConfirmPaymentRequest) (*pb.ConfirmPaymentResponse, error) {
	return action(s, ctx, pb.DossierService_ConfirmPayment_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.ConfirmPaymentResponse {
			return &pb.ConfirmPaymentResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.ConfirmPayment(ctx, p, t, req.GetReceiptRef(), req.GetOnline())
		})
}

// ForwardDossier implements pb.DossierServiceServer.
func (s *Server) ForwardDossier(ctx context.Context, req *pb.ForwardDossierRequest) (*pb.ForwardDossierResponse, error) {
	return action(s, ctx, pb.DossierService_ForwardDossier_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.ForwardDossierResponse {
			return &pb.ForwardDossierResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.Forward(ctx, p, t, req.GetAssignee())
		})
}

// ExtendDeadline implements pb.DossierServiceServer.
func (s *Server) ExtendDeadline(ctx context.Context, req *pb.ExtendDeadlineRequest) (*pb.ExtendDeadlineResponse, error) {
	return action(s, ctx, pb.DossierService_ExtendDeadline_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.ExtendDeadlineResponse {
			return &pb.ExtendDeadlineResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.Extend(ctx, p, t, req.GetReason(), fromTS(req.GetNewDueTime()))
		})
}

// WithdrawDossier implements pb.DossierServiceServer.
func (s *Server) WithdrawDossier(ctx context.Context, req *pb.WithdrawDossierRequest) (*pb.WithdrawDossierResponse, error) {
	return action(s, ctx, pb.DossierService_WithdrawDossier_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.WithdrawDossierResponse {
			return &pb.WithdrawDossierResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.Withdraw(ctx, p, t, req.GetReason(), domain.Channel(req.GetChannel()))
		})
}

// StopDossier implements pb.DossierServiceServer.
func (s *Server) StopDossier(ctx context.Context, req *pb.StopDossierRequest) (*pb.StopDossierResponse, error) {
	return action(s, ctx, pb.DossierService_StopDossier_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.StopDossierResponse {
			return &pb.StopDossierResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.Stop(ctx, p, t, req.GetReason())
		})
}

// ResolveDossier implements pb.DossierServiceServer.
func (s *Server) ResolveDossier(ctx context.Context, req *pb.ResolveDossierRequest) (*pb.ResolveDossierResponse, error) {
	return action(s, ctx, pb.DossierService_ResolveDossier_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.ResolveDossierResponse {
			return &pb.ResolveDossierResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.Resolve(ctx, p, t, resultFromPB(req.GetResult()))
		})
}

// ReturnResult implements pb.DossierServiceServer.
func (s *Server) ReturnResult(ctx context.Context, req *pb.ReturnResultRequest) (*pb.ReturnResultResponse, error) {
	return action(s, ctx, pb.DossierService_ReturnResult_FullMethodName, req,
		func(d *pb.Dossier, e *pb.DossierEvent) *pb.ReturnResultResponse {
			return &pb.ReturnResultResponse{Dossier: d, Event: e}
		},
		func(ctx context.Context, p domain.Principal, t app.Target) (*domain.Dossier, *domain.Event, error) {
			return s.app.Return(ctx, p, t, domain.Channel(req.GetChannel()))
		})
}

// GetProcessControlSlip implements pb.DossierServiceServer.
func (s *Server) GetProcessControlSlip(ctx context.Context, req *pb.GetProcessControlSlipRequest) (*pb.GetProcessControlSlipResponse, error) {
	d, rows, err := s.app.ProcessControlSlip(ctx, principal(ctx), req.GetDossierId(), req.GetPurpose())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.GetProcessControlSlipResponse{DossierCode: d.Code}
	for _, r := range rows {
		out.Rows = append(out.Rows, &pb.SlipRow{StepIndex: int32(r.StepIndex), StepName: r.StepName, UnitCode: r.UnitCode,
			Role: pb.Role(r.Role), Assignee: r.Assignee, StartTime: ts(r.StartedAt), DueTime: ts(r.DueAt),
			FinishTime: ts(r.FinishedAt), Timeliness: pb.Timeliness(r.Timeliness), LateBy: durationpb.New(r.LateBy)})
	}
	return out, nil
}

// ExplainDeadline implements pb.DossierServiceServer.
func (s *Server) ExplainDeadline(ctx context.Context, req *pb.ExplainDeadlineRequest) (*pb.ExplainDeadlineResponse, error) {
	x, err := s.app.ExplainDeadline(ctx, principal(ctx), req.GetDossierId(), req.GetPurpose())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	d := x.Dossier
	out := &pb.ExplainDeadlineResponse{DossierCode: d.Code, ReceiveTime: ts(d.ReceivedAt), ClockStartTime: ts(d.ClockStartedAt),
		ClockStartReason: x.StartReason, StatutoryWorkingDuration: durationpb.New(x.Statutory),
		OriginalDueTime: ts(d.OriginalDueAt), DueTime: ts(d.DueAt), Lines: x.Lines}
	for _, seg := range x.Segments {
		out.Segments = append(out.Segments, segmentToPB(seg))
	}
	for _, ps := range x.Pauses {
		out.Pauses = append(out.Pauses, &pb.DeadlinePause{Cause: pb.Action(ps.Cause), StartTime: ts(ps.Start), EndTime: ts(ps.End),
			WorkingDuration: durationpb.New(ps.Working)})
	}
	for _, e := range x.Extensions {
		out.Extensions = append(out.Extensions, &pb.DeadlineExtension{Time: ts(e.At), PreviousDueTime: ts(e.PreviousDue),
			NewDueTime: ts(e.NewDue), Reason: e.Reason})
	}
	return out, nil
}
