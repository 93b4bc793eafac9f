package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/indicators"
)

func newReportCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Service-quality indicators over gRPC (on-time rate, genuine online share, Decision 766 scores), and verify the aggregates",
		Long: `report reads the indicators a government review quotes from a running motcua
server (--addr) as the principal of --token: an auditor (their jurisdiction),
a leader (their agency and below) or an admin. Every rate is printed with its
numerator and denominator.

Figures count the dossiers filed in the period (the cohort), in the agency's
time zone; "now" figures (in progress, overdue, paused) are as of the server's
clock. A period is --period 2026, 2026-Q1, 2026-03 or 2026-03-05, or --from
and --to (dates, inclusive).

  export MOTCUA_TOKEN=$(motcua token issue --role auditor --agency 000.00.00.H55 --subject auditor-1)

indicators, series and overdue-units print a table, --format csv, or --format
json (the response as protojson); --format defaults to --output. verify does
not talk to a server: it reads the store directly (--data-dir or
--database-url, like serve and migrate) and recomputes every aggregate from
the dossiers' events.

Exit status: 0 on success, 1 when the server refused or could not be reached
(or verify found differences), 2 when the command line is wrong.`,
		Example: `  motcua report indicators --agency 000.00.00.H55 --sub-agencies --period 2026-Q1
  motcua report series --agency 000.00.00.H55 --sub-agencies --period 2026 --granularity month
  motcua report overdue-units --agency 000.00.00.H55 --period 2026-03
  motcua report verify --data-dir ~/.local/share/motcua`,
	}
	addClientFlags(cmd, o)
	cmd.AddCommand(newReportIndicatorsCmd(o), newReportSeriesCmd(o), newReportOverdueUnitsCmd(o), newReportVerifyCmd(o))
	return cmd
}

// scopeFlags are the flags of a ReportScope.
type scopeFlags struct {
	agency, procedure, field, channel string
	subAgencies                       bool
	period, from, to                  string
}

// bind binds the flags; filters adds --sub-agencies, --procedure, --field
// and --channel (ListOverdueByUnit always covers the agencies below and
// takes no filter).
func (f *scopeFlags) bind(fs *pflag.FlagSet, filters bool) {
	fs.StringVar(&f.agency, "agency", "", "agency_code, e.g. 000.00.00.H55 (required)")
	if filters {
		fs.BoolVar(&f.subAgencies, "sub-agencies", false, "include the agencies below --agency")
		fs.StringVar(&f.procedure, "procedure", "", "only this procedure_code, e.g. 1.001193")
		fs.StringVar(&f.field, "field", "", "only this field_code (lĩnh vực), e.g. G12-LLTP")
		fs.StringVar(&f.channel, "channel", "", "only dossiers filed through this channel: counter, online or postal")
	}
	fs.StringVar(&f.period, "period", "", "2026, 2026-Q1, 2026-03 or 2026-03-05 (or use --from and --to)")
	fs.StringVar(&f.from, "from", "", "first day, YYYY-MM-DD (with --to)")
	fs.StringVar(&f.to, "to", "", "last day, YYYY-MM-DD, inclusive (with --from)")
}

// build checks the flags and returns the scope; mistakes are usage errors.
func (f *scopeFlags) build(cmd *cobra.Command) (*pb.ReportScope, error) {
	if err := required(cmd, "agency"); err != nil {
		return nil, err
	}
	sc := &pb.ReportScope{AgencyCode: strings.TrimSpace(f.agency), IncludeSubAgencies: f.subAgencies,
		ProcedureCode: f.procedure, FieldCode: f.field}
	ch, err := parseChannel("channel", f.channel)
	if err != nil {
		return nil, err
	}
	sc.Channel = ch
	switch {
	case f.period != "" && (f.from != "" || f.to != ""):
		return nil, usageError{fmt.Errorf("give --period or --from and --to, not both")}
	case f.period != "":
		if _, err := indicators.ParsePeriod(f.period); err != nil {
			return nil, usageError{fmt.Errorf("--period: %w", err)}
		}
		sc.Period = f.period
	case f.from != "" || f.to != "":
		if f.from == "" || f.to == "" {
			return nil, usageError{fmt.Errorf("--from and --to go together")}
		}
		from, err1 := time.Parse("2006-01-02", f.from)
		to, err2 := time.Parse("2006-01-02", f.to)
		if err1 != nil || err2 != nil {
			return nil, usageError{fmt.Errorf("--from and --to are dates YYYY-MM-DD, e.g. --from 2026-01-05 --to 2026-03-13")}
		}
		if to.Before(from) {
			return nil, usageError{fmt.Errorf("--to %s is before --from %s", f.to, f.from)}
		}
		sc.FromDate, sc.ToDate = f.from, f.to
	default:
		return nil, usageError{fmt.Errorf("%s needs --period (2026, 2026-Q1, 2026-03, 2026-03-05) or --from and --to; see %s --help",
			cmd.CommandPath(), cmd.CommandPath())}
	}
	return sc, nil
}

// reportFormat is --format, defaulting to --output.
func reportFormat(format string, o *clientOpts) (string, error) {
	if format == "" {
		format = o.output
	}
	switch format {
	case "table", "csv", "json":
		return format, nil
	}
	return "", usageError{fmt.Errorf("--format must be table, csv or json, not %q", format)}
}

func bindFormat(fs *pflag.FlagSet, format *string) {
	fs.StringVar(format, "format", "", "table, csv or json (protojson of the response); default: the value of --output")
}

// reports is the session's ReportService client.
func (s *session) reports() pb.ReportServiceClient { return pb.NewReportServiceClient(s.conn) }

// agencyNames reads the agencies' names for display; on any failure it
// returns what it has (names are a nicety, not worth failing for).
func (s *session) agencyNames() map[string]string {
	names := map[string]string{}
	catalog := pb.NewCatalogServiceClient(s.conn)
	req := &pb.ListAgenciesRequest{PageSize: 1000}
	for range 20 {
		ctx, cancel := s.ctx()
		resp, err := catalog.ListAgencies(ctx, req)
		cancel()
		if err != nil {
			return names
		}
		for _, a := range resp.GetAgencies() {
			names[a.GetCode()] = a.GetName()
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	return names
}

// scopeText describes a scope in words: "000.00.00.H55 Ủy ban … and the
// agencies below it · dossiers filed 2026-01-05 – 2026-03-13 · procedure
// 1.001193"; what names what the period selects ("dossiers filed").
func scopeText(sc *pb.ReportScope, what, from, to string, names map[string]string) string {
	var b strings.Builder
	b.WriteString(sc.GetAgencyCode())
	if n := names[sc.GetAgencyCode()]; n != "" {
		b.WriteString(" " + n)
	}
	if sc.GetIncludeSubAgencies() {
		b.WriteString(" and the agencies below it")
	}
	if from == "" {
		from, to = sc.GetFromDate(), sc.GetToDate()
		if sc.GetPeriod() != "" {
			from, to = sc.GetPeriod(), ""
		}
	}
	if to != "" && to != from {
		fmt.Fprintf(&b, " · %s %s – %s", what, from, to)
	} else {
		fmt.Fprintf(&b, " · %s %s", what, from)
	}
	if sc.GetProcedureCode() != "" {
		b.WriteString(" · procedure " + sc.GetProcedureCode())
	}
	if sc.GetFieldCode() != "" {
		b.WriteString(" · field " + sc.GetFieldCode())
	}
	if sc.GetChannel() != 0 {
		b.WriteString(" · channel " + enumName(sc.GetChannel()))
	}
	return b.String()
}

// fmtCount writes a count with thousands separators: 1,200.
func fmtCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtPercent is a rate as "92.31%", or "-" when its denominator is 0.
func fmtPercent(r *pb.Rate) string {
	if r.GetDenominator() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(r.GetNumerator())/float64(r.GetDenominator()))
}

// fmtFraction is "(1,200 / 1,300)".
func fmtFraction(r *pb.Rate) string {
	return fmt.Sprintf("(%s / %s)", fmtCount(r.GetNumerator()), fmtCount(r.GetDenominator()))
}

// fmtFloat is a plain decimal for CSV: at most 6 decimals, no trailing zeros.
func fmtFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// width is the number of runes of s (every rune one column).
func width(s string) int { return utf8.RuneCountInString(s) }

func padRight(s string, w int) string {
	if n := width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func padLeft(s string, w int) string {
	if n := width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// writeCSV writes rows and flushes.
func writeCSV(out io.Writer, rows [][]string) error {
	w := csv.NewWriter(out)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return w.Error()
}

// callReport runs a ReportService call with the session's error printing.
func callReport[Resp any](s *session, method string, fn func(ctx context.Context, c pb.ReportServiceClient) (Resp, error)) (Resp, error) {
	c := s.reports()
	return call(s, method, func(ctx context.Context) (Resp, error) { return fn(ctx, c) })
}
