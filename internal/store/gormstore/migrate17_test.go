package gormstore_test

import (
	"context"
	"testing"

	"github.com/motcua/motcua/internal/domain"
	report "github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/store"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// checkV17: the yearly rows summed from fixture 4's and 13's monthly rows by
// the migration equal those monthly rows (checkV4's later delta included:
// ApplyStats keeps the yearly row with the others), and fixture 17's yearly
// rows are read by a yearly query.
func checkV17(t *testing.T, s *gormstore.Store) {
	ctx := context.Background()
	months, mdurs, err := s.ListStatRows(ctx, report.Month)
	if err != nil {
		t.Fatal(err)
	}
	years, ydurs, err := s.ListStatRows(ctx, report.Year)
	if err != nil {
		t.Fatal(err)
	}
	k := report.Key{Agency: "000.00.01.H55", Procedure: "1.000001", Field: "F", Channel: domain.ChannelOnline, FiledBy: domain.ActorCitizen}
	m, y := k, k
	m.Day, y.Day = "2026-02", "2026"
	if months[m][report.Filed] < 1 || years[y] != months[m] || years[y][report.IdentityChecked] != 1 {
		t.Fatalf("yearly row %v, monthly row %v", years[y], months[m])
	}
	if len(ydurs) != len(mdurs) {
		t.Fatalf("yearly durations %v, monthly %v", ydurs, mdurs)
	}
	q := store.StatsQuery{Period: report.Year, From: "2025", To: "2025", Agencies: []string{"000.00.02.H55"}}
	rows, err := s.SumStats(ctx, q)
	if err != nil || len(rows) != 1 || rows[0].Vector[report.Filed] != 2 || rows[0].Channel != domain.ChannelCounter {
		t.Fatalf("SumStats of 2025: %+v %v", rows, err)
	}
	if durs, err := s.SumDurations(ctx, q); err != nil || durs[4] != 2 || len(durs) != 1 {
		t.Fatalf("SumDurations of 2025: %v %v", durs, err)
	}
}
