package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/webhooks"
)

func newWebhooksCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Manage signed webhook subscriptions over gRPC, and receive webhooks locally",
		Long: `webhooks talks to a running motcua server (--addr) as the principal of --token
(an admin, or an integration for its own subscriptions):
  export MOTCUA_TOKEN=$(motcua token issue --role admin --subject admin-1)

Every committed dossier event a subscription wants is POSTed to its endpoint as
a CloudEvent, signed per Standard Webhooks (docs/webhooks.md). "receive" runs a
small receiver that verifies the signatures and prints the events.`,
	}
	addClientFlags(cmd, o)
	cmd.AddCommand(newWebhooksCreateCmd(o), newWebhooksListCmd(o), newWebhooksGetCmd(o), newWebhooksRotateCmd(o),
		newWebhooksDisableCmd(o), newWebhooksEnableCmd(o), newWebhooksDeliveriesCmd(o), newWebhooksReceiveCmd())
	return cmd
}

func printWebhook(out io.Writer, w *pb.Webhook) {
	t := newTable(out)
	t.row("ID", w.GetId())
	t.row("Endpoint", w.GetEndpoint())
	t.row("Description", orDash(w.GetDescription()))
	t.row("Event types", orDash(strings.Join(w.GetEventTypes(), ", ")))
	t.row("Agencies", orDash(strings.Join(w.GetAgencyCodes(), ", ")))
	state := "enabled"
	if !w.GetEnabled() {
		state = "DISABLED " + fmtTime(w.GetDisabledAt()) + ": " + w.GetDisabledReason()
	}
	t.row("State", state)
	if w.GetConsecutiveFailures() > 0 {
		t.row("Failing", fmt.Sprintf("%d attempts in a row since %s", w.GetConsecutiveFailures(), fmtTime(w.GetFailingSince())))
	}
	t.row("Secrets signing", fmt.Sprint(w.GetActiveSecrets()))
	t.row("Created", fmtTime(w.GetCreatedAt())+" by "+w.GetCreatedBy())
	t.row("Version", fmt.Sprint(w.GetVersion()))
	t.flush()
}

// webhookCall runs one WebhookService call and prints its answer.
func webhookCall[Resp interface {
	proto.Message
	GetWebhook() *pb.Webhook
}](o *clientOpts, cmd *cobra.Command, method string,
	fn func(ctx context.Context, c pb.WebhookServiceClient, s *session) (Resp, error), secret func(Resp) string) error {
	s, err := o.open(cmd)
	if err != nil {
		return err
	}
	defer s.close()
	c := pb.NewWebhookServiceClient(s.conn)
	resp, err := call(s, method, func(ctx context.Context) (Resp, error) { return fn(ctx, c, s) })
	if err != nil {
		return err
	}
	if s.json() {
		return printJSON(s.out, resp)
	}
	printWebhook(s.out, resp.GetWebhook())
	if secret != nil && secret(resp) != "" {
		fmt.Fprintf(s.out, "\nSecret (shown once; give it to the receiver): %s\n", secret(resp))
	}
	return nil
}

func newWebhooksCreateCmd(o *clientOpts) *cobra.Command {
	var req pb.CreateWebhookRequest
	cmd := &cobra.Command{
		Use:   "create --endpoint URL",
		Short: "Subscribe an endpoint to dossier events (CreateWebhook); prints its signing secret once",
		Example: `  motcua webhooks create --endpoint https://portal.example/hooks/motcua \
      --event-types vn.motcua.dossier.submitted,vn.motcua.dossier.resolved --agencies 000.00.01.H55`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return webhookCall(o, cmd, "CreateWebhook", func(ctx context.Context, c pb.WebhookServiceClient, s *session) (*pb.CreateWebhookResponse, error) {
				req.RequestId = s.requestID(req.RequestId)
				return c.CreateWebhook(ctx, &req)
			}, (*pb.CreateWebhookResponse).GetSecret)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Endpoint, "endpoint", "", "the receiver's URL (https://…)")
	f.StringVar(&req.Description, "description", "", "what the subscription is for")
	f.StringSliceVar(&req.EventTypes, "event-types", nil, "CloudEvent types to deliver (comma-separated; default all): "+strings.Join(webhooks.EventTypes(), ", "))
	f.StringSliceVar(&req.AgencyCodes, "agencies", nil, "receiving agencies whose dossiers to deliver (comma-separated; default all)")
	f.StringVar(&req.RequestId, "request-id", "", "idempotency key; default: a fresh id, printed on stderr (reuse it to retry)")
	_ = cmd.MarkFlagRequired("endpoint")
	return cmd
}

func newWebhooksListCmd(o *clientOpts) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the subscriptions you may manage (ListWebhooks)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			c := pb.NewWebhookServiceClient(s.conn)
			resp, err := call(s, "ListWebhooks", func(ctx context.Context) (*pb.ListWebhooksResponse, error) {
				return c.ListWebhooks(ctx, &pb.ListWebhooksRequest{})
			})
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, resp)
			}
			t := newTable(s.out)
			t.row("ID", "STATE", "FAILURES", "ENDPOINT")
			for _, w := range resp.GetWebhooks() {
				state := "enabled"
				if !w.GetEnabled() {
					state = "disabled"
				}
				t.row(w.GetId(), state, fmt.Sprint(w.GetConsecutiveFailures()), w.GetEndpoint())
			}
			t.flush()
			return nil
		},
	}
}

func newWebhooksGetCmd(o *clientOpts) *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show a subscription (GetWebhook)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return webhookCall(o, cmd, "GetWebhook", func(ctx context.Context, c pb.WebhookServiceClient, _ *session) (*pb.GetWebhookResponse, error) {
				return c.GetWebhook(ctx, &pb.GetWebhookRequest{Id: args[0]})
			}, nil)
		},
	}
}

func newWebhooksRotateCmd(o *clientOpts) *cobra.Command {
	var req pb.RotateWebhookSecretRequest
	var overlap time.Duration
	cmd := &cobra.Command{
		Use:   "rotate ID --version N",
		Short: "Issue a new signing secret (RotateWebhookSecret); the old one signs too until --overlap has passed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return webhookCall(o, cmd, "RotateWebhookSecret", func(ctx context.Context, c pb.WebhookServiceClient, s *session) (*pb.RotateWebhookSecretResponse, error) {
				req.Id, req.RequestId, req.OldSecretsExpireInSeconds = args[0], s.requestID(req.RequestId), int64(overlap/time.Second)
				return c.RotateWebhookSecret(ctx, &req)
			}, (*pb.RotateWebhookSecretResponse).GetSecret)
		},
	}
	cmd.Flags().Int64Var(&req.ExpectedVersion, "version", 0, "the subscription's version as last read (motcua webhooks get ID)")
	cmd.Flags().DurationVar(&overlap, "overlap", webhooks.DefaultOverlap, "how long the previous secret keeps signing")
	cmd.Flags().StringVar(&req.RequestId, "request-id", "", "idempotency key; default: a fresh id")
	return cmd
}

func newWebhooksDisableCmd(o *clientOpts) *cobra.Command {
	var req pb.DisableWebhookRequest
	cmd := &cobra.Command{
		Use:   "disable ID --version N",
		Short: "Stop deliveries (DisableWebhook); events committed meanwhile are delivered on enable",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return webhookCall(o, cmd, "DisableWebhook", func(ctx context.Context, c pb.WebhookServiceClient, s *session) (*pb.DisableWebhookResponse, error) {
				req.Id, req.RequestId = args[0], s.requestID(req.RequestId)
				return c.DisableWebhook(ctx, &req)
			}, nil)
		},
	}
	cmd.Flags().Int64Var(&req.ExpectedVersion, "version", 0, "the subscription's version as last read")
	cmd.Flags().StringVar(&req.Reason, "reason", "", "why (kept with the subscription)")
	cmd.Flags().StringVar(&req.RequestId, "request-id", "", "idempotency key; default: a fresh id")
	return cmd
}

func newWebhooksEnableCmd(o *clientOpts) *cobra.Command {
	var req pb.EnableWebhookRequest
	cmd := &cobra.Command{
		Use:   "enable ID --version N",
		Short: "Resume deliveries (EnableWebhook), from where each dossier stopped",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return webhookCall(o, cmd, "EnableWebhook", func(ctx context.Context, c pb.WebhookServiceClient, s *session) (*pb.EnableWebhookResponse, error) {
				req.Id, req.RequestId = args[0], s.requestID(req.RequestId)
				return c.EnableWebhook(ctx, &req)
			}, nil)
		},
	}
	cmd.Flags().Int64Var(&req.ExpectedVersion, "version", 0, "the subscription's version as last read")
	cmd.Flags().StringVar(&req.RequestId, "request-id", "", "idempotency key; default: a fresh id")
	return cmd
}

func newWebhooksDeliveriesCmd(o *clientOpts) *cobra.Command {
	var req pb.ListWebhookDeliveriesRequest
	cmd := &cobra.Command{
		Use:   "deliveries ID",
		Short: "Show the delivery log of a subscription, newest first (ListWebhookDeliveries)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			c := pb.NewWebhookServiceClient(s.conn)
			req.Id = args[0]
			resp, err := call(s, "ListWebhookDeliveries", func(ctx context.Context) (*pb.ListWebhookDeliveriesResponse, error) {
				return c.ListWebhookDeliveries(ctx, &req)
			})
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, resp)
			}
			t := newTable(s.out)
			t.row("AT", "EVENT", "DOSSIER#SEQ", "ATTEMPT", "STATUS", "LATENCY", "ERROR")
			for _, d := range resp.GetDeliveries() {
				t.row(fmtTime(d.GetAt()), d.GetEventId(), fmt.Sprintf("%s#%d", d.GetDossierId(), d.GetSeq()), fmt.Sprint(d.GetAttempt()),
					fmt.Sprint(d.GetStatusCode()), fmt.Sprintf("%dms", d.GetLatencyMs()), orDash(d.GetError()))
			}
			t.flush()
			if resp.GetNextPageToken() != "" {
				fmt.Fprintf(s.out, "\nmore: --page-token %s\n", resp.GetNextPageToken())
			}
			return nil
		},
	}
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 50, "deliveries per page (at most 500)")
	cmd.Flags().StringVar(&req.PageToken, "page-token", "", "next_page_token of the previous page")
	return cmd
}

func newWebhooksReceiveCmd() *cobra.Command {
	var secret, addr string
	var fail bool
	cmd := &cobra.Command{
		Use:   "receive --secret whsec_… [--addr 127.0.0.1:9999]",
		Short: "Run a small webhook receiver: verify each delivery's signature and print its CloudEvent",
		Long: `receive listens on --addr for webhook deliveries, verifies each against
--secret (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature),
answers 204 and prints the event; a delivery that does not verify is answered
401 and reported on stderr. For trying webhooks out (the server needs
--webhooks-allow-private-endpoints to deliver to 127.0.0.1); not a production
receiver.`,
		Example: `  motcua webhooks receive --secret whsec_… --addr 127.0.0.1:9999`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := webhooks.Sign(secret, "x", time.Now(), nil); err != nil {
				return usageError{fmt.Errorf("--secret: %w", err)}
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			fmt.Fprintf(errOut, "receiving webhooks on http://%s/\n", ln.Addr())
			srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: receiver(secret, out, errOut, fail),
				ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() { <-ctx.Done(); _ = srv.Close() }()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&secret, "secret", os.Getenv("MOTCUA_WEBHOOK_SECRET"), "the subscription's secret (whsec_…; or MOTCUA_WEBHOOK_SECRET)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:9999", "address to listen on")
	cmd.Flags().BoolVar(&fail, "fail", false, "answer 503 to every delivery (to watch retries)")
	return cmd
}

// receiver verifies and prints deliveries.
func receiver(secret string, out, errOut io.Writer, fail bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		if err := webhooks.Verify(secret, r.Header, body, time.Now()); err != nil {
			fmt.Fprintf(errOut, "refused %s: %v\n", r.Header.Get(webhooks.HeaderID), err)
			http.Error(w, "signature does not verify", http.StatusUnauthorized)
			return
		}
		if fail {
			http.Error(w, "told to fail", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(out, "%s %s\n", r.Header.Get(webhooks.HeaderID), body)
		w.WriteHeader(http.StatusNoContent)
	})
}
