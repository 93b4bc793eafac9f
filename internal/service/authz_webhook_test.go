package service_test

import (
	"context"
	"fmt"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

// webhookImpls are the matrix rows of WebhookService. The target is a
// webhook the admin created (carried as the "dossier" id); an integration
// manages only its own, so the admin's is hidden from it.
func (m *authzEnv) webhookImpls() map[string]rowImpl {
	ws := pb.NewWebhookServiceClient(m.e.Conn)
	var target string
	create := func(disabled bool) func() *pb.Dossier {
		return func() *pb.Dossier {
			r, err := ws.CreateWebhook(m.admin, &pb.CreateWebhookRequest{RequestId: m.rid(), Endpoint: "http://127.0.0.1:9/hooks"})
			if err != nil {
				m.t.Fatal(err)
			}
			if disabled {
				if _, err := ws.DisableWebhook(m.admin, &pb.DisableWebhookRequest{RequestId: m.rid(), Id: r.GetWebhook().GetId(),
					ExpectedVersion: r.GetWebhook().GetVersion()}); err != nil {
					m.t.Fatal(err)
				}
			}
			target = r.GetWebhook().GetId()
			return &pb.Dossier{Id: target}
		}
	}
	state := func() string {
		w, err := m.e.Store.GetWebhook(context.Background(), target)
		if err != nil {
			m.t.Fatal(err)
		}
		return fmt.Sprint(w.Version, w.Enabled, len(w.Secrets))
	}
	version := func() int64 {
		w, err := m.e.Store.GetWebhook(context.Background(), target)
		if err != nil {
			m.t.Fatal(err)
		}
		return w.Version
	}
	return map[string]rowImpl{
		"CreateWebhook": {creates: true, call: func(ctx context.Context, _ *pb.Dossier) (bool, error) {
			_, err := ws.CreateWebhook(ctx, &pb.CreateWebhookRequest{RequestId: m.rid(), Endpoint: "http://127.0.0.1:9/hooks"})
			return noList(err)
		}},
		"GetWebhook": {prep: create(false), call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := ws.GetWebhook(ctx, &pb.GetWebhookRequest{Id: d.GetId()})
			return noList(err)
		}},
		"ListWebhooks": {prep: create(false), list: true, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			r, err := ws.ListWebhooks(ctx, &pb.ListWebhooksRequest{})
			for _, w := range r.GetWebhooks() {
				if w.GetId() == d.GetId() {
					return true, err
				}
			}
			return false, err
		}},
		"RotateWebhookSecret": {prep: create(false), state: state, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := ws.RotateWebhookSecret(ctx, &pb.RotateWebhookSecretRequest{RequestId: m.rid(), Id: d.GetId(), ExpectedVersion: version()})
			return noList(err)
		}},
		"DisableWebhook": {prep: create(false), state: state, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := ws.DisableWebhook(ctx, &pb.DisableWebhookRequest{RequestId: m.rid(), Id: d.GetId(), ExpectedVersion: version()})
			return noList(err)
		}},
		"EnableWebhook": {prep: create(true), state: state, call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := ws.EnableWebhook(ctx, &pb.EnableWebhookRequest{RequestId: m.rid(), Id: d.GetId(), ExpectedVersion: version()})
			return noList(err)
		}},
		"ListWebhookDeliveries": {prep: create(false), call: func(ctx context.Context, d *pb.Dossier) (bool, error) {
			_, err := ws.ListWebhookDeliveries(ctx, &pb.ListWebhookDeliveriesRequest{Id: d.GetId()})
			return noList(err)
		}},
	}
}
