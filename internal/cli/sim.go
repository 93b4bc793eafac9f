package cli

import (
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/bizregsim"
	"github.com/motcua/motcua/internal/popsim"
)

func newSimCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run simulators of the national systems motcua connects to (for the demo, tests and development)",
	}
	cmd.AddCommand(newSimPopulationCmd(), newSimBizregCmd())
	return cmd
}

func newSimPopulationCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "population",
		Short: "Simulate the national population database over HTTP (OAuth2 client credentials, verify and look-up)",
		Long: `population serves the population database's protocol (docs/identity.md) on
127.0.0.1 with fixture citizens, until interrupted. Point the server at it:

  motcua serve --population-db-url http://127.0.0.1:7070 \
    --population-db-client-id motcua --population-db-client-secret motcua-sim-secret

and steer it from another terminal:

  curl -X POST '127.0.0.1:7070/sim/down?on=true'     # every call fails (503)
  curl -X POST '127.0.0.1:7070/sim/delay?d=5s'       # every call is slow
  curl -X POST '127.0.0.1:7070/sim/mismatch?id=001090000001'  # plant a wrong answer
  curl -X POST 127.0.0.1:7070/sim/citizens -d '{"SoDinhDanh":"…","HoVaTen":"…","NgayThangNamSinh":"1990-01-01"}'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			s, err := popsim.Start(addr)
			if err != nil {
				return err
			}
			defer func() { _ = s.Close() }()
			out := cmd.OutOrStdout()
			_, _ = fmt.Fprintf(out, "population database simulator on %s (client id %s, secret %s)\nfixture citizens:\n",
				s.URL(), popsim.ClientID, popsim.ClientSecret)
			for _, c := range popsim.Fixtures {
				_, _ = fmt.Fprintf(out, "  %s  %s  born %s\n", c.SoDinhDanh, c.HoVaTen, c.NgayThangNamSinh)
			}
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7070", "listen address")
	return cmd
}

func newSimBizregCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "bizreg",
		Short: "Simulate the national business registration system over HTTP (OAuth2, idempotent hand-offs, status)",
		Long: `bizreg serves the business registry's protocol (docs/identity.md) on 127.0.0.1
until interrupted. Point the server at it:

  motcua serve --business-registry-url http://127.0.0.1:7071 \
    --business-registry-client-id motcua --business-registry-client-secret motcua-sim-secret

and steer it from another terminal:

  curl -X POST '127.0.0.1:7071/sim/down?on=true'                 # every call fails (503)
  curl -X POST '127.0.0.1:7071/sim/status?id=DOSSIER-ID&status=DA_CAP'  # the registry decides`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			s, err := bizregsim.Start(addr)
			if err != nil {
				return err
			}
			defer func() { _ = s.Close() }()
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "business registry simulator on %s (client id %s, secret %s)\n",
				s.URL(), bizregsim.ClientID, bizregsim.ClientSecret)
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7071", "listen address")
	return cmd
}
