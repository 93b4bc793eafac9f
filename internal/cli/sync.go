package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newSyncCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "The national portal (DVCQG) synchronisation over gRPC: status, retry dead letters, resend, reconcile",
		Long: `sync shows and steers how a running motcua server (--addr) keeps the national
public service portal's copy of every dossier true (docs/portal-sync.md), as the
principal of --token: reading needs an auditor (their jurisdiction), a leader
(their agency and below) or an admin; retry, resend and reconcile need an admin.

  export MOTCUA_TOKEN=$(motcua token issue --role admin --subject admin-1)

Dates (--from, --to) are days in Vietnam's time zone, inclusive; they select
the dossiers filed in them. Changing commands take --request-id (default: a
fresh id, printed on stderr; repeat the command with it to retry safely).

Exit status: 0 on success, 1 when the server refused or could not be reached,
2 when the command line is wrong.`,
		Example: `  motcua sync status --agency 000.00.01.H55
  motcua sync status --view dead-lettered
  motcua sync retry --agency 000.00.01.H55
  motcua sync resend --dossier 000.00.01.H55-260302-0007
  motcua sync resend --agency 000.00.01.H55 --from 2026-03-01 --to 2026-03-31
  motcua sync reconcile --agency 000.00.01.H55 --from 2026-03-01
  motcua sync report 01926f3e-0000-7000-8000-000000000001`,
	}
	addClientFlags(cmd, o)
	cmd.AddCommand(newSyncStatusCmd(o), newSyncRetryCmd(o), newSyncResendCmd(o), newSyncReconcileCmd(o), newSyncReportCmd(o))
	return cmd
}

// selectorFlags select dossiers for the sync commands.
type selectorFlags struct {
	agency, dossier, from, to string
	sub                       bool
}

func (f *selectorFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.agency, "agency", "", "agency code (default: yours; an admin: every agency)")
	fs.BoolVar(&f.sub, "sub-agencies", false, "include the agencies below --agency")
	fs.StringVar(&f.dossier, "dossier", "", "one dossier, by id or code")
	fs.StringVar(&f.from, "from", "", "only dossiers filed on or after this day (YYYY-MM-DD)")
	fs.StringVar(&f.to, "to", "", "only dossiers filed on or before this day (YYYY-MM-DD)")
}

// day reads a YYYY-MM-DD day in Vietnam's time zone; end gives the start of
// the next day (the exclusive end of an inclusive range).
func day(flag, s string, end bool) (*timestamppb.Timestamp, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, vietnam)
	if err != nil {
		return nil, usageError{fmt.Errorf("--%s must be a day YYYY-MM-DD, not %q", flag, s)}
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return timestamppb.New(t), nil
}

func (f *selectorFlags) build() (*pb.SyncSelector, error) {
	from, err := day("from", f.from, false)
	if err != nil {
		return nil, err
	}
	to, err := day("to", f.to, true)
	if err != nil {
		return nil, err
	}
	sel := &pb.SyncSelector{AgencyCode: f.agency, IncludeSubAgencies: f.sub, FromTime: from, ToTime: to}
	if uuidLike.MatchString(f.dossier) {
		sel.DossierId = f.dossier
	} else {
		sel.DossierCode = f.dossier
	}
	return sel, nil
}

var uuidLike = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func callSync[Resp any](s *session, method string, fn func(ctx context.Context, c pb.SyncServiceClient) (Resp, error)) (Resp, error) {
	c := pb.NewSyncServiceClient(s.conn)
	return call(s, method, func(ctx context.Context) (Resp, error) { return fn(ctx, c) })
}

var syncViews = map[string]pb.SyncView{"all": pb.SyncView_SYNC_VIEW_UNSPECIFIED, "pending": pb.SyncView_SYNC_VIEW_PENDING,
	"dead-lettered": pb.SyncView_SYNC_VIEW_DEAD_LETTERED, "synced": pb.SyncView_SYNC_VIEW_SYNCED}

func newSyncStatusCmd(o *clientOpts) *cobra.Command {
	var (
		sel      selectorFlags
		view     string
		pageSize int32
		all      bool
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Counts and per-dossier sync state: synced, pending, retrying (with the last error), dead-lettered (with the reason)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, ok := syncViews[view]
			if !ok {
				return usageError{fmt.Errorf("--view must be all, pending, dead-lettered or synced, not %q", view)}
			}
			sc, err := sel.build()
			if err != nil {
				return err
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			req := &pb.GetSyncStatusRequest{Selector: sc, View: v, PageSize: pageSize}
			var pages []*pb.GetSyncStatusResponse
			for {
				resp, err := callSync(s, "GetSyncStatus", func(ctx context.Context, c pb.SyncServiceClient) (*pb.GetSyncStatusResponse, error) {
					return c.GetSyncStatus(ctx, req)
				})
				if err != nil {
					return err
				}
				pages = append(pages, resp)
				if !all || resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
			}
			if s.json() {
				return printJSON(s.out, pages[len(pages)-1])
			}
			printSyncStatus(s.out, pages)
			return nil
		},
	}
	sel.bind(cmd.Flags())
	cmd.Flags().StringVar(&view, "view", "all", "all, pending, dead-lettered or synced")
	cmd.Flags().Int32Var(&pageSize, "page-size", 50, "dossiers per page (at most 1000)")
	cmd.Flags().BoolVar(&all, "all", false, "read every page")
	return cmd
}

func printSyncStatus(out io.Writer, pages []*pb.GetSyncStatusResponse) {
	first := pages[0]
	if !first.GetPortalConfigured() {
		fmt.Fprintln(out, "note: this server has no portal configured (--portal-url / --portal-config); nothing is delivered")
	}
	c := first.GetCounts()
	fmt.Fprintf(out, "Dossiers %s · synced %s · out of sync %s (never sent %s) · dead-lettered %s\n\n", fmtCount(c.GetDossiers()),
		fmtCount(c.GetSynced()), fmtCount(c.GetOutOfSync()), fmtCount(c.GetNeverSent()), fmtCount(c.GetDeadLettered()))
	rows := [][]string{{"DOSSIER", "CONDITION", "VERSION", "ACKED", "ACKED AT", "ATTEMPTS", "NEXT / DEAD-LETTERED", "LAST ERROR"}}
	for _, p := range pages {
		for _, st := range p.GetStates() {
			when := fmtTime(st.GetNextAttemptAt())
			if st.GetDeadLetteredAt() != nil {
				when = fmtTime(st.GetDeadLetteredAt())
			}
			if st.GetNextAttemptAt() == nil && st.GetDeadLetteredAt() == nil {
				when = "-"
			}
			errText := st.GetLastError()
			if errText == "" {
				errText = "-"
			}
			rows = append(rows, []string{st.GetDossierCode(), enumName(st.GetCondition()), fmt.Sprint(st.GetDossierVersion()),
				fmt.Sprint(st.GetAckedVersion()), fmtTime(st.GetAckedAt()), fmt.Sprint(st.GetAttempts()), when, errText})
		}
	}
	if len(rows) == 1 {
		fmt.Fprintln(out, "no dossier in this view")
		return
	}
	printRows(out, rows)
	if next := pages[len(pages)-1].GetNextPageToken(); next != "" {
		fmt.Fprintln(out, "\nmore: repeat with --all")
	}
}

// printRows prints a left-aligned table.
func printRows(out io.Writer, rows [][]string) {
	w := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], width(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(padRight(c, w[i]) + "  ")
		}
		fmt.Fprintln(out, strings.TrimRight(b.String(), " "))
	}
}

func newSyncRetryCmd(o *clientOpts) *cobra.Command {
	return syncSelectorCmd(o, "retry", "RetrySync", "Re-arm the dead-lettered deliveries of an agency or a dossier (admins)", nil,
		func(ctx context.Context, c pb.SyncServiceClient, requestID string, sc *pb.SyncSelector) (string, proto.Message, error) {
			resp, err := c.RetrySync(ctx, &pb.RetrySyncRequest{RequestId: requestID, Selector: sc})
			return fmt.Sprintf("%d dead-lettered dossier(s) re-armed; they are delivered at once", resp.GetRearmed()), resp, err
		})
}

func newSyncResendCmd(o *clientOpts) *cobra.Command {
	return syncSelectorCmd(o, "resend", "ResendSync", "Send the current state of a dossier, or of the dossiers filed in a period, again (admins)",
		func(sel *selectorFlags) error {
			if sel.dossier == "" && sel.from == "" {
				return usageError{errors.New("give --dossier, or --from (and --agency, --to) for a period")}
			}
			return nil
		},
		func(ctx context.Context, c pb.SyncServiceClient, requestID string, sc *pb.SyncSelector) (string, proto.Message, error) {
			resp, err := c.ResendSync(ctx, &pb.ResendSyncRequest{RequestId: requestID, Selector: sc})
			return fmt.Sprintf("%d dossier(s) queued to be sent again", resp.GetQueued()), resp, err
		})
}

// syncSelectorCmd is a mutating sync command over a selector (an agency,
// a dossier or a period): check, if set, refuses a selector the command
// cannot take; send makes the call and says what it did.
func syncSelectorCmd(o *clientOpts, use, method, short string, check func(*selectorFlags) error,
	send func(ctx context.Context, c pb.SyncServiceClient, requestID string, sc *pb.SyncSelector) (string, proto.Message, error)) *cobra.Command {
	var (
		sel       selectorFlags
		requestID string
	)
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if check != nil {
				if err := check(&sel); err != nil {
					return err
				}
			}
			sc, err := sel.build()
			if err != nil {
				return err
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			rid := s.requestID(requestID)
			var text string
			resp, err := callSync(s, method, func(ctx context.Context, c pb.SyncServiceClient) (proto.Message, error) {
				t, m, err := send(ctx, c, rid, sc)
				text = t
				return m, err
			})
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, resp)
			}
			fmt.Fprintln(s.out, text)
			return nil
		},
	}
	sel.bind(cmd.Flags())
	cmd.Flags().StringVar(&requestID, "request-id", "", "idempotency key; default: a fresh id, printed on stderr (reuse it to retry)")
	return cmd
}

func newSyncReconcileCmd(o *clientOpts) *cobra.Command {
	var (
		agency, from, to, requestID string
	)
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Read the portal's copy back and report dossiers whose status, dates or channel differ, or that it lacks (admins)",
		Long: `reconcile asks the server to read the portal's copy of every dossier of
--agency (filed between --from and --to, if given) back through the portal's
look-up service (TraCuuHoSo) and compare status, channel and dates with the
dossier's current state. The report is stored (motcua sync report ID) and
printed: MISSING (the portal lacks it), DIVERGENT (with each field, ours and
the portal's), PENDING (it differs but a newer state is being delivered).
motcua sync resend repairs what it finds. Give a longer --timeout for a large
agency.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if agency == "" {
				return usageError{errors.New("--agency is required")}
			}
			f, err := day("from", from, false)
			if err != nil {
				return err
			}
			t, err := day("to", to, true)
			if err != nil {
				return err
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			req := &pb.ReconcileSyncRequest{RequestId: s.requestID(requestID), AgencyCode: agency, FromTime: f, ToTime: t}
			resp, err := callSync(s, "ReconcileSync", func(ctx context.Context, c pb.SyncServiceClient) (*pb.ReconcileSyncResponse, error) {
				return c.ReconcileSync(ctx, req)
			})
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, resp)
			}
			printReconciliation(s.out, resp.GetReconciliation())
			return nil
		},
	}
	cmd.Flags().StringVar(&agency, "agency", "", "agency code (required)")
	cmd.Flags().StringVar(&from, "from", "", "only dossiers filed on or after this day (YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "only dossiers filed on or before this day (YYYY-MM-DD)")
	cmd.Flags().StringVar(&requestID, "request-id", "", "idempotency key; default: a fresh id, printed on stderr (reuse it to retry)")
	return cmd
}

func newSyncReportCmd(o *clientOpts) *cobra.Command {
	return &cobra.Command{
		Use:   "report ID",
		Short: "Print a stored reconciliation report",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			resp, err := callSync(s, "GetReconciliation", func(ctx context.Context, c pb.SyncServiceClient) (*pb.GetReconciliationResponse, error) {
				return c.GetReconciliation(ctx, &pb.GetReconciliationRequest{Id: args[0]})
			})
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, resp)
			}
			printReconciliation(s.out, resp.GetReconciliation())
			return nil
		},
	}
}

func printReconciliation(out io.Writer, r *pb.Reconciliation) {
	fmt.Fprintf(out, "Reconciliation %s · agency %s · %s\n", r.GetId(), r.GetAgencyCode(), fmtTime(r.GetFinishedAt()))
	fmt.Fprintf(out, "checked %s · matched %s · divergent %s · missing %s · pending %s\n", fmtCount(r.GetChecked()),
		fmtCount(r.GetMatched()), fmtCount(r.GetDivergent()), fmtCount(r.GetMissing()), fmtCount(r.GetPending()))
	if len(r.GetFindings()) == 0 {
		fmt.Fprintln(out, "\nthe portal's copy matches every dossier checked")
		return
	}
	rows := [][]string{{"DOSSIER", "FINDING", "FIELD", "OURS", "PORTAL"}}
	for _, f := range r.GetFindings() {
		if len(f.GetFields()) == 0 {
			rows = append(rows, []string{f.GetDossierCode(), enumName(f.GetKind()), "-", "-", "-"})
		}
		for _, d := range f.GetFields() {
			rows = append(rows, []string{f.GetDossierCode(), enumName(f.GetKind()), d.GetField(), orDash(d.GetLocal()), orDash(d.GetPortal())})
		}
	}
	fmt.Fprintln(out)
	printRows(out, rows)
}
