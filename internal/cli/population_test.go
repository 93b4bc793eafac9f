package cli

import (
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/popdb"
	"github.com/motcua/motcua/internal/popsim"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// TestReceiveFromPopulationDB: the clerk types only the identity number;
// name, date of birth and address come from the simulator, and the dossier
// shows them as pre-filled and the identity as matched. The clerk then
// records the mandate of a representative's filing.
func TestReceiveFromPopulationDB(t *testing.T) {
	sim, err := popsim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	cl, err := popdb.New(popdb.Config{BaseURL: sim.URL(), ClientID: popsim.ClientID, ClientSecret: popsim.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, env: testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{
		AppOptions: []app.Option{app.WithPopulationDB(cl, 2*time.Second)}})}
	clerk := c.token(auth.TokenSpec{Subject: "clerk-1", Role: domain.RoleClerk, Agency: seed.OneStopCentre})
	fx := popsim.Fixtures[0]
	r := c.ok(clerk, "dossier", "receive", "--from-population-db", "--procedure", seed.ProcCriminal, "--agency", seed.OneStopCentre,
		"--applicant-id", fx.SoDinhDanh, "--component", "TK-LLTP=paper", "--component", "CCCD=paper")
	contains(t, "receive stderr", r.err, "pre-filled from the population database")
	contains(t, "receive stderr", r.err, fx.HoVaTen)
	contains(t, "receive stdout", r.out, "Identity        MATCH (CSDLQGDC")
	contains(t, "receive stdout", r.out, "name, birth_date, address (from the population database)")

	// Without --applicant-id there is nothing to look up.
	r = c.run(clerk, "dossier", "receive", "--from-population-db", "--procedure", seed.ProcCriminal, "--agency", seed.OneStopCentre,
		"--component", "CCCD=paper")
	if r.code != 2 {
		t.Fatalf("no id: %s", r)
	}
}
