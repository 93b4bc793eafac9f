package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newReportIndicatorsCmd(o *clientOpts) *cobra.Command {
	var (
		sf     scopeFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "indicators",
		Short: "The indicators of an agency and period (GetIndicators): counts, rates with their numbers, Decision 766 scores",
		Long: `indicators prints the figures of the dossiers filed with --agency (and, with
--sub-agencies, the agencies below it) in the period, grouped as a review
reads them: intake (by channel, and online filings split into genuine ones —
by the applicant or their representative — and assisted ones, filed for the
applicant by an official or a community helper), timeliness, how dossiers
ended, supplements, processing time, digitisation, payments, the online offer
and a Decision 766/QĐ-TTg-style score block. Every rate comes with its
numerator and denominator.

--format csv prints section,indicator,value,numerator,denominator lines (a
rate's value is a fraction, 0.9231; a score's numerator is its points and its
denominator the group's maximum). --format json prints the response.`,
		Example: `  motcua report indicators --agency 000.00.00.H55 --sub-agencies --period 2026-Q1
  motcua report indicators --agency 000.00.01.H55 --from 2026-01-05 --to 2026-03-13 --channel online
  motcua report indicators --agency 000.00.00.H55 --sub-agencies --period 2026 --format csv > 2026.csv`,
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
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			resp, err := callReport(s, "GetIndicators", func(ctx context.Context, c pb.ReportServiceClient) (*pb.GetIndicatorsResponse, error) {
				return c.GetIndicators(ctx, &pb.GetIndicatorsRequest{Scope: sc})
			})
			if err != nil {
				return err
			}
			switch f {
			case "json":
				return printJSON(s.out, resp)
			case "csv":
				return writeCSV(s.out, indicatorsCSV(sc, resp))
			}
			printIndicators(s.out, sc, resp, s.agencyNames())
			return nil
		},
	}
	sf.bind(cmd.Flags(), true)
	bindFormat(cmd.Flags(), &format)
	return cmd
}

// indicatorRow is one figure: how a table shows it and how CSV writes it.
type indicatorRow struct {
	key, label    string
	indent        int
	value, detail string // table
	csv           [3]string
}

type indicatorSection struct {
	key, title string
	rows       []indicatorRow
}

func countRow(key, label string, indent int, n int64) indicatorRow {
	return indicatorRow{key: key, label: label, indent: indent, value: fmtCount(n), csv: [3]string{fmt.Sprint(n)}}
}

func rateRow(key, label string, r *pb.Rate) indicatorRow {
	return indicatorRow{key: key, label: label, value: fmtPercent(r), detail: fmtFraction(r),
		csv: [3]string{fmtFloat(r.GetValue()), fmt.Sprint(r.GetNumerator()), fmt.Sprint(r.GetDenominator())}}
}

func scoreRow(key, label string, v, max float64, detail string) indicatorRow {
	return indicatorRow{key: key, label: label, value: fmt.Sprintf("%.2f", v), detail: detail,
		csv: [3]string{fmtFloat(v), fmtFloat(v), fmtFloat(max)}}
}

// indicatorSections lays the indicators out in the order a review reads them.
func indicatorSections(in *pb.Indicators) []indicatorSection {
	sc := in.GetScore()
	gap := 100 * (in.GetReportedOnlineShare().GetValue() - in.GetGenuineOnlineShare().GetValue())
	genuine := rateRow("genuine_online_share", "Online share, genuine (assisted not counted)", in.GetGenuineOnlineShare())
	if in.GetReceived() > 0 && in.GetOnlineAssisted() > 0 {
		genuine.detail += fmt.Sprintf("  %.2f points below the reported share", gap)
	}
	days := func(key, label string, v float64) indicatorRow {
		return indicatorRow{key: key, label: label, value: fmt.Sprintf("%.2f", v), detail: "working days", csv: [3]string{fmtFloat(v)}}
	}
	return []indicatorSection{
		{key: "intake", title: "Intake", rows: []indicatorRow{
			countRow("filed", "Filed", 0, in.GetFiled()),
			countRow("received", "Received (accepted at intake)", 0, in.GetReceived()),
			countRow("received_counter", "at the counter", 1, in.GetReceivedCounter()),
			countRow("received_online", "online", 1, in.GetReceivedOnline()),
			countRow("online_genuine", "genuine: by the applicant or their representative", 2, in.GetOnlineGenuine()),
			countRow("online_assisted", "assisted: by an official or helper for them", 2, in.GetOnlineAssisted()),
			countRow("received_postal", "by post", 1, in.GetReceivedPostal()),
			rateRow("reported_online_share", "Online share, reported (assisted counted)", in.GetReportedOnlineShare()),
			genuine,
		}},
		{key: "timeliness", title: "Timeliness", rows: []indicatorRow{
			countRow("resolved_on_time", "Resolved on time", 0, in.GetResolvedOnTime()),
			countRow("resolved_late", "Resolved late", 0, in.GetResolvedLate()),
			countRow("in_progress_on_time", "In progress, on time", 0, in.GetInProgressOnTime()),
			countRow("overdue_now", "Overdue now (past the legal deadline)", 0, in.GetOverdueNow()),
			countRow("paused", "Paused (awaiting a supplement or payment)", 0, in.GetPaused()),
			countRow("awaiting_intake", "Awaiting intake (filed online, not yet accepted)", 0, in.GetAwaitingIntake()),
			rateRow("on_time", "On-time rate (national index)", in.GetOnTime()),
		}},
		{key: "ends", title: "Ends without a result", rows: []indicatorRow{
			countRow("withdrawn", "Withdrawn by the applicant", 0, in.GetWithdrawn()),
			countRow("not_accepted", "Not accepted at intake", 0, in.GetNotAccepted()),
			countRow("stopped", "Stopped", 0, in.GetStopped()),
		}},
		{key: "supplements", title: "Supplements", rows: []indicatorRow{
			countRow("supplement_dossiers", "Dossiers asked to complete their file", 0, in.GetSupplementDossiers()),
			countRow("supplement_rounds", "Requests (rounds)", 0, in.GetSupplementRounds()),
		}},
		{key: "processing_time", title: "Processing time (resolved dossiers, pauses excluded)", rows: []indicatorRow{
			days("average_processing_days", "Average", in.GetAverageProcessingDays()),
			days("p90_processing_days", "90th percentile", in.GetP90ProcessingDays()),
		}},
		{key: "digitisation", title: "Digitisation", rows: []indicatorRow{
			rateRow("digitised_dossiers", "Dossiers with a component scanned or reused", in.GetDigitisedDossiers()),
			rateRow("reused_components", "Components reused", in.GetReusedComponents()),
			rateRow("paper_to_electronic", "Paper components scanned at the counter", in.GetPaperToElectronic()),
			rateRow("electronic_results", "Results issued electronically", in.GetElectronicResults()),
		}},
		{key: "identity", title: "Identity and enter once (population database, business registry)", rows: []indicatorRow{
			countRow("identity_checked", "Applicant identity checked", 0, in.GetIdentityChecked()),
			rateRow("identity_verified", "Identity verified (everyone matched), of filed", in.GetIdentityVerified()),
			countRow("identity_pending", "check pending now", 1, in.GetIdentityPending()),
			countRow("processed_while_pending", "processed while the check was pending", 1, in.GetProcessedWhilePending()),
			countRow("identity_mismatches", "mismatches found (flagged)", 1, in.GetIdentityMismatches()),
			rateRow("entered_once", "Entered once (pre-filled from the database)", in.GetEnteredOnce()),
			rateRow("prefilled_fields", "Applicant fields pre-filled (3 per check)", in.GetPrefilledFields()),
			rateRow("handoffs_without_rekeying", "Business hand-offs without re-keying", in.GetHandoffsWithoutRekeying()),
		}},
		{key: "payments", title: "Payments", rows: []indicatorRow{
			rateRow("online_payments", "Paid online", in.GetOnlinePayments()),
		}},
		{key: "online_offer", title: "Online offer", rows: []indicatorRow{
			rateRow("online_offered", "Procedures offered online", in.GetOnlineOffered()),
			rateRow("procedures_used_online", "Offered online and used online", in.GetProceduresUsedOnline()),
		}},
		{key: "score_766", title: "Decision 766 score (the groups motcua measures)", rows: []indicatorRow{
			scoreRow("progress", "Progress (on-time rate × 20)", sc.GetProgress(), 20, "/ 20"),
			scoreRow("online_service", "Online service, genuine filings only", sc.GetOnlineService(), 12, "/ 12"),
			scoreRow("online_service_reported", "Online service, assisted counted as online", sc.GetOnlineServiceReported(), 12, "/ 12  (what a padded report would claim)"),
			scoreRow("online_payment", "Online payment", sc.GetOnlinePayment(), 6, "/ 6   (6 of the group's 10 measured)"),
			scoreRow("digitisation", "Digitisation", sc.GetDigitisation(), 12, "/ 12  (12 of the group's 22 measured)"),
			scoreRow("measured", "Measured total", sc.GetMeasured(), sc.GetMeasuredMax(), fmt.Sprintf("/ %.0f", sc.GetMeasuredMax())),
		}},
	}
}

// withSync adds the national portal sync section when the server syncs.
func withSync(sections []indicatorSection, sy *pb.SyncIndicators) []indicatorSection {
	if !sy.GetPortalConfigured() {
		return sections
	}
	hours := func(key, label string, v float64) indicatorRow {
		return indicatorRow{key: key, label: label, value: fmt.Sprintf("%.2f", v), detail: "hours", csv: [3]string{fmtFloat(v)}}
	}
	within := rateRow("acked_within_bound", fmt.Sprintf("Status changes acknowledged within %gh", sy.GetAckBoundHours()), sy.GetAckedWithinBound())
	return append(sections, indicatorSection{key: "portal_sync", title: "National portal sync (DVCQG)", rows: []indicatorRow{
		rateRow("synced_dossiers", "Dossiers whose current state the portal holds", sy.GetSyncedDossiers()),
		countRow("out_of_sync", "Out of sync", 0, sy.GetOutOfSync()),
		countRow("dead_lettered", "of them dead-lettered (motcua sync retry)", 1, sy.GetDeadLettered()),
		within,
		countRow("unacknowledged_changes", "Status changes not acknowledged", 0, sy.GetUnacknowledgedChanges()),
		hours("lag_p50_hours", "Lag to acknowledgement, median", sy.GetLagP50Hours()),
		hours("lag_p95_hours", "Lag to acknowledgement, 95th percentile", sy.GetLagP95Hours()),
	}})
}

// notMeasured is the note under the score block.
const notMeasured = `Not measured: publicity and transparency (18 points) and satisfaction (18 points),
and the parts of online payment and digitisation that need data motcua does not
hold; the measured total is out of the measured maximum, not of 100.`

// printIndicators prints the indicators as a table a review can quote.
func printIndicators(out io.Writer, sc *pb.ReportScope, resp *pb.GetIndicatorsResponse, names map[string]string) {
	fmt.Fprintln(out, "Indicators · "+scopeText(sc, "dossiers filed", resp.GetFromDate(), resp.GetToDate(), names))
	fmt.Fprintln(out, `Counts are of the dossiers filed in the period; "now" figures are as of the server's clock.`)
	sections := withSync(indicatorSections(resp.GetIndicators()), resp.GetSync())
	labelW, valueW := 0, 0
	for _, s := range sections {
		for _, r := range s.rows {
			labelW = max(labelW, 2*r.indent+width(r.label))
			valueW = max(valueW, width(r.value))
		}
	}
	for _, s := range sections {
		fmt.Fprintln(out)
		fmt.Fprintln(out, s.title)
		for _, r := range s.rows {
			line := "  " + padRight(strings.Repeat("  ", r.indent)+r.label, labelW) + "  " + padLeft(r.value, valueW)
			if r.detail != "" {
				line += "  " + r.detail
			}
			fmt.Fprintln(out, line)
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, notMeasured)
}

// indicatorsCSV is the header, the scope rows and one row per figure.
func indicatorsCSV(sc *pb.ReportScope, resp *pb.GetIndicatorsResponse) [][]string {
	rows := [][]string{{"section", "indicator", "value", "numerator", "denominator"},
		{"scope", "agency", sc.GetAgencyCode(), "", ""},
		{"scope", "sub_agencies", fmt.Sprint(sc.GetIncludeSubAgencies()), "", ""},
		{"scope", "from_date", resp.GetFromDate(), "", ""},
		{"scope", "to_date", resp.GetToDate(), "", ""},
	}
	for _, extra := range [][2]string{{"procedure", sc.GetProcedureCode()}, {"field", sc.GetFieldCode()}} {
		if extra[1] != "" {
			rows = append(rows, []string{"scope", extra[0], extra[1], "", ""})
		}
	}
	if sc.GetChannel() != 0 {
		rows = append(rows, []string{"scope", "channel", strings.ToLower(enumName(sc.GetChannel())), "", ""})
	}
	for _, s := range withSync(indicatorSections(resp.GetIndicators()), resp.GetSync()) {
		for _, r := range s.rows {
			rows = append(rows, []string{s.key, r.key, r.csv[0], r.csv[1], r.csv[2]})
		}
	}
	return rows
}
