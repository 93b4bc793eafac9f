package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierListCmd(o *clientOpts) *cobra.Command {
	var (
		req            pb.ListDossiersRequest
		statuses       []string
		order          string
		all            bool
		receivedAfter  string
		receivedBefore string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the dossiers the token may see (ListDossiers), newest first",
		Long: `list prints one dossier a line. With --overdue or --due-within the order is
by legal deadline, soonest first. A page holds --page-size dossiers (default
50); the next page's token is printed on stderr, or --all follows every page.`,
		Example: `  motcua dossier list --status received --status processing
  motcua dossier list --due-within 8 --agency 000.00.01.H55
  motcua dossier list --applicant 001090000123 --all`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, st := range statuses {
				n, err := parseEnum("status", pb.DossierStatus(0).Descriptor(), st)
				if err != nil {
					return err
				}
				req.Statuses = append(req.Statuses, pb.DossierStatus(n))
			}
			switch order {
			case "":
			case "newest":
				req.OrderBy = pb.DossierOrder_DOSSIER_ORDER_NEWEST_FIRST
			case "due":
				req.OrderBy = pb.DossierOrder_DOSSIER_ORDER_DUE_SOONEST
			default:
				return usageError{fmt.Errorf("--order must be newest or due, not %q", order)}
			}
			var err error
			if receivedAfter != "" {
				if req.ReceivedAfter, err = parseDate("received-after", receivedAfter); err != nil {
					return err
				}
			}
			if receivedBefore != "" {
				if req.ReceivedBefore, err = parseDate("received-before", receivedBefore); err != nil {
					return err
				}
			}
			if all && req.PageSize == 0 {
				req.PageSize = 500
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			var dossiers []*pb.Dossier
			next := ""
			for {
				resp, err := call(s, "ListDossiers", func(ctx context.Context) (*pb.ListDossiersResponse, error) {
					return s.dossiers.ListDossiers(ctx, &req)
				})
				if err != nil {
					return err
				}
				dossiers = append(dossiers, resp.GetDossiers()...)
				next = resp.GetNextPageToken()
				if !all || next == "" {
					break
				}
				req.PageToken = next
			}
			if s.json() {
				return printJSON(s.out, &pb.ListDossiersResponse{Dossiers: dossiers, NextPageToken: next})
			}
			printDossierList(s.out, dossiers)
			if len(dossiers) == 0 {
				fmt.Fprintln(s.errOut, "no dossiers match (a token sees only its own dossiers or its agency's)")
			}
			if next != "" {
				fmt.Fprintf(s.errOut, "more: repeat with --page-token %s (same filters), or use --all\n", next)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.AgencyCode, "agency", "", "agency_code")
	f.StringVar(&req.ProcedureCode, "procedure", "", "procedure_code")
	f.StringSliceVar(&statuses, "status", nil, "any of these statuses (repeatable or comma-separated): submitted, received, processing, …")
	f.StringVar(&req.ApplicantIdNumber, "applicant", "", "applicant_id_number")
	f.BoolVar(&req.Overdue, "overdue", false, "only dossiers whose clock runs and whose legal deadline has passed")
	f.Float64Var(&req.DueWithinWorkingHours, "due-within", 0, "only dossiers due within this many working HOURS (overdue included)")
	f.BoolVar(&req.OnTime, "on-time", false, "only dossiers the on-time rate counts on time (running within the legal deadline, or resolved by it)")
	f.BoolVar(&req.Digitised, "digitised", false, "only dossiers with a component scanned at the counter or reused")
	f.BoolVar(&req.ElectronicResult, "electronic-result", false, "only dossiers resolved with an electronic result")
	f.BoolVar(&req.SupplementRequested, "supplement-requested", false, "only dossiers asked at least once to complete their documents")
	f.StringVar(&receivedAfter, "received-after", "", "received at or after this date/time (Vietnam time)")
	f.StringVar(&receivedBefore, "received-before", "", "received before this date/time (Vietnam time)")
	f.StringVar(&order, "order", "", "newest or due (legal deadline, soonest first)")
	f.Int32Var(&req.PageSize, "page-size", 0, "dossiers a page (default 50, at most 1000)")
	f.StringVar(&req.PageToken, "page-token", "", "the token of the next page, from the previous answer")
	f.BoolVar(&all, "all", false, "follow the page tokens to the end")
	f.StringVar(&req.Purpose, "purpose", "cli", "why the list is read (required of staff, recorded in the access log)")
	return cmd
}
