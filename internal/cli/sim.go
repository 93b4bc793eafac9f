package cli

import (
	"fmt"
	"log/slog"
	"net"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/bizregsim"
	"github.com/motcua/motcua/internal/mandatesim"
	"github.com/motcua/motcua/internal/popsim"
	"github.com/motcua/motcua/internal/portalsim"
	"github.com/motcua/motcua/internal/seed"
)

func newSimCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulators of the national systems motcua talks to (for tests, demos and development)",
		Args:  noArgs,
	}
	cmd.AddCommand(newSimPortalCmd(), newSimPopulationCmd(), newSimBizregCmd(), newSimMandatesCmd())
	return cmd
}

// demoPortalPassword is the simulator's default password for the demo
// one-stop centre: a simulator, not a secret.
const demoPortalPassword = "motcua-demo"

func newSimPortalCmd() *cobra.Command {
	var (
		addr, file, adminToken, reject string
		agencies                       []string
		faults                         portalsim.Faults
		delay, ttl                     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "portal",
		Short: "Run a simulator of the national public service portal (DVCQG) that checks, keeps and answers what motcua syncs",
		Long: `portal runs an HTTP server speaking the national portal's synchronisation
protocol (docs/portal-sync.md, "The simulator"): POST /api/token for a token
with an agency's credentials, POST /api/dvc for DongBoHoSoMC (a dossier),
CapNhatTienDoHoSoMC (progress rows) and TraCuuHoSo (read copies back). It
refuses every malformed field as the portal does (error_code 1 with each
field), keeps what it accepts (in memory, or in --file), and can be told to
misbehave at start (--down, --fail-next, --delay, --reject) or at any time
through its admin endpoints:

  curl -X POST localhost:8790/admin/faults -d '{"down":true}'      # an outage
  curl -X POST localhost:8790/admin/faults -d '{}'                 # back up
  curl localhost:8790/admin/dossiers                               # what it holds
  curl -X POST localhost:8790/admin/diverge -d '{"MaHoSo":"…","TrangThaiHoSo":9}'

Point serve at it with --portal-url http://127.0.0.1:8790 --portal-password
motcua-demo (the default credentials are the demo one-stop centre's).`,
		Example: `  motcua sim portal
  motcua sim portal --addr 127.0.0.1:8790 --agency 000.00.01.H55=s3cret --file portal.json
  motcua sim portal --fail-next 20 --delay 200ms`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			creds := map[string]string{}
			for _, a := range agencies {
				code, pw, ok := strings.Cut(a, "=")
				if !ok || code == "" || pw == "" {
					return usageError{fmt.Errorf("--agency takes CODE=PASSWORD, not %q", a)}
				}
				creds[code] = pw
			}
			faults.DelayMS, faults.Reject = int(delay/time.Millisecond), reject
			if faults.FailNext < 0 || delay < 0 {
				return usageError{fmt.Errorf("--fail-next and --delay cannot be negative")}
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			sim, err := portalsim.New(portalsim.Options{Credentials: creds, File: file, AdminToken: adminToken, TokenTTL: ttl, Logger: log})
			if err != nil {
				return err
			}
			sim.SetFaults(faults)
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			codes := make([]string, 0, len(creds))
			for c := range creds {
				codes = append(codes, c)
			}
			log.Info(fmt.Sprintf("national portal simulator on http://%s (agencies %s)", l.Addr(), strings.Join(codes, ", ")),
				"file", orDefault(file, "(memory)"), "admin_token", adminToken != "")
			return sim.Serve(cmd.Context(), l)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8790", "listen address")
	f.StringSliceVar(&agencies, "agency", []string{seed.OneStopCentre + "=" + demoPortalPassword}, "an agency's credentials, CODE=PASSWORD (repeatable)")
	f.StringVar(&file, "file", "", "keep the dossiers in this JSON file across restarts")
	f.StringVar(&adminToken, "admin-token", "", "require this bearer token on /admin/")
	f.DurationVar(&ttl, "token-ttl", time.Hour, "how long an access token is valid")
	f.BoolVar(&faults.Down, "down", false, "start down: every call answers 503")
	f.IntVar(&faults.FailNext, "fail-next", 0, "answer the next N service calls with --fail-status")
	f.IntVar(&faults.FailStatus, "fail-status", 500, "the HTTP status of --fail-next failures")
	f.DurationVar(&delay, "delay", 0, "delay every answer by this long")
	f.StringVar(&reject, "reject", "", "refuse every dossier with error_code 1 and this message")
	// No MOTCUA_* variables: MOTCUA_ADDR is the client commands' server address.
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

func newSimMandatesCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "mandates",
		Short: "Simulate a registry of representation mandates over HTTP (OAuth2 client credentials, mandate check)",
		Long: `mandates serves the mandate registry's protocol (docs/identity.md) on 127.0.0.1
with fixture mandates, until interrupted. Point the server at it:

  motcua serve --mandate-registry-url http://127.0.0.1:7072 \
    --mandate-registry-client-id motcua --mandate-registry-client-secret motcua-sim-secret

and steer it from another terminal:

  curl -X POST '127.0.0.1:7072/sim/down?on=true'                       # every call fails (503)
  curl -X POST '127.0.0.1:7072/sim/delay?d=5s'                         # every call is slow
  curl -X POST '127.0.0.1:7072/sim/revoke?ref=UQ-2026-0001'            # the principal revokes it
  curl -X POST '127.0.0.1:7072/sim/wrong?ref=UQ-2026-0001&reason=KHONG_KHOP_BEN'  # plant a wrong answer
  curl -X POST 127.0.0.1:7072/sim/mandates -d '{"SoUyQuyen":"…","NguoiUyQuyen":"…","NguoiDuocUyQuyen":"…","PhamVi":"…"}'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			s, err := mandatesim.Start(addr)
			if err != nil {
				return err
			}
			defer func() { _ = s.Close() }()
			out := cmd.OutOrStdout()
			_, _ = fmt.Fprintf(out, "mandate registry simulator on %s (client id %s, secret %s)\nfixture mandates:\n",
				s.URL(), mandatesim.ClientID, mandatesim.ClientSecret)
			for _, m := range mandatesim.Fixtures {
				_, _ = fmt.Fprintf(out, "  %s  %s → %s  %s..%s  revoked %v  procedures %v\n", m.SoUyQuyen, m.NguoiUyQuyen,
					m.NguoiDuocUyQuyen, m.HieuLucTu, m.HieuLucDen, m.DaThuHoi, m.MaThuTuc)
			}
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7072", "listen address")
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
  curl -X POST '127.0.0.1:7071/sim/delay?d=5s'                   # answers are slow (recorded first)
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
