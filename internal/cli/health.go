package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthOpts are the flags of `motcua health`.
type healthOpts struct {
	addr       string
	service    string
	timeout    time.Duration
	tls        bool
	caFile     string
	serverName string
	skipVerify bool
}

func newHealthCmd() *cobra.Command {
	o := healthOpts{addr: "127.0.0.1:50051", service: "motcua.v1", timeout: 3 * time.Second}
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check a server's gRPC health (exit 0 when SERVING, 1 otherwise): a container health check",
		Long: `health asks the gRPC health service (grpc.health.v1.Health/Check) of the server
at --addr and exits 0 when it answers SERVING, 1 otherwise (not serving, no answer
within --timeout, TLS failure). It prints one line saying which. The distroless
image has no shell or curl, so this is the image's HEALTHCHECK and can be a
Kubernetes exec probe.

A server answers SERVING once its database schema is current, and NOT_SERVING
while it is behind or while the server shuts down.

Examples:
  motcua health                                    # 127.0.0.1:50051, plaintext
  motcua health --addr motcua:50051 --timeout 1s
  motcua health --tls --tls-ca-file /etc/motcua/ca.pem --tls-server-name motcua.example.gov.vn`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.timeout <= 0 {
				return usageError{errors.New("--timeout must be positive")}
			}
			if (o.caFile != "" || o.serverName != "" || o.skipVerify) && !o.tls {
				return usageError{errors.New("--tls-ca-file, --tls-server-name and --tls-insecure-skip-verify need --tls")}
			}
			status, err := o.check(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s\n", o.addr, o.serviceLabel(), status)
			if status != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("%s is %s", o.addr, status)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", o.addr, "the server's gRPC address")
	f.StringVar(&o.service, "service", o.service, `the health service name ("" for the whole server)`)
	f.DurationVar(&o.timeout, "timeout", o.timeout, "give up (exit 1) after this long")
	f.BoolVar(&o.tls, "tls", false, "connect with TLS (verifying the server with the system roots, or --tls-ca-file)")
	f.StringVar(&o.caFile, "tls-ca-file", "", "verify the server against these CA certificates (PEM) instead of the system roots")
	f.StringVar(&o.serverName, "tls-server-name", "", "the name the server's certificate must carry (default: the host of --addr)")
	f.BoolVar(&o.skipVerify, "tls-insecure-skip-verify", false, "do not verify the server's certificate (only for a probe on the same host)")
	return withEnv(cmd)
}

func (o *healthOpts) serviceLabel() string {
	if o.service == "" {
		return `service ""`
	}
	return "service " + o.service
}

// check asks the server once; a server that does not answer in time is an
// error, not a status.
func (o *healthOpts) check(parent context.Context) (healthpb.HealthCheckResponse_ServingStatus, error) {
	creds, err := transportCredentials(o.tls, o.caFile, o.serverName, o.skipVerify)
	if err != nil {
		return 0, err
	}
	conn, err := grpc.NewClient(o.addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return 0, usageError{fmt.Errorf("--addr %q: %w", o.addr, err)}
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(parent, o.timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: o.service}, grpc.WaitForReady(true))
	if err != nil {
		return 0, fmt.Errorf("health check of %s: %w", o.addr, err)
	}
	return resp.GetStatus(), nil
}
