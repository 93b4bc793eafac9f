package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newReportOverdueUnitsCmd(o *clientOpts) *cobra.Command {
	var (
		sf     scopeFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "overdue-units",
		Short: "Units ranked by late workflow steps (ListOverdueByUnit), from the process-control slips",
		Long: `overdue-units ranks --agency and every agency below it by the workflow steps
they finished late in the period (by the day each step was finished), then by
the steps at the unit now and past their due time (open steps, whatever the
period). Units without a late or overdue step are left out. Late working
hours sum, over the late steps, the working time past each step's due time.

--format csv prints one line per unit; --format json prints the response.`,
		Example: `  motcua report overdue-units --agency 000.00.00.H55 --period 2026-Q1
  motcua report overdue-units --agency 000.00.00.H55 --from 2026-01-05 --to 2026-03-13 --format csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := sf.build(cmd)
			if err != nil {
				return err
			}
			sc.IncludeSubAgencies = true
			f, err := reportFormat(format, o)
			if err != nil {
				return err
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			resp, err := callReport(s, "ListOverdueByUnit", func(ctx context.Context, c pb.ReportServiceClient) (*pb.ListOverdueByUnitResponse, error) {
				return c.ListOverdueByUnit(ctx, &pb.ListOverdueByUnitRequest{Scope: sc})
			})
			if err != nil {
				return err
			}
			if f == "json" {
				return printJSON(s.out, resp)
			}
			names := s.agencyNames()
			if f == "csv" {
				return writeCSV(s.out, overdueCSV(resp, names))
			}
			fmt.Fprintln(s.out, "Late workflow steps by unit · "+scopeText(sc, "steps finished", "", "", names))
			printOverdueUnits(s.out, resp, names)
			return nil
		},
	}
	sf.bind(cmd.Flags(), false)
	bindFormat(cmd.Flags(), &format)
	return cmd
}

// fmtHours shows working hours as "12h30".
func fmtHours(h float64) string {
	m := int64(h*60 + 0.5)
	return fmt.Sprintf("%dh%02d", m/60, m%60)
}

func lateShare(u *pb.UnitLateness) *pb.Rate {
	return &pb.Rate{Numerator: u.GetStepsLate(), Denominator: u.GetStepsFinished()}
}

// printOverdueUnits prints the ranking as a table.
func printOverdueUnits(out io.Writer, resp *pb.ListOverdueByUnitResponse, names map[string]string) {
	if len(resp.GetUnits()) == 0 {
		fmt.Fprintln(out, "no unit finished a step late in the period, and no step is overdue now")
		return
	}
	t := newTable(out)
	t.row("RANK", "UNIT", "NAME", "STEPS FINISHED", "LATE", "LATE SHARE", "LATE WORKING HOURS", "OVERDUE NOW")
	for i, u := range resp.GetUnits() {
		t.row(fmt.Sprint(i+1), u.GetUnitCode(), orDash(names[u.GetUnitCode()]), fmtCount(u.GetStepsFinished()), fmtCount(u.GetStepsLate()),
			fmtPercent(lateShare(u)), fmtHours(u.GetLateWorkingHours()), fmtCount(u.GetStepsOverdueNow()))
	}
	t.flush()
}

func overdueCSV(resp *pb.ListOverdueByUnitResponse, names map[string]string) [][]string {
	rows := [][]string{{"rank", "unit_code", "unit_name", "steps_finished", "steps_late", "late_share", "late_working_hours", "steps_overdue_now"}}
	for i, u := range resp.GetUnits() {
		share := ""
		if u.GetStepsFinished() > 0 {
			share = fmtFloat(float64(u.GetStepsLate()) / float64(u.GetStepsFinished()))
		}
		rows = append(rows, []string{fmt.Sprint(i + 1), u.GetUnitCode(), names[u.GetUnitCode()], fmt.Sprint(u.GetStepsFinished()),
			fmt.Sprint(u.GetStepsLate()), share, fmtFloat(u.GetLateWorkingHours()), fmt.Sprint(u.GetStepsOverdueNow())})
	}
	return rows
}
