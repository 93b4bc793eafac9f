package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newReportSeriesCmd(o *clientOpts) *cobra.Command {
	var (
		sf          scopeFlags
		format      string
		granularity string
	)
	cmd := &cobra.Command{
		Use:   "series",
		Short: "The indicators per day, month, quarter or year (GetIndicatorSeries), as a text chart",
		Long: `series prints one line per day, month, quarter or year of the period (empty
ones included): the dossiers received, a bar proportional to them, the on-time
rate, and the online filings split into genuine (by the applicant or their
representative) and assisted (by an official or a helper for them).

--format csv prints one line per bucket with the main counts; --format json
prints the response, every indicator of every bucket.`,
		Example: `  motcua report series --agency 000.00.00.H55 --sub-agencies --period 2026 --granularity month
  motcua report series --agency 000.00.01.H55 --period 2026-03 --granularity day --format csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := sf.build(cmd)
			if err != nil {
				return err
			}
			f, err := reportFormat(format, o)
			if err != nil {
				return err
			}
			g, err := parseEnum("granularity", pb.Granularity(0).Descriptor(), granularity)
			if err != nil {
				return err
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			req := &pb.GetIndicatorSeriesRequest{Scope: sc, Granularity: pb.Granularity(g)}
			resp, err := callReport(s, "GetIndicatorSeries", func(ctx context.Context, c pb.ReportServiceClient) (*pb.GetIndicatorSeriesResponse, error) {
				return c.GetIndicatorSeries(ctx, req)
			})
			if err != nil {
				return err
			}
			switch f {
			case "json":
				return printJSON(s.out, resp)
			case "csv":
				return writeCSV(s.out, seriesCSV(resp))
			}
			fmt.Fprintf(s.out, "Received per %s · %s\n", strings.ToLower(enumName(pb.Granularity(g))), scopeText(sc, "dossiers filed", "", "", s.agencyNames()))
			printSeries(s.out, resp)
			return nil
		},
	}
	sf.bind(cmd.Flags(), true)
	bindFormat(cmd.Flags(), &format)
	cmd.Flags().StringVar(&granularity, "granularity", "month", "day, month, quarter or year")
	return cmd
}

// barWidth is the longest bar, in characters.
const barWidth = 30

// bar draws n of most as a bar of at most barWidth block characters, to an
// eighth of a character; a non-zero n always shows.
func bar(n, most int64) string {
	if n <= 0 || most <= 0 {
		return ""
	}
	eighths := int(math.Round(float64(n) / float64(most) * barWidth * 8))
	eighths = max(eighths, 1)
	partial := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	return strings.Repeat("█", eighths/8) + partial[eighths%8]
}

// printSeries prints a header and one line per bucket.
func printSeries(out io.Writer, resp *pb.GetIndicatorSeriesResponse) {
	head := []string{"BUCKET", "RECEIVED", "", "ON TIME", "", "ONLINE GENUINE", "ASSISTED"}
	rows := [][]string{head}
	var most int64
	for _, p := range resp.GetPoints() {
		most = max(most, p.GetIndicators().GetReceived())
	}
	for _, p := range resp.GetPoints() {
		in := p.GetIndicators()
		rows = append(rows, []string{p.GetBucket(), fmtCount(in.GetReceived()), bar(in.GetReceived(), most),
			fmtPercent(in.GetOnTime()), fmtFraction(in.GetOnTime()), fmtCount(in.GetOnlineGenuine()), fmtCount(in.GetOnlineAssisted())})
	}
	widths := make([]int, len(head))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], width(c))
		}
	}
	widths[2] = max(widths[2], 1)
	right := []bool{false, true, false, true, false, true, true}
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			if right[i] {
				cells[i] = padLeft(c, widths[i])
			} else {
				cells[i] = padRight(c, widths[i])
			}
		}
		fmt.Fprintln(out, strings.TrimRight(strings.Join(cells, "  "), " "))
	}
	if len(resp.GetPoints()) == 0 {
		fmt.Fprintln(out, "(no buckets)")
	}
}

// seriesCSV is one line per bucket with the main counts.
func seriesCSV(resp *pb.GetIndicatorSeriesResponse) [][]string {
	rows := [][]string{{"bucket", "filed", "received", "received_counter", "received_online", "received_postal",
		"online_genuine", "online_assisted", "resolved_on_time", "resolved_late", "in_progress_on_time", "overdue_now",
		"paused", "awaiting_intake", "on_time", "on_time_numerator", "on_time_denominator"}}
	for _, p := range resp.GetPoints() {
		in := p.GetIndicators()
		row := []string{p.GetBucket()}
		for _, n := range []int64{in.GetFiled(), in.GetReceived(), in.GetReceivedCounter(), in.GetReceivedOnline(), in.GetReceivedPostal(),
			in.GetOnlineGenuine(), in.GetOnlineAssisted(), in.GetResolvedOnTime(), in.GetResolvedLate(), in.GetInProgressOnTime(),
			in.GetOverdueNow(), in.GetPaused(), in.GetAwaitingIntake()} {
			row = append(row, fmt.Sprint(n))
		}
		row = append(row, fmtFloat(in.GetOnTime().GetValue()), fmt.Sprint(in.GetOnTime().GetNumerator()), fmt.Sprint(in.GetOnTime().GetDenominator()))
		rows = append(rows, row)
	}
	return rows
}
