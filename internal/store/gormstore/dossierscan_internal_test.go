package gormstore

import (
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm/schema"
)

// TestDossierScanCoversRow: every column dossierRow writes is one the read
// path scans, and nothing else — a column added to the row but not to
// dossierScanColumns would otherwise be written and silently never read.
// (The derived search columns are kept for the indexes and not read back:
// the applicant's and representative's id numbers are inside their JSON.)
func TestDossierScanCoversRow(t *testing.T) {
	sch, err := schema.Parse(&dossierRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	derived := []string{"applicant_kind", "applicant_id_number", "representative_id_number"}
	var written []string
	for _, f := range sch.Fields {
		if f.DBName != "" && !slices.Contains(derived, f.DBName) {
			written = append(written, f.DBName)
		}
	}
	scanned := slices.Clone(dossierScanColumns)
	slices.Sort(written)
	slices.Sort(scanned)
	if !slices.Equal(written, scanned) {
		t.Fatalf("dossierRow's columns and the scanned ones differ:\n row  %v\n scan %v", written, scanned)
	}
	var sc dossierScan
	if n := len(sc.targets()); n != len(dossierScanColumns) {
		t.Fatalf("%d scan targets for %d columns", n, len(dossierScanColumns))
	}
}

// TestInsertColumnsCoverRows: the hand-built inserts (the seed's bulk load
// and a group's deferred writes, deferred.go) write every column gorm's
// Create of the row type writes. A column missing there is written NULL
// by a grouped intake and silently lost — as the dossier's form and
// hand-off were, until this test (the report's verify then disagreed with
// the stored form).
func TestInsertColumnsCoverRows(t *testing.T) {
	for _, c := range []struct {
		row  any
		cols []string
		skip []string
	}{
		{&dossierRow{}, bulkDossierCols, nil},
		{&eventRow{}, bulkEventCols, []string{"state"}}, // written before migration 00018 only: NULL since
		{&slipRow{}, bulkSlipCols, nil},
		{&requestRow{}, requestCols, nil},
	} {
		sch, err := schema.Parse(c.row, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range sch.Fields {
			if f.DBName != "" && !slices.Contains(c.skip, f.DBName) {
				want = append(want, f.DBName)
			}
		}
		got := slices.Clone(c.cols)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the inserts write %v, the row type %v", sch.Table, got, want)
		}
	}
}
