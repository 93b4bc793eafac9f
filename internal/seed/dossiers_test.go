package seed_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/store"
	"github.com/motcua/motcua/internal/store/gormstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var vietnam = time.FixedZone("ICT", 7*3600)

// period: the first half of 2026, so that dossiers filed in June are still
// running at its end.
var until = time.Date(2026, 7, 1, 0, 0, 0, 0, vietnam)

func openStore(t *testing.T, kind string) *gormstore.Store {
	t.Helper()
	url := "sqlite:" + filepath.Join(t.TempDir(), "motcua.db")
	if kind == "postgres" {
		url = pgtest.NewDatabase(t)
	}
	st, err := gormstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func allDossiers(t *testing.T, st store.Store) []domain.Dossier {
	t.Helper()
	var out []domain.Dossier
	for after := ""; ; {
		page, err := st.ListDossierPage(context.Background(), after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

func TestSeed(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			testSeed(t, openStore(t, kind))
		})
	}
}

func testSeed(t *testing.T, st *gormstore.Store) {
	ctx := context.Background()
	const n = 400
	var progress []seed.Progress
	sum, err := seed.Dossiers(ctx, st, seed.Options{Dossiers: n, Year: 2026, Until: until, Seed: 7, BatchSize: 64,
		Progress: func(p seed.Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Dossiers != n || sum.Events < 3*n || sum.SlipRows < n || sum.StatKeys == 0 || sum.UnitKeys == 0 {
		t.Fatalf("summary: %+v", sum)
	}
	if last := progress[len(progress)-1]; last.Phase != "aggregates" || last.Done != last.Total || progress[0].Phase != "dossiers" {
		t.Fatalf("progress: first %+v, last %+v", progress[0], last)
	}

	// The aggregates are what the server would have kept.
	a := app.New(st, app.WithClock(func() time.Time { return until.Add(9 * time.Hour) }))
	diffs, err := a.VerifyStats(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range diffs {
		if i == 10 {
			t.Fatalf("… %d differences in all", len(diffs))
		}
		t.Error(d)
	}

	// Every chain holds, and the rows look like a year of a real office.
	ds := allDossiers(t, st)
	if len(ds) != n {
		t.Fatalf("%d dossiers stored, want %d", len(ds), n)
	}
	statuses, channels, filers, agencies := map[domain.Status]int{}, map[domain.Channel]int{}, map[domain.ActorKind]int{}, map[string]int{}
	codes := map[string][]int64{}
	var events int64
	for i := range ds {
		d := &ds[i]
		evs, err := st.ListEvents(ctx, d.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		events += int64(len(evs))
		if b := audit.Verify(domain.ChainHead{DossierID: d.ID, Code: d.Code, LastSeq: d.LastEventSeq, LastHash: d.LastEventHash}, evs); b != nil {
			t.Fatalf("dossier %s: chain broken at %d: %s %s", d.Code, b.Seq, b.Problem, b.Detail)
		}
		for _, e := range evs {
			if e.Attribution.ActorID == "" || e.Attribution.ActorKind == 0 || e.Attribution.ClientAddress == "" || e.RequestID == "" ||
				e.At.Before(d.CreatedAt) || !e.At.Before(until) {
				t.Fatalf("dossier %s event %d: %+v", d.Code, e.Seq, e)
			}
		}
		if evs[0].Details["code"] != d.Code || !evs[0].At.Equal(d.CreatedAt) || int64(len(evs)) != d.Version {
			t.Fatalf("dossier %s: first event %+v, %d events, version %d", d.Code, evs[0], len(evs), d.Version)
		}
		statuses[d.Status]++
		channels[d.Channel]++
		filers[d.FiledBy]++
		agencies[d.AgencyCode]++
		agency, day, seq, err := domain.ParseDossierCode(d.Code)
		if err != nil || agency != d.AgencyCode || day != domain.CodeDay(d.CreatedAt.In(vietnam)) {
			t.Fatalf("dossier %s created %s: %v", d.Code, d.CreatedAt, err)
		}
		codes[agency+"-"+day] = append(codes[agency+"-"+day], seq)
	}
	if events != sum.Events {
		t.Fatalf("%d events stored, summary says %d", events, sum.Events)
	}
	for k, seqs := range codes {
		slices.Sort(seqs)
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("codes of %s are not 1..%d: %v", k, len(seqs), seqs)
			}
		}
	}
	for _, s := range []domain.Status{domain.StatusReturned, domain.StatusProcessing, domain.StatusResolved} {
		if statuses[s] == 0 {
			t.Errorf("no dossier is %s: %v", s, statuses)
		}
	}
	if statuses[domain.StatusReturned] < n/2 {
		t.Errorf("only %d of %d dossiers returned: %v", statuses[domain.StatusReturned], n, statuses)
	}
	for _, k := range []domain.ActorKind{domain.ActorCitizen, domain.ActorStaff, domain.ActorStaffOnBehalf} {
		if filers[k] == 0 {
			t.Errorf("no dossier filed by %s: %v", k, filers)
		}
	}
	if channels[domain.ChannelOnline] < n/4 || channels[domain.ChannelCounter] < n/8 || len(agencies) < 8 {
		t.Errorf("channels %v, agencies %v", channels, agencies)
	}

	// The server goes on from there: a running dossier is forwarded by its
	// step's official, and the aggregates still verify.
	var running *domain.Dossier
	for i := range ds {
		d := &ds[i]
		if d.Status == domain.StatusProcessing && d.ProcedureCode == seed.ProcCriminal && d.Step.Index < 3 {
			running = d
			break
		}
	}
	if running == nil {
		t.Fatal("no running criminal-record dossier before its last step")
	}
	proc, err := st.GetProcedure(ctx, running.ProcedureCode)
	if err != nil {
		t.Fatal(err)
	}
	step := proc.Version(running.ProcedureVersion).Workflow[running.Step.Index]
	official := domain.Principal{Subject: "bench-official", Role: step.Role, AgencyCode: step.UnitCode}
	moved, _, err := a.Forward(ctx, official, app.Target{RequestID: "after-seed-1", DossierID: running.ID,
		ExpectedVersion: running.Version}, "")
	if err != nil {
		t.Fatalf("forward seeded dossier %s: %v", running.Code, err)
	}
	if moved.Step.Index != running.Step.Index+1 || moved.LastEventSeq != running.LastEventSeq+1 {
		t.Fatalf("forwarded: %+v", moved)
	}
	evs, err := st.ListEvents(ctx, running.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if b := audit.Verify(domain.ChainHead{LastSeq: moved.LastEventSeq, LastHash: moved.LastEventHash}, evs); b != nil {
		t.Fatalf("chain after a real action: %+v", b)
	}

	// Intake on a seeded day continues that day's numbering.
	last := ds[0]
	for _, d := range ds {
		if d.AgencyCode == seed.OneStopCentre && d.CreatedAt.After(last.CreatedAt) {
			last = d
		}
	}
	day := domain.CodeDay(last.CreatedAt.In(vietnam))
	late := app.New(st, app.WithClock(func() time.Time { return last.CreatedAt.Add(time.Minute) }))
	clerk := domain.Principal{Subject: "clerk-99@" + seed.OneStopCentre, Role: domain.RoleClerk, AgencyCode: seed.OneStopCentre}
	d, _, err := late.ReceiveNew(ctx, clerk, "after-seed-2", domain.Draft{ProcedureCode: seed.ProcCopy, AgencyCode: seed.OneStopCentre,
		Applicant:  domain.Applicant{Kind: domain.ApplicantCitizen, IDNumber: "080090000123", Name: "Lê Văn Sau"},
		Components: []domain.Component{{Code: "BC", Source: domain.SourcePaper}, {Code: "BS", Source: domain.SourcePaper}}},
		domain.ChannelCounter, "")
	if err != nil {
		t.Fatal(err)
	}
	want := domain.DossierCode(seed.OneStopCentre, last.CreatedAt.In(vietnam), int64(len(codes[seed.OneStopCentre+"-"+day])+1))
	if d.Code != want {
		t.Fatalf("intake after the seed got code %s, want %s", d.Code, want)
	}
	if diffs, err := a.VerifyStats(ctx, nil); err != nil || len(diffs) > 0 {
		t.Fatalf("after real actions: %v %v", diffs, err)
	}
}

// TestSeedDeterministic: the same seed gives the same rows, ids and hashes
// included; another seed gives others.
func TestSeedDeterministic(t *testing.T) {
	ctx := context.Background()
	fingerprint := func(s uint64, workers int) []string {
		st := openStore(t, "sqlite")
		if _, err := seed.Dossiers(ctx, st, seed.Options{Dossiers: 150, Until: until, Seed: s, Workers: workers, BatchSize: 16}); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range allDossiers(t, st) {
			out = append(out, fmt.Sprintf("%s %s %s %d %s", d.ID, d.Code, d.Status, d.LastEventSeq, d.LastEventHash))
		}
		return out
	}
	a, b, c := fingerprint(3, 1), fingerprint(3, 3), fingerprint(4, 2)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different rows:\n%v\n%v", a[:3], b[:3])
	}
	if slices.Equal(a, c) {
		t.Fatal("another seed gave the same rows")
	}
}

// TestSeedRefusesFilledPeriod: seeding twice over the same period would
// reuse dossier numbers; it is refused before anything is written.
func TestSeedRefusesFilledPeriod(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, "sqlite")
	o := seed.Options{Dossiers: 20, Until: until, Seed: 1}
	if _, err := seed.Dossiers(ctx, st, o); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Dossiers(ctx, st, o); err == nil {
		t.Fatal("a second seed over the same period was accepted")
	}
	o.Year, o.Until = 2025, time.Time{}
	if _, err := seed.Dossiers(ctx, st, o); err == nil {
		t.Fatal("seeding a year the catalog does not cover was accepted")
	}
}

// TestSeedAppend: a second seed with Append adds to the same period, its
// codes continuing each agency-day's numbers without a gap or a repeat, and
// the aggregates still agree with the dossiers.
func TestSeedAppend(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, kind)
			if _, err := seed.Dossiers(ctx, st, seed.Options{Dossiers: 60, Until: until, Seed: 1, BatchSize: 16}); err != nil {
				t.Fatal(err)
			}
			first := map[string]int{} // dossiers of the first seed per agency-day
			for _, d := range allDossiers(t, st) {
				first[d.Code[:strings.LastIndexByte(d.Code, '-')]]++
			}
			sum, err := seed.Dossiers(ctx, st, seed.Options{Dossiers: 90, Until: until, Seed: 2, BatchSize: 16, Append: true})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Dossiers != 90 {
				t.Fatalf("appended %d dossiers, want 90", sum.Dossiers)
			}
			all := allDossiers(t, st)
			if len(all) != 150 {
				t.Fatalf("%d dossiers after appending, want 150", len(all))
			}
			seqs := map[[2]string][]int64{}
			for _, d := range all {
				agency, day, seq, err := domain.ParseDossierCode(d.Code)
				if err != nil {
					t.Fatal(err)
				}
				seqs[[2]string{agency, day}] = append(seqs[[2]string{agency, day}], seq)
			}
			shared := 0
			for k, ss := range seqs {
				slices.Sort(ss)
				for i, s := range ss {
					if s != int64(i+1) {
						t.Fatalf("codes of %v: %v, want 1..%d", k, ss, len(ss))
					}
				}
				if n := first[k[0]+"-"+k[1]]; n > 0 && len(ss) > n {
					shared++
				}
			}
			if shared == 0 {
				t.Fatal("no agency-day got codes from both seeds: the test proves nothing")
			}
			a := app.New(st, app.WithClock(func() time.Time { return until.Add(9 * time.Hour) }))
			diffs, err := a.VerifyStats(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) != 0 {
				t.Fatalf("aggregates differ from the dossiers after appending: %v", diffs[:min(3, len(diffs))])
			}
		})
	}
}
