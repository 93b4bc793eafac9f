package service

import (
	"context"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// SubmitDossier implements pb.DossierServiceServer.
func (s *Server) SubmitDossier(ctx context.Context, req *pb.SubmitDossierRequest) (*pb.SubmitDossierResponse, error) {
	p := principal(ctx)
	draft := draftFromPB(req.GetDossier())
	// The identity check runs before the intake's transaction and never
	// fails it (docs/identity.md).
	if err := s.app.PrepareIntake(ctx, p, &draft, domain.ActionSubmit, domain.ChannelOnline, false); err != nil {
		return nil, s.fail(ctx, err)
	}
	resp, err := idempotentGrouped(ctx, s, draft.AgencyCode, pb.DossierService_SubmitDossier_FullMethodName, req,
		func() *pb.SubmitDossierResponse { return &pb.SubmitDossierResponse{} },
		func(ctx context.Context) (*pb.SubmitDossierResponse, error) {
			d, e, err := s.app.Submit(ctx, p, req.GetRequestId(), draft)
			if err != nil {
				return nil, err
			}
			return &pb.SubmitDossierResponse{Dossier: dossierToPBAt(d, s.app.Now()), Event: eventToPB(e)}, nil
		})
	return resp, s.fail(ctx, err)
}

// ReceiveDossier implements pb.DossierServiceServer.
func (s *Server) ReceiveDossier(ctx context.Context, req *pb.ReceiveDossierRequest) (*pb.ReceiveDossierResponse, error) {
	p := principal(ctx)
	var draft domain.Draft
	group := "" // accepting an online filing is not grouped: it changes an existing dossier
	if nd := req.GetNewDossier(); nd != nil {
		draft = draftFromPB(nd)
		if err := s.app.PrepareIntake(ctx, p, &draft, domain.ActionReceive, domain.Channel(req.GetChannel()),
			req.GetPrefillFromPopulationDb()); err != nil {
			return nil, s.fail(ctx, err)
		}
		group = draft.AgencyCode
	} else if req.GetPrefillFromPopulationDb() {
		return nil, s.fail(ctx, domain.Invalid("prefill_from_population_db", "applies only to the intake of a new dossier"))
	}
	resp, err := idempotentGrouped(ctx, s, group, pb.DossierService_ReceiveDossier_FullMethodName, req,
		func() *pb.ReceiveDossierResponse { return &pb.ReceiveDossierResponse{} },
		func(ctx context.Context) (*pb.ReceiveDossierResponse, error) {
			var d *domain.Dossier
			var e *domain.Event
			var err error
			if req.GetNewDossier() != nil {
				d, e, err = s.app.ReceiveNew(ctx, p, req.GetRequestId(), draft,
					domain.Channel(req.GetChannel()), req.GetNote())
			} else if req.GetChannel() != 0 {
				return nil, domain.Invalid("channel", "applies only to the intake of a new dossier; an online filing keeps its channel")
			} else {
				d, e, err = s.app.Accept(ctx, p, req.GetRequestId(), req.GetDossierId(), req.GetExpectedVersion(), req.GetNote())
			}
			if err != nil {
				return nil, err
			}
			return &pb.ReceiveDossierResponse{Dossier: dossierToPBAt(d, s.app.Now()), Event: eventToPB(e)}, nil
		})
	return resp, s.fail(ctx, err)
}

// GetDossier implements pb.DossierServiceServer.
func (s *Server) GetDossier(ctx context.Context, req *pb.GetDossierRequest) (*pb.GetDossierResponse, error) {
	d, err := s.app.GetDossier(ctx, principal(ctx), app.DossierKey{ID: req.GetId(), Code: req.GetCode()}, req.GetPurpose())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.GetDossierResponse{Dossier: dossierToPBAt(d, s.app.Now())}, nil
}

// ListDossiers implements pb.DossierServiceServer.
func (s *Server) ListDossiers(ctx context.Context, req *pb.ListDossiersRequest) (*pb.ListDossiersResponse, error) {
	q := app.DossierQuery{AgencyCode: req.GetAgencyCode(), ProcedureCode: req.GetProcedureCode(),
		ApplicantID: req.GetApplicantIdNumber(), ReceivedFrom: fromTS(req.GetReceivedAfter()), ReceivedTo: fromTS(req.GetReceivedBefore()),
		Overdue: req.GetOverdue(), DueWithin: time.Duration(req.GetDueWithinWorkingHours() * float64(time.Hour)).Round(time.Minute)}
	for _, st := range req.GetStatuses() {
		q.Statuses = append(q.Statuses, domain.Status(st))
	}
	q.Channel, q.FiledFrom, q.FiledTo = domain.Channel(req.GetChannel()), fromTS(req.GetFiledAfter()), fromTS(req.GetFiledBefore())
	q.Resolution, q.Received, q.NotOverdue = app.Resolution(req.GetResolution()), req.Received, req.GetNotOverdue()
	q.StepUnitCode = req.GetStepUnitCode()
	q.OnTime, q.Digitised, q.ElectronicResult = req.GetOnTime(), req.GetDigitised(), req.GetElectronicResult()
	q.SupplementRequested = req.GetSupplementRequested()
	for _, k := range req.GetFiledBy() {
		q.FiledBy = append(q.FiledBy, domain.ActorKind(k))
	}
	switch req.GetOrderBy() {
	case pb.DossierOrder_DOSSIER_ORDER_DUE_SOONEST:
		q.ByDue = true
	case pb.DossierOrder_DOSSIER_ORDER_NEWEST_FIRST:
		if req.GetUpdatedSince() != nil {
			return nil, s.fail(ctx, domain.Invalid("order_by", "updated_since lists in order of change; leave order_by unspecified"))
		}
	case pb.DossierOrder_DOSSIER_ORDER_UNSPECIFIED:
		q.ByDue = (q.Overdue || q.DueWithin > 0) && req.GetUpdatedSince() == nil
	}
	if req.GetUpdatedSince() != nil {
		// The zero time means "unset" below; a time before anything changed
		// lists everything.
		if q.UpdatedSince = fromTS(req.GetUpdatedSince()); q.UpdatedSince.IsZero() {
			q.UpdatedSince = q.UpdatedSince.Add(time.Microsecond)
		}
	}
	page, next, err := s.app.ListDossiers(ctx, principal(ctx), q, int(req.GetPageSize()), req.GetPageToken(), req.GetPurpose())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListDossiersResponse{NextPageToken: next}
	now := s.app.Now()
	for i := range page {
		out.Dossiers = append(out.Dossiers, dossierToPBAt(&page[i], now))
	}
	return out, nil
}

// ListDossierEvents implements pb.DossierServiceServer.
func (s *Server) ListDossierEvents(ctx context.Context, req *pb.ListDossierEventsRequest) (*pb.ListDossierEventsResponse, error) {
	evs, next, err := s.app.ListEvents(ctx, principal(ctx), req.GetDossierId(), int(req.GetPageSize()), req.GetPageToken(), req.GetPurpose())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListDossierEventsResponse{NextPageToken: next}
	for i := range evs {
		out.Events = append(out.Events, eventToPB(&evs[i]))
	}
	return out, nil
}
