package service

import (
	"context"
	"strconv"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/webhooks"
)

// WebhookServer implements pb.WebhookServiceServer over the webhook use
// cases; the mutating RPCs go through the mutation funnel (idempotent).
type WebhookServer struct {
	pb.UnimplementedWebhookServiceServer
	*Server
	W *webhooks.Service // nil: webhooks are not configured (UNAVAILABLE)
}

func (s WebhookServer) ready() error {
	if s.W == nil {
		return domain.ErrUnavailable
	}
	return nil
}

// CreateWebhook implements pb.WebhookServiceServer.
func (s WebhookServer) CreateWebhook(ctx context.Context, req *pb.CreateWebhookRequest) (*pb.CreateWebhookResponse, error) {
	if err := s.ready(); err != nil {
		return nil, s.fail(ctx, err)
	}
	p := principal(ctx)
	in := webhooks.CreateInput{Endpoint: req.GetEndpoint(), Description: req.GetDescription(),
		EventTypes: req.GetEventTypes(), AgencyCodes: req.GetAgencyCodes()}
	if err := s.W.CheckCreate(ctx, in); err != nil { // before the transaction: it resolves the host
		return nil, s.fail(ctx, err)
	}
	resp, err := idempotent(ctx, s.Server, pb.WebhookService_CreateWebhook_FullMethodName, req,
		func() *pb.CreateWebhookResponse { return &pb.CreateWebhookResponse{} },
		func(ctx context.Context) (*pb.CreateWebhookResponse, error) {
			w, secret, err := s.W.Create(ctx, p, in)
			if err != nil {
				return nil, err
			}
			return &pb.CreateWebhookResponse{Webhook: webhookToPB(w, s.now()), Secret: secret}, nil
		})
	return resp, s.fail(ctx, err)
}

func (s WebhookServer) now() time.Time { return s.app.Now() }

// GetWebhook implements pb.WebhookServiceServer.
func (s WebhookServer) GetWebhook(ctx context.Context, req *pb.GetWebhookRequest) (*pb.GetWebhookResponse, error) {
	if err := s.ready(); err != nil {
		return nil, s.fail(ctx, err)
	}
	w, err := s.W.Get(ctx, principal(ctx), req.GetId())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &pb.GetWebhookResponse{Webhook: webhookToPB(w, s.now())}, nil
}

// ListWebhooks implements pb.WebhookServiceServer.
func (s WebhookServer) ListWebhooks(ctx context.Context, _ *pb.ListWebhooksRequest) (*pb.ListWebhooksResponse, error) {
	if err := s.ready(); err != nil {
		return nil, s.fail(ctx, err)
	}
	ws, err := s.W.List(ctx, principal(ctx))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListWebhooksResponse{}
	for i := range ws {
		out.Webhooks = append(out.Webhooks, webhookToPB(&ws[i], s.now()))
	}
	return out, nil
}

// RotateWebhookSecret implements pb.WebhookServiceServer.
func (s WebhookServer) RotateWebhookSecret(ctx context.Context, req *pb.RotateWebhookSecretRequest) (*pb.RotateWebhookSecretResponse, error) {
	if err := s.ready(); err != nil {
		return nil, s.fail(ctx, err)
	}
	p := principal(ctx)
	resp, err := idempotent(ctx, s.Server, pb.WebhookService_RotateWebhookSecret_FullMethodName, req,
		func() *pb.RotateWebhookSecretResponse { return &pb.RotateWebhookSecretResponse{} },
		func(ctx context.Context) (*pb.RotateWebhookSecretResponse, error) {
			w, secret, err := s.W.Rotate(ctx, p, req.GetId(), req.GetExpectedVersion(), time.Duration(req.GetOldSecretsExpireInSeconds())*time.Second)
			if err != nil {
				return nil, err
			}
			return &pb.RotateWebhookSecretResponse{Webhook: webhookToPB(w, s.now()), Secret: secret}, nil
		})
	return resp, s.fail(ctx, err)
}

// DisableWebhook implements pb.WebhookServiceServer.
func (s WebhookServer) DisableWebhook(ctx context.Context, req *pb.DisableWebhookRequest) (*pb.DisableWebhookResponse, error) {
	if err := s.ready(); err != nil {
		return nil, s.fail(ctx, err)
	}
	p := principal(ctx)
	resp, err := idempotent(ctx, s.Server, pb.WebhookService_DisableWebhook_FullMethodName, req,
		func() *pb.DisableWebhookResponse { return &pb.DisableWebhookResponse{} },
		func(ctx context.Context) (*pb.DisableWebhookResponse, error) {
			w, err := s.W.Disable(ctx, p, req.GetId(), req.GetExpectedVersion(), req.GetReason())
			if err != nil {
				return nil, err
			}
			return &pb.DisableWebhookResponse{Webhook: webhookToPB(w, s.now())}, nil
		})
	return resp, s.fail(ctx, err)
}

// EnableWebhook implements pb.WebhookServiceServer.
func (s WebhookServer) EnableWebhook(ctx context.Context, req *pb.EnableWebhookRequest) (*pb.EnableWebhookResponse, error) {
	if err := s.ready(); err != nil {
		return nil, s.fail(ctx, err)
	}
	p := principal(ctx)
	resp, err := idempotent(ctx, s.Server, pb.WebhookService_EnableWebhook_FullMethodName, req,
		func() *pb.EnableWebhookResponse { return &pb.EnableWebhookResponse{} },
		func(ctx context.Context) (*pb.EnableWebhookResponse, error) {
			w, err := s.W.Enable(ctx, p, req.GetId(), req.GetExpectedVersion())
			if err != nil {
				return nil, err
			}
			return &pb.EnableWebhookResponse{Webhook: webhookToPB(w, s.now())}, nil
		})
	return resp, s.fail(ctx, err)
}

// ListWebhookDeliveries implements pb.WebhookServiceServer.
func (s WebhookServer) ListWebhookDeliveries(ctx context.Context, req *pb.ListWebhookDeliveriesRequest) (*pb.ListWebhookDeliveriesResponse, error) {
	if err := s.ready(); err != nil {
		return nil, s.fail(ctx, err)
	}
	var before int64
	if t := req.GetPageToken(); t != "" {
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil || v <= 0 {
			return nil, s.fail(ctx, domain.Invalid("page_token", "is not a page token of this list"))
		}
		before = v
	}
	ds, next, err := s.W.Deliveries(ctx, principal(ctx), req.GetId(), before, int(req.GetPageSize()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &pb.ListWebhookDeliveriesResponse{}
	if next > 0 {
		out.NextPageToken = strconv.FormatInt(next, 10)
	}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, &pb.WebhookDelivery{Id: d.ID, EventId: d.EventID, DossierId: d.DossierID, Seq: d.Seq,
			Attempt: int32(d.Attempt), StatusCode: int32(d.StatusCode), Error: d.Error, LatencyMs: d.Latency.Milliseconds(),
			At: ts(d.At), Ok: d.OK()})
	}
	return out, nil
}

func webhookToPB(w *webhooks.Subscription, now time.Time) *pb.Webhook {
	out := &pb.Webhook{Id: w.ID, Endpoint: w.Endpoint, Description: w.Description, EventTypes: w.EventTypes,
		AgencyCodes: w.AgencyCodes, Enabled: w.Enabled, DisabledReason: w.DisabledReason,
		ConsecutiveFailures: int32(w.ConsecutiveFailures), CreatedBy: w.CreatedBy, CreatedAt: ts(w.CreatedAt),
		UpdatedAt: ts(w.UpdatedAt), Version: w.Version, ActiveSecrets: int32(len(w.LiveSecrets(now)))}
	if !w.DisabledAt.IsZero() {
		out.DisabledAt = ts(w.DisabledAt)
	}
	if !w.FailingSince.IsZero() {
		out.FailingSince = ts(w.FailingSince)
	}
	return out
}
