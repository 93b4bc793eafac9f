package service_test

import (
	"fmt"
	"sync"
	"testing"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// A staff read is answered only once its access-log row is stored: when
// the row cannot be written the read fails and no dossier is answered —
// also when the rows of concurrent readers are committed together (the
// store batches them). Every read that was answered has its row.
func TestAccessLogWriteFailureFailsTheRead(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		d := dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(1))))
		clerk := dr.ClerkCtx(d)
		stmts := []string{`CREATE TRIGGER poison BEFORE INSERT ON dossier_accesses WHEN NEW.purpose = 'poison'
			BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`}
		if e.Store.Dialect() == "postgres" {
			stmts = []string{`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.purpose = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$`,
				`CREATE TRIGGER poison BEFORE INSERT ON dossier_accesses FOR EACH ROW EXECUTE FUNCTION poison()`}
		}
		for _, q := range stmts {
			if err := e.Store.DB().Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		get := func(purpose string) (*pb.GetDossierResponse, error) {
			return e.Dossiers.GetDossier(clerk, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: purpose})
		}
		resp, err := get("poison")
		if err == nil || resp.GetDossier() != nil {
			t.Fatalf("a read whose access-log row was lost was answered: %v %v", resp, err)
		}
		// Many at once, a poisoned one among them, several times over.
		for round := range 5 {
			var wg sync.WaitGroup
			answered := make([]bool, 12)
			for i := range answered {
				wg.Add(1)
				go func() {
					defer wg.Done()
					purpose := fmt.Sprintf("r%d-%d", round, i)
					if i == 5 {
						purpose = "poison"
					}
					r, err := get(purpose)
					answered[i] = err == nil && r.GetDossier().GetId() == d.GetId()
				}()
			}
			wg.Wait()
			if answered[5] {
				t.Fatal("the poisoned read was answered")
			}
			for i, ok := range answered {
				var n int64
				if err := e.Store.DB().Table("dossier_accesses").Where("purpose = ?", fmt.Sprintf("r%d-%d", round, i)).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				if ok && n != 1 {
					t.Fatalf("read r%d-%d was answered with %d access-log rows", round, i, n)
				}
			}
		}
	})
}
