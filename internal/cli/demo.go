package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/esign"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/portalsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/simulate"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// demoOptions are the flags of motcua demo.
type demoOptions struct {
	dossiers int
	seed     uint64
	keep     string
}

// maxDemoDossiers bounds --dossiers (the simulated office has a few clerks).
const maxDemoDossiers = 20000

func newDemoCmd() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Simulate two months of a province's one-stop office on a throwaway server, then print its indicators",
		Long: `demo starts a motcua server in this process on a temporary SQLite store with
the demo catalog, and plays a province's one-stop office from Monday 5 January
to Friday 13 March 2026 through the real gRPC API, on a simulated clock that
moves in working time (weekends and the Tết holiday, 16–20 February, count as
they do for real deadlines):

  - citizens bring dossiers to the counter, send them by post, or file them
    online themselves or through a representative;
  - clerks file "online" for citizens standing at the counter (recorded as
    STAFF_ON_BEHALF), and a few community helpers file for their neighbours;
  - clerks accept or refuse online filings, ask for supplements and fees
    (pausing the clock), and set new appointments with an apology;
  - each workflow step is done by its unit and role, some of them late;
  - applicants withdraw, clerks stop dossiers whose supplement never comes;
  - results are issued electronically or on paper, and handed over at the
    counter, by post or online.

Then it prints the indicators of the province 000.00.00.H55 and the agencies
below it for the simulated period (as "motcua report indicators" does), a
paragraph on the gap between the online share a padded report would quote and
the genuine one, what the national portal's simulator saw, a day at the counter
after the period against the population-database and business-registry simulators
(identities verified, a planted mismatch flagged, an intake pre-filled, a dossier
handed off to the registry), and the result of "motcua report verify" on the demo
store.

The same --seed gives the same office, the same dossiers and the same figures.
The store is deleted at the end unless --keep DIR keeps it (then serve it with
"motcua serve --data-dir DIR").`,
		Example: `  go run ./cmd/motcua demo
  motcua demo --dossiers 1000 --seed 7
  motcua demo --keep ./demo-data && motcua serve --data-dir ./demo-data`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.dossiers < 1 || o.dossiers > maxDemoDossiers {
				return usageError{fmt.Errorf("--dossiers must be between 1 and %d, not %d", maxDemoDossiers, o.dossiers)}
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.dossiers, "dossiers", 300, "how many dossiers to file")
	f.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed plays the same office")
	f.StringVar(&o.keep, "keep", "", "keep the SQLite store in this directory (it must not hold a motcua.db yet) instead of a temporary one")
	return cmd
}

// The simulated period (see simulate.DemoStart).
var (
	demoStart      = simulate.DemoStart
	demoLastFiling = simulate.DemoLastFiling
	demoEnd        = simulate.DemoEnd
)

// runDemo runs the whole demo; see newDemoCmd.
func runDemo(ctx context.Context, out, errOut io.Writer, o demoOptions) (err error) {
	began := time.Now()
	dir := o.keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "motcua-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else {
		if dir, err = filepath.Abs(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(dir, "motcua.db")); err == nil {
			return usageError{fmt.Errorf("--keep %s already holds a motcua.db; choose an empty directory or delete it", dir)}
		}
	}

	clock := simulate.NewClock(demoStart)
	st, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(dir, "motcua.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	// The national portal, simulated in this process on the same clock.
	portalSim, portalURL, stopPortal, err := portalsim.StartLocal("127.0.0.1:0", portalsim.Options{
		Credentials: map[string]string{seed.OneStopCentre: demoPortalPassword}, Now: clock.Now})
	if err != nil {
		return err
	}
	defer stopPortal()
	client := portal.New(portal.Options{Timeout: 10 * time.Second, Default: portal.Endpoint{BaseURL: portalURL, Password: demoPortalPassword}})
	// Files are stored under the demo directory; results are signed by a
	// development signer whose root the server trusts (kept in
	// dev-signing/, so that `motcua serve --data-dir` trusts it too).
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	root, signer, err := demoSigningCA(dir)
	if err != nil {
		return err
	}
	a := app.New(st, app.WithClock(clock.Now), app.WithPortalSync(client, app.SyncConfig{Workers: 1, NoJitter: true,
		BackoffMin: time.Minute, BackoffMax: 30 * time.Minute}),
		app.WithDocuments(app.DocumentConfig{Blobs: blobs, Signatures: esign.NewRoots(root.Cert)}))
	if _, err := seed.EnsureDemoCatalog(ctx, a, st, time.Date(2025, 1, 1, 0, 0, 0, 0, vietnam)); err != nil {
		return fmt.Errorf("install the demo catalog: %w", err)
	}

	// The server, with tokens signed by a key that lives only in memory.
	key, verifier, err := auth.NewEphemeralDevKey()
	if err != nil {
		return err
	}
	srv, err := newDemoServer(a, st, verifier, errOut)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx) }()
	defer func() {
		stop()
		if e := <-served; e != nil && err == nil {
			err = fmt.Errorf("demo server: %w", e)
		}
	}()
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()

	// Play the office.
	outage := &demoOutage{sim: portalSim, a: a}
	sim, err := simulate.NewDemo(ctx, conn, key, clock, simulate.DemoOptions{Dossiers: o.dossiers, Seed: o.seed,
		Catalog: simulate.DemoCatalog{Agency: seed.OneStopCentre, Criminal: seed.ProcCriminal, Enterprise: seed.ProcEnterprise,
			Building: seed.ProcBuilding, Copy: seed.ProcCopy}, AfterStep: outage.step, Signer: signer})
	if err != nil {
		return err
	}
	if err := playDemo(ctx, sim, o.dossiers, errOut); err != nil {
		return err
	}
	clock.Set(demoEnd)
	portalStory, err := outage.finish(ctx, sim, conn)
	if err != nil {
		return err
	}
	identityStory, err := demoIdentity(ctx, st, clock, verifier, sim, errOut)
	if err != nil {
		return err
	}

	// The indicators, read as the province's auditor.
	tok, err := sim.Token(auth.TokenSpec{Subject: "auditor-1", Role: domain.RoleAuditor, Agency: seed.Province})
	if err != nil {
		return err
	}
	s := &session{opts: &clientOpts{token: tok, timeout: 30 * time.Second, addr: srv.GRPCAddr()}, conn: conn,
		out: out, errOut: errOut, parent: ctx}
	sc := &pb.ReportScope{AgencyCode: seed.Province, IncludeSubAgencies: true,
		FromDate: demoStart.Format("2006-01-02"), ToDate: demoEnd.Format("2006-01-02")}
	resp, err := callReport(s, "GetIndicators", func(ctx context.Context, c pb.ReportServiceClient) (*pb.GetIndicatorsResponse, error) {
		return c.GetIndicators(ctx, &pb.GetIndicatorsRequest{Scope: sc})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Simulated %s dossiers filed with the one-stop centre from %s to %s; figures read on %s.\n\n",
		fmtCount(int64(o.dossiers)), demoStart.Format("Mon 02/01/2006"), demoLastFiling.Format("Mon 02/01/2006"), demoEnd.Format(timeLayout))
	printIndicators(out, sc, resp, s.agencyNames())
	fmt.Fprintln(out)
	fmt.Fprintln(out, "What the online share hides")
	fmt.Fprintln(out, wrap(onlineGap(resp.GetIndicators()), 88))
	fmt.Fprintln(out)
	fmt.Fprintln(out, "The national portal (simulated in this process)")
	fmt.Fprintln(out, wrap(portalStory, 88))
	fmt.Fprintln(out)
	fmt.Fprintln(out, "The national databases (simulated in this process)")
	fmt.Fprintln(out, wrap(identityStory, 88))

	fmt.Fprintln(out)
	fmt.Fprintln(out, "Verification (motcua report verify on the demo store)")
	verr := verifyStats(ctx, a, out, errOut, false)
	if o.keep != "" {
		fmt.Fprintf(out, "\nThe demo store is kept in %s. Serve it (on the real clock) with\n  motcua serve --data-dir %s\n"+
			"and mint tokens from the same directory, e.g.\n  motcua token issue --data-dir %s --role auditor --agency %s --subject auditor-1\n",
			filepath.Join(dir, "motcua.db"), dir, dir, seed.Province)
	}
	fmt.Fprintf(errOut, "demo finished in %s\n", time.Since(began).Round(100*time.Millisecond))
	return verr
}

// newDemoServer is a server for the demo on 127.0.0.1 that logs only errors.
func newDemoServer(a *app.Service, st *gormstore.Store, verifier *auth.Verifier, errOut io.Writer) (*server.Server, error) {
	return server.New(a, st, server.Options{GRPCAddr: "127.0.0.1:0", ShutdownTimeout: 5 * time.Second,
		Log:      slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelError})),
		Verifier: verifier})
}

// playDemo runs the simulation with a progress bar on errOut.
func playDemo(ctx context.Context, sim *simulate.Demo, total int, errOut io.Writer) error {
	bar := newProgress(errOut)
	started := time.Now()
	err := sim.Run(ctx, func(filed int, now time.Time) {
		text := fmt.Sprintf("%s %d/%d dossiers · simulated %s", progressBar(filed, total, 20), filed, total,
			now.In(vietnam).Format("Mon 02/01/2006"))
		if bar.terminal || filed == total || filed%max(1, total/10) == 0 {
			bar.update(text, !bar.terminal)
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			bar.done(fmt.Sprintf("interrupted after %d of %d dossiers", sim.Filed(), total))
		}
		return err
	}
	bar.done(fmt.Sprintf("%s %d/%d dossiers filed and worked until %s (%s)", progressBar(sim.Filed(), total, 20), sim.Filed(),
		total, demoEnd.Format("Mon 02/01/2006 15:04"), time.Since(started).Round(100*time.Millisecond)))
	return nil
}

// progressBar is "[#####-----]".
func progressBar(done, total, w int) string {
	n := 0
	if total > 0 {
		n = done * w / total
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", w-n) + "]"
}

// onlineGap is the paragraph on the reported and the genuine online share.
func onlineGap(in *pb.Indicators) string {
	rep, gen := in.GetReportedOnlineShare(), in.GetGenuineOnlineShare()
	if in.GetReceived() == 0 {
		return "No dossier was received in the period, so there is no online share to compare."
	}
	if in.GetOnlineAssisted() == 0 {
		return fmt.Sprintf("Of the %s dossiers received, %s (%s) were filed online, all of them by the applicants or their "+
			"representatives: the reported and the genuine online share agree.", fmtCount(in.GetReceived()),
			fmtCount(in.GetReceivedOnline()), fmtPercent(rep))
	}
	sc := in.GetScore()
	return fmt.Sprintf("Of the %s dossiers received, %s (%s) came in online: that is the share a report counting every "+
		"online filing would quote. But %s of those online filings were made for the applicant by a clerk at the "+
		"counter (recorded STAFF_ON_BEHALF) or by a community helper. Only %s were filed by the applicants or their "+
		"representatives themselves: a genuine online share of %s, %.2f percentage points lower. On Decision 766's "+
		"online-service group that is %.2f of 12 points as reported against %.2f genuinely.",
		fmtCount(in.GetReceived()), fmtCount(in.GetReceivedOnline()), fmtPercent(rep), fmtCount(in.GetOnlineAssisted()),
		fmtCount(in.GetOnlineGenuine()), fmtPercent(gen), 100*(rep.GetValue()-gen.GetValue()),
		sc.GetOnlineServiceReported(), sc.GetOnlineService())
}

// wrap breaks text into lines of at most n characters at spaces.
func wrap(text string, n int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && width(line)+1+width(w) > n {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// demoSigningCA makes a development root and a result signer and writes
// them to dir/dev-signing (as `motcua dev ca` does).
func demoSigningCA(dir string) (*esign.DevCA, *simulate.DemoSigner, error) {
	root, err := esign.NewDevCA("motcua demo root", 5*365*24*time.Hour)
	if err != nil {
		return nil, nil, err
	}
	cert, key, err := root.IssueSigner("Lãnh đạo (demo)", 365*24*time.Hour)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := esign.KeyPEM(key)
	if err != nil {
		return nil, nil, err
	}
	out := filepath.Join(dir, filepath.Dir(devRootFile))
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, nil, err
	}
	for name, b := range map[string][]byte{"root.pem": esign.CertPEM(root.Cert), "signer.pem": esign.CertPEM(cert), "signer.key": keyPEM} {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o600); err != nil {
			return nil, nil, err
		}
	}
	return root, &simulate.DemoSigner{Cert: cert, Key: key}, nil
}
