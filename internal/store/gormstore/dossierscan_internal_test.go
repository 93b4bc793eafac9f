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
