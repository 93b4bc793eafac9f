package app

import (
	"context"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
)

// UnitIndicators are the figures of one unit below a report's agency.
type UnitIndicators struct {
	Agency     string
	Indicators indicators.Indicators
}

// IndicatorsByUnit computes, for each agency directly below q.Agency, its
// figures with the agencies below it — what Indicators answers for that
// unit with sub-agencies — from one sum of the aggregate rows grouped by
// agency and one grouped count of the overdue, instead of a query set per
// unit. Like a series' points, the processing-time percentile and the
// procedure-offer figures are left out (0).
func (s *IndicatorQueries) IndicatorsByUnit(ctx context.Context, p domain.Principal, q ReportQuery) ([]UnitIndicators, error) {
	q.SubAgencies = true
	agencies, a, err := s.reportScope(ctx, p, q)
	if err != nil {
		return nil, err
	}
	loc, err := a.Location()
	if err != nil {
		return nil, err
	}
	// Each agency's unit: the ancestor (or itself) whose parent is a.
	parent := make(map[string]string, len(agencies))
	for _, code := range agencies {
		if code == a.Code {
			continue
		}
		ag, err := s.st.GetAgency(ctx, code)
		if err != nil {
			return nil, err
		}
		parent[code] = ag.ParentCode
	}
	unitOf := func(code string) string {
		for range len(agencies) { // a subtree has no cycle; the bound guards a broken one
			up, ok := parent[code]
			if !ok {
				return ""
			}
			if up == a.Code {
				return code
			}
			code = up
		}
		return ""
	}
	sq := totalsQuery(q, agencies, loc)
	sq.GroupByAgency = true
	rows, err := s.st.SumStats(ctx, sq)
	if err != nil {
		return nil, err
	}
	overdue, err := s.st.CountOverdueCohortByAgency(ctx, sq, s.Now())
	if err != nil {
		return nil, err
	}
	rowsOf := map[string][]indicators.Row{}
	for _, r := range rows {
		if u := unitOf(r.Agency); u != "" {
			rowsOf[u] = append(rowsOf[u], r)
		}
	}
	overdueOf := map[string]int64{}
	for code, n := range overdue {
		if u := unitOf(code); u != "" {
			overdueOf[u] += n
		}
	}
	var out []UnitIndicators
	for code, up := range parent {
		if up == a.Code {
			out = append(out, UnitIndicators{Agency: code, Indicators: indicators.Compute(rowsOf[code], indicators.Facts{OverdueNow: overdueOf[code]})})
		}
	}
	slices.SortFunc(out, func(x, y UnitIndicators) int { return strings.Compare(x.Agency, y.Agency) })
	return out, nil
}
