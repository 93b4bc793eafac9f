package console

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

// The charts are inline SVG drawn here, on the server: no script, no
// library, readable by screen readers (role="img", a title and a
// description), colours chosen for contrast, and each chart is followed on
// its page by a table with the same numbers. Styles come from presentation
// attributes and classes, which the Content-Security-Policy allows.

const (
	colOnTime   = "#1b6e3a" // dark green
	colGenuine  = "#0b4f8a" // dark blue
	colReported = "#b3261e" // dark red, dashed
	colLate     = "#b3261e"
	colOverdue  = "#8a4b00"
	colGrid     = "#c8c8c8"
	colText     = "#1f1f1f"
)

func esc(s string) string { return html.EscapeString(s) }

// trendChart draws, per bucket, the on-time rate, the genuine online share
// and the reported online share (what a report counting assisted filings
// as online would show).
func trendChart(v *view, pts []*pb.IndicatorPoint) template.HTML {
	const W, H, left, right, top, bottom = 720, 260, 48, 32, 16, 40
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="trend-t trend-d" xmlns="http://www.w3.org/2000/svg">`, W, H)
	fmt.Fprintf(&b, `<title id="trend-t">%s</title><desc id="trend-d">%s</desc>`, esc(v.T("chart.trend")), esc(v.T("chart.trend.desc")))
	for i := 0; i <= 4; i++ {
		y := float64(top) + ph*float64(i)/4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, left, W-right, y, y, colGrid)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" font-size="12" fill="%s">%d%%</text>`, left-6, y+4, colText, 100-25*i)
	}
	n := len(pts)
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14" fill="%s">%s</text></svg>`, left+10, top+30, colText, esc(v.T("chart.empty")))
		return template.HTML(b.String())
	}
	x := func(i int) float64 {
		if n == 1 {
			return float64(left) + pw/2
		}
		return float64(left) + pw*float64(i)/float64(n-1)
	}
	y := func(f float64) float64 { return float64(top) + ph*(1-f) }
	series := []struct {
		get   func(*pb.Indicators) float64
		color string
		dash  string
	}{
		{func(i *pb.Indicators) float64 { return i.GetOnTime().GetValue() }, colOnTime, ""},
		{func(i *pb.Indicators) float64 { return i.GetGenuineOnlineShare().GetValue() }, colGenuine, ""},
		{func(i *pb.Indicators) float64 { return i.GetReportedOnlineShare().GetValue() }, colReported, ` stroke-dasharray="6 4"`},
	}
	// A bucket that received nothing has no rate: the line skips it rather
	// than fall to 0.
	for _, s := range series {
		var pts2 []string
		for i, p := range pts {
			if p.GetIndicators().GetReceived() == 0 {
				continue
			}
			pts2 = append(pts2, fmt.Sprintf("%.1f,%.1f", x(i), y(s.get(p.GetIndicators()))))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2.5"%s points="%s"/>`, s.color, s.dash, strings.Join(pts2, " "))
		for i, p := range pts {
			if p.GetIndicators().GetReceived() == 0 {
				continue
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s</title></circle>`, x(i), y(s.get(p.GetIndicators())), s.color,
				esc(p.GetBucket()), esc(v.Pct(s.get(p.GetIndicators()))))
		}
	}
	step := 1
	if n > 12 {
		step = (n + 11) / 12
	}
	for i := 0; i < n; i += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="11" fill="%s">%s</text>`, x(i), H-bottom+16, colText, esc(pts[i].GetBucket()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// hbars draws labelled horizontal bars (value in [0, max]); each bar links
// to href when given. A bar with an ID links to a list of dossiers, Count of
// them (the link's id and data-count, which the browser test follows).
type hbar struct {
	Label, Value string
	Frac         float64
	Href         string
	Color        string
	ID           string
	Count        int64
}

func hbars(id, title, desc string, bars []hbar) template.HTML {
	const W, rowH, labelW, valueW = 720, 26, 260, 90
	H := rowH*len(bars) + 8
	if len(bars) == 0 {
		H = rowH + 8
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`, W, H, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
	barW := float64(W - labelW - valueW)
	for i, r := range bars {
		y := 4 + i*rowH
		switch {
		case r.Href != "" && r.ID != "":
			fmt.Fprintf(&b, `<a href="%s" id="%s" data-count="%d">`, esc(r.Href), esc(r.ID), r.Count)
		case r.Href != "":
			fmt.Fprintf(&b, `<a href="%s">`, esc(r.Href))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="%s">%s</text>`, labelW-8, y+16, colText, esc(r.Label))
		f := min(max(r.Frac, 0), 1)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, labelW, y+4, barW*f, rowH-8, r.Color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" fill="%s">%s</text>`, float64(labelW)+barW*f+6, y+16, colText, esc(r.Value))
		if r.Href != "" {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// unitsChart compares the on-time rate of the units below the agency.
func unitsChart(v *view, units []unitRow) template.HTML {
	bars := make([]hbar, 0, len(units))
	for _, u := range units {
		bars = append(bars, hbar{Label: truncate(u.Name, 34), Value: v.Rate(u.I.GetOnTime()), Frac: u.I.GetOnTime().GetValue(),
			Href: string(u.Links["on_time"]), Color: colOnTime, ID: "unit-" + u.Code + "-bar", Count: u.I.GetOnTime().GetNumerator()})
	}
	return hbars("units", v.T("chart.units"), v.T("chart.units.desc"), bars)
}

// overdueChart ranks units by late steps.
func overdueChart(v *view, units []overdueRow) template.HTML {
	var top int64 = 1
	for _, u := range units {
		top = max(top, u.GetStepsLate()+u.GetStepsOverdueNow())
	}
	bars := make([]hbar, 0, len(units))
	for _, u := range units {
		n := u.GetStepsLate() + u.GetStepsOverdueNow()
		bars = append(bars, hbar{Label: truncate(u.Name, 34), Value: v.Num(n), Frac: float64(n) / float64(top), Href: string(u.Link), Color: colOverdue})
	}
	return hbars("overdue", v.T("chart.overdue"), v.T("chart.overdue.desc"), bars)
}

// slipTimeline draws the process-control slip as a Gantt line per step:
// the bar runs from the step's start to its finish (or now), coloured by
// timeliness, and a black tick marks the step's due time.
func slipTimeline(v *view, d *pb.Dossier, rows []*pb.SlipRow, now time.Time) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	lo, hi := rows[0].GetStartTime().AsTime(), now
	if ft := d.GetFinishTime(); ft != nil {
		hi = ft.AsTime()
	}
	for _, r := range rows {
		for _, t := range []time.Time{r.GetStartTime().AsTime(), r.GetDueTime().AsTime(), r.GetFinishTime().AsTime()} {
			if t.IsZero() || t.Unix() == 0 {
				continue
			}
			if t.Before(lo) {
				lo = t
			}
			if t.After(hi) {
				hi = t
			}
		}
	}
	span := hi.Sub(lo).Seconds()
	if span <= 0 {
		span = 1
	}
	const W, rowH, labelW = 720, 30, 220
	pw := float64(W - labelW - 16)
	x := func(t time.Time) float64 { return float64(labelW) + pw*t.Sub(lo).Seconds()/span }
	H := rowH*len(rows) + 24
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="slip-t slip-d" xmlns="http://www.w3.org/2000/svg">`, W, H)
	fmt.Fprintf(&b, `<title id="slip-t">%s</title><desc id="slip-d">%s</desc>`, esc(v.T("chart.slip")), esc(v.T("chart.slip.desc")))
	for i, r := range rows {
		y := 4 + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="%s">%s</text>`, labelW-8, y+18, colText,
			esc(truncate(fmt.Sprintf("%d. %s", r.GetStepIndex()+1, r.GetStepName()), 30)))
		end := now
		if r.GetFinishTime() != nil {
			end = r.GetFinishTime().AsTime()
		}
		color := colOnTime
		switch r.GetTimeliness() {
		case pb.Timeliness_TIMELINESS_LATE, pb.Timeliness_TIMELINESS_OVERDUE:
			color = colLate
		case pb.Timeliness_TIMELINESS_IN_PROGRESS, pb.Timeliness_TIMELINESS_PAUSED:
			color = colGenuine
		}
		x0 := x(r.GetStartTime().AsTime())
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s → %s (%s)</title></rect>`, x0, y+6,
			max(x(end)-x0, 2), rowH-12, color, esc(v.Time(r.GetStartTime())), esc(v.Time(r.GetFinishTime())), esc(v.Enum("timeliness", r.GetTimeliness())))
		if due := r.GetDueTime(); due != nil {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#000" stroke-width="2"><title>%s %s</title></line>`,
				x(due.AsTime()), x(due.AsTime()), y+2, y+rowH-2, esc(v.T("slip.due")), esc(v.Time(due)))
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s">%s</text>`, labelW, H-6, colText, esc(lo.In(hcm).Format("02/01/2006")))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="11" fill="%s">%s</text>`, W-16, H-6, colText, esc(hi.In(hcm).Format("02/01/2006")))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
