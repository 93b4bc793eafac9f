package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newCalendarGetCmd(o *clientOpts) *cobra.Command {
	var req pb.GetCalendarYearRequest
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Show the special days in force for a year (GetCalendarYear), nationally or for an agency",
		Long: `get prints the national days off and make-up working days of --year (as
decided, or the legal defaults), and with --agency also the agency's (and its
parents') local days, its working hours and time zone.`,
		Example: `  motcua calendar get --year 2026
  motcua calendar get --year 2026 --agency 000.00.01.H55`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			resp, err := call(s, "GetCalendarYear", func(ctx context.Context) (*pb.GetCalendarYearResponse, error) {
				return s.calendar.GetCalendarYear(ctx, &req)
			})
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, resp)
			}
			printCalendar(s.out, resp)
			return nil
		},
	}
	cmd.Flags().Int32Var(&req.Year, "year", int32(time.Now().In(vietnam).Year()), "the year")
	cmd.Flags().StringVar(&req.AgencyCode, "agency", "", "agency_code; empty for the national calendar")
	return cmd
}
