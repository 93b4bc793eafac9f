package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newCalendarCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Read and set working calendars over gRPC: national days off, make-up working days, local days",
		Long: `calendar talks to a running motcua server (--addr) as the principal of --token.
Any authenticated caller may read a calendar; setting one takes an admin token:
  export MOTCUA_TOKEN=$(motcua token issue --role admin --subject admin-1)

A year's list replaces the legal defaults (national) or the agency's local list
entirely, and applies to deadlines computed from then on.`,
	}
	addClientFlags(cmd, o)
	cmd.AddCommand(newCalendarGetCmd(o), newCalendarSetCmd(o))
	return cmd
}

// printCalendar prints a calendar year: its header, then its special days.
func printCalendar(out io.Writer, c *pb.GetCalendarYearResponse) {
	t := newTable(out)
	t.row("Year", fmt.Sprint(c.GetYear()))
	if c.GetAgencyCode() != "" {
		t.row("Agency", c.GetAgencyCode())
	} else {
		t.row("Agency", "(national)")
	}
	t.row("Time zone", orDash(c.GetTimeZone()))
	if len(c.GetWorkingHours()) > 0 {
		var hours []string
		for _, p := range c.GetWorkingHours() {
			hours = append(hours, p.GetStart()+"–"+p.GetEnd())
		}
		t.row("Working hours", strings.Join(hours, ", "))
	}
	national := "the legal defaults (no decision entered for this year)"
	if c.GetNationalDecided() {
		national = "as decided, updated " + fmtTime(c.GetUpdateTime())
	}
	t.row("National days", national)
	t.flush()
	fmt.Fprintln(out)
	type row struct {
		day   *pb.SpecialDay
		scope string
	}
	var rows []row
	for _, d := range c.GetNationalDays() {
		rows = append(rows, row{d, "national"})
	}
	for _, d := range c.GetLocalDays() {
		rows = append(rows, row{d, "local"})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].day.GetDate() < rows[j].day.GetDate() })
	t = newTable(out)
	t.row("DATE", "WEEKDAY", "KIND", "NAME", "SCOPE")
	for _, r := range rows {
		weekday := "-"
		if d, err := time.Parse("2006-01-02", r.day.GetDate()); err == nil {
			weekday = d.Format("Mon")
		}
		kind := "off"
		if r.day.GetKind() == pb.DayKind_DAY_KIND_WORKING_DAY {
			kind = "work"
		}
		t.row(r.day.GetDate(), weekday, kind, r.day.GetName(), r.scope)
	}
	t.flush()
}
