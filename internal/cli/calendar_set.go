package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newCalendarSetCmd(o *clientOpts) *cobra.Command {
	var (
		req       pb.SetCalendarYearRequest
		days      []string
		file      string
		clearDays bool
	)
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Replace the special days of a year (SetCalendarYear), nationally or for an agency (admin)",
		Long: `set replaces the complete list of special days of --year: the national list
(from the government's decision; it replaces the legal defaults) or, with
--agency, that agency's local list. Give the days with --day (repeatable) or
--file, a CSV file of lines "date,off|work,name" (a header line "date,…" and
lines starting with # are skipped). --clear sets an empty list.

Deadlines already computed stay as they were.`,
		Example: `  motcua calendar set --year 2026 \
    --day "2026-02-16=off:Tết Nguyên đán" --day "2026-02-17=off:Tết Nguyên đán" \
    --day "2026-08-22=work:Làm bù"
  motcua calendar set --year 2026 --file days-2026.csv
  motcua calendar set --year 2026 --agency 000.00.01.H55 --day "2026-10-01=off:Ngày thành lập tỉnh"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("year") {
				return usageError{fmt.Errorf("%s needs --year (the whole list of that year is replaced)", cmd.CommandPath())}
			}
			for _, d := range days {
				day, err := parseDay(d)
				if err != nil {
					return err
				}
				req.Days = append(req.Days, day)
			}
			if file != "" {
				f, err := os.Open(file)
				if err != nil {
					return usageError{fmt.Errorf("--file: %w", err)}
				}
				fromFile, err := readDays(f, file)
				f.Close()
				if err != nil {
					return err
				}
				req.Days = append(req.Days, fromFile...)
			}
			switch {
			case clearDays && len(req.Days) > 0:
				return usageError{fmt.Errorf("--clear sets an empty list; it does not go with --day or --file")}
			case !clearDays && len(req.Days) == 0:
				return usageError{fmt.Errorf("%s needs --day or --file (or --clear for an empty list)", cmd.CommandPath())}
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			req.RequestId = s.requestID(req.RequestId)
			resp, err := call(s, "SetCalendarYear", func(ctx context.Context) (*pb.SetCalendarYearResponse, error) {
				return s.calendar.SetCalendarYear(ctx, &req)
			})
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, resp)
			}
			printCalendar(s.out, resp.GetCalendar())
			return nil
		},
	}
	f := cmd.Flags()
	f.Int32Var(&req.Year, "year", 0, "the year whose list is replaced")
	f.StringVar(&req.AgencyCode, "agency", "", "agency_code; empty for the national list")
	f.StringArrayVar(&days, "day", nil, `a special day, repeatable: "2026-02-16=off:Tết Nguyên đán" or "2026-08-22=work:Làm bù"`)
	f.StringVar(&file, "file", "", "a CSV file of lines date,off|work,name")
	f.BoolVar(&clearDays, "clear", false, "set an empty list (e.g. remove an agency's local days)")
	f.StringVar(&req.RequestId, "request-id", "", "idempotency key; default: a fresh id, printed on stderr (reuse it to retry)")
	return cmd
}
