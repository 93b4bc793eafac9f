package seed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/store"
)

// Options say what Dossiers generates.
type Options struct {
	// Dossiers is how many dossiers to file.
	Dossiers int
	// Year is the year they are filed in (default 2026).
	Year int
	// Until ends the period early (exclusive; zero: the end of Year). What
	// would happen after it does not happen: dossiers are left running,
	// paused or awaiting intake, as on that day.
	Until time.Time
	// Seed: the same seed, options and catalog give the same rows.
	Seed uint64
	// BatchSize is the number of dossiers per bulk insert (default 5000).
	BatchSize int
	// Workers generate dossiers in parallel (default GOMAXPROCS).
	Workers int
	// Progress, if set, is called after each batch and aggregate step.
	Progress func(Progress)
	// Append adds the dossiers to a period that may already have some (a
	// store grown step by step, as the growth benchmark does): their codes
	// continue each agency-day's counter and the aggregates are added to. A
	// Seed different from every earlier one's is required, or the ids of
	// the new dossiers repeat the earlier ones' (the load then fails, with
	// nothing stored).
	Append bool
}

// Progress reports a running seed.
type Progress struct {
	Phase            string // "dossiers", then "aggregates"
	Done, Total      int    // dossiers stored, or aggregate groups written
	Events, SlipRows int64
	Elapsed          time.Duration
}

// Summary is what a seed stored.
type Summary struct {
	Dossiers         int
	Events, SlipRows int64
	// StatKeys and UnitKeys are the daily aggregate keys written (each also
	// adds to its monthly row).
	StatKeys, UnitKeys int
	From, Until        time.Time
	// Generate is the time to the last bulk insert (generation and loading
	// overlap); Aggregates the time to write the aggregates.
	Generate, Aggregates, Elapsed time.Duration
}

// Rows is the number of dossier, event and slip rows stored.
func (s Summary) Rows() int64 { return int64(s.Dossiers) + s.Events + s.SlipRows }

// RowsPerSecond is Rows over the whole run.
func (s Summary) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Rows()) / s.Elapsed.Seconds()
}

// Dossiers fills st with generated dossiers of the demo province: the
// demo catalog (installed if the store has no agency) and its districts
// (added if missing) receive o.Dossiers dossiers filed over o.Year, each
// carried through the real lifecycle use cases — so that its events, slip
// rows, counters and aggregate contributions are exactly what the server
// would have recorded — and then stored in bulk. The receiving agencies
// must have no dossier filed in the period yet.
//
// The aggregates are written at the end: a seed that fails half-way leaves
// dossiers the aggregates do not count (`motcua report verify` says so);
// seed a fresh store again.
func Dossiers(ctx context.Context, st store.Store, o Options) (Summary, error) {
	began := time.Now()
	if o.Dossiers < 1 {
		return Summary{}, fmt.Errorf("seed: at least one dossier, not %d", o.Dossiers)
	}
	if o.Year == 0 {
		o.Year = 2026
	}
	if o.Year < 2000 || o.Year > 2100 {
		return Summary{}, fmt.Errorf("seed: year %d is out of range", o.Year)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	loc, err := (&domain.Agency{}).Location()
	if err != nil {
		return Summary{}, err
	}
	from := time.Date(o.Year, 1, 1, 0, 0, 0, 0, loc)
	until := from.AddDate(1, 0, 0)
	if !o.Until.IsZero() {
		if !o.Until.After(from.Add(24*time.Hour)) || o.Until.After(until) {
			return Summary{}, fmt.Errorf("seed: the period must end after %s and by %s", from.AddDate(0, 0, 1).Format("2006-01-02"),
				until.Format("2006-01-02"))
		}
		until = o.Until
	}
	if err := EnsureProvince(ctx, app.New(st), st, from); err != nil {
		return Summary{}, fmt.Errorf("seed: install the province: %w", err)
	}
	w, err := loadWorld(ctx, st, o.Seed, from, until)
	if err != nil {
		return Summary{}, err
	}
	codes := make([]string, len(w.receiving))
	for i, r := range w.receiving {
		codes[i] = r.agency.Code
	}
	if o.Append {
		if w.seqBase, err = st.DossierSequences(ctx, codes, domain.CodeDay(from.AddDate(0, 0, -1)), domain.CodeDay(until)); err != nil {
			return Summary{}, err
		}
	} else if n, err := st.CountDossiers(ctx, codes, from, until); err != nil {
		return Summary{}, err
	} else if n > 0 {
		return Summary{}, fmt.Errorf("seed: the store already has %d dossiers filed at the province's agencies between %s and %s; "+
			"seed an empty store or another --year", n, from.Format("2006-01-02"), until.Format("2006-01-02"))
	}
	headers, err := w.headers(o.Dossiers)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{From: from, Until: until}
	acc := indicators.NewTotals()
	if err := w.load(ctx, st, o, headers, acc, &sum, began); err != nil {
		return sum, err
	}
	sum.Generate = time.Since(began)
	if err := writeStats(ctx, st, acc, o.Progress, began, &sum); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(began)
	sum.Aggregates = sum.Elapsed - sum.Generate
	return sum, nil
}

// loadWorld reads the catalog and calendars and prepares the province.
func loadWorld(ctx context.Context, st store.Store, seed uint64, from, until time.Time) (*world, error) {
	var agencies []domain.Agency
	for after := ""; ; {
		page, err := st.ListAgencies(ctx, store.AgencyFilter{}, after, 1000)
		if err != nil {
			return nil, err
		}
		agencies = append(agencies, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Code
	}
	var procs []domain.Procedure
	for after := ""; ; {
		page, err := st.ListProcedures(ctx, store.ProcedureFilter{}, after, 1000)
		if err != nil {
			return nil, err
		}
		procs = append(procs, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Code
	}
	scopes := []string{domain.NationalScope}
	for _, a := range agencies {
		scopes = append(scopes, a.Code)
	}
	years, err := st.ListCalendarYears(ctx, scopes)
	if err != nil {
		return nil, err
	}
	w := &world{seed: seed, from: from, until: until, snap: newSnapshot(agencies, procs, years),
		unitLate: map[string]float64{OneStopCentre: 0.03, JusticeDept: 0.06, FinanceDept: 0.05, ConstructDept: 0.14}}
	add := func(code string, district bool, weight float64, clerks int) error {
		a, ok := w.snap.agencies[code]
		if !ok {
			return fmt.Errorf("seed: agency %s is missing from the store", code)
		}
		cal, err := workCalendar(w.snap, a)
		if err != nil {
			return fmt.Errorf("seed: calendar of %s: %w", code, err)
		}
		r := &receiving{agency: a, index: len(w.receiving), district: district, cal: cal, clerks: clerks, weight: weight,
			work: newTimeline(cal, from, until)}
		if r.work.total <= 0 {
			return fmt.Errorf("seed: %s has no working time between %s and %s", code, from, until)
		}
		w.receiving = append(w.receiving, r)
		return nil
	}
	if err := add(OneStopCentre, false, centreShare, 12); err != nil {
		return nil, err
	}
	for _, d := range Districts {
		if err := add(d.Code, true, d.Weight, 4); err != nil {
			return nil, err
		}
	}
	for i := 1; i < len(w.receiving); i++ {
		w.districtWeights = append(w.districtWeights, w.receiving[i].weight)
	}
	for _, code := range procCodes {
		p, ok := w.snap.procedures[code]
		if !ok {
			return nil, fmt.Errorf("seed: procedure %s of the demo catalog is missing from the store", code)
		}
		w.procs = append(w.procs, p)
	}
	return w, nil
}

// headers draws every dossier's header and allots the dossier codes: per
// agency and local day, in filing order, from 1 (or after w.seqBase).
func (w *world) headers(n int) ([]header, error) {
	hs := make([]header, n)
	for i := range hs {
		h, err := w.drawHeader(int32(i))
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	sort.Slice(hs, func(i, j int) bool {
		if c := hs[i].filed.Compare(hs[j].filed); c != 0 {
			return c < 0
		}
		return hs[i].n < hs[j].n
	})
	type dayKey struct {
		agency int16
		day    string
	}
	next := map[dayKey]int64{}
	for i := range hs {
		h := &hs[i]
		k := dayKey{h.agency, domain.CodeDay(h.filed.In(w.receiving[h.agency].cal.Location()))}
		if _, ok := next[k]; !ok {
			next[k] = w.seqBase[[2]string{w.receiving[h.agency].agency.Code, k.day}]
		}
		next[k]++
		h.seq = next[k]
	}
	return hs, nil
}

// batch is the rows of consecutive dossiers, with their aggregate changes.
type batch struct {
	dossiers []domain.Dossier
	events   []domain.Event
	slips    []domain.SlipRow
	stats    *indicators.Totals
}

func (g *generator) batch(hs []header) (*batch, error) {
	b := &batch{stats: indicators.NewTotals(), dossiers: make([]domain.Dossier, 0, len(hs))}
	for _, h := range hs {
		out, err := g.generate(h)
		if err != nil {
			return nil, err
		}
		b.dossiers = append(b.dossiers, out.dossier)
		b.events = append(b.events, out.events...)
		b.slips = append(b.slips, out.slips...)
		b.stats.Add(out.scr.stats, out.scr.units)
	}
	return b, nil
}

// load generates the dossiers in batches on o.Workers goroutines and
// stores the batches in filing order as they come.
func (w *world) load(ctx context.Context, st store.Store, o Options, hs []header, acc *indicators.Totals, sum *Summary, began time.Time) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nb := (len(hs) + o.BatchSize - 1) / o.BatchSize
	type result struct {
		b   *batch
		err error
	}
	results := make([]chan result, nb)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	// Tokens bound the batches in memory: generated but not yet stored.
	tokens := make(chan struct{}, 2*o.Workers)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		for k := range nb {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newGenerator(w)
			for k := range jobs {
				b, err := g.batch(hs[k*o.BatchSize : min(len(hs), (k+1)*o.BatchSize)])
				results[k] <- result{b, err}
				if err != nil {
					return
				}
			}
		}()
	}
	defer wg.Wait()
	// Writers store the batches; on PostgreSQL two, each with its own
	// connection, so that the server can index on both CPUs while the
	// generators fill the next batches.
	writers := 1
	if st.Dialect() == "postgres" {
		writers = 2
	}
	var mu sync.Mutex // guards acc, sum and progress
	write := func(w int) error {
		for k := w; k < nb; k += writers {
			var r result
			select {
			case r = <-results[k]:
			case <-ctx.Done():
				return ctx.Err()
			}
			if r.err != nil {
				return r.err
			}
			if err := st.InsertBulk(ctx, r.b.dossiers, r.b.events, r.b.slips); err != nil {
				return fmt.Errorf("seed: store dossiers %s…: %w", r.b.dossiers[0].Code, err)
			}
			<-tokens
			mu.Lock()
			acc.Merge(r.b.stats)
			sum.Dossiers += len(r.b.dossiers)
			sum.Events += int64(len(r.b.events))
			sum.SlipRows += int64(len(r.b.slips))
			if o.Progress != nil {
				o.Progress(Progress{Phase: "dossiers", Done: sum.Dossiers, Total: len(hs), Events: sum.Events, SlipRows: sum.SlipRows,
					Elapsed: time.Since(began)})
			}
			mu.Unlock()
		}
		return nil
	}
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			err := write(w)
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var all []error
	for range writers {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			all = append(all, err)
		}
	}
	if len(all) > 0 {
		return errors.Join(all...)
	}
	return ctx.Err()
}

// writeStats applies the accumulated aggregates with the store's own
// ApplyStats and ApplyUnitStats, an agency per transaction (in parallel on
// PostgreSQL: the agencies' rows are disjoint).
func writeStats(ctx context.Context, st store.Store, acc *indicators.Totals, progress func(Progress), began time.Time, sum *Summary) error {
	byAgency := map[string][]indicators.Delta{}
	for _, d := range acc.Rows {
		for h, n := range d.Buckets {
			if n == 0 {
				delete(d.Buckets, h)
			}
		}
		if d.Vector.Zero() && len(d.Buckets) == 0 {
			continue
		}
		byAgency[d.Key.Agency] = append(byAgency[d.Key.Agency], *d)
		sum.StatKeys++
	}
	var groups [][]indicators.Delta
	for _, ds := range byAgency {
		slices.SortFunc(ds, func(a, b indicators.Delta) int { return cmp.Compare(keyOrder(a.Key), keyOrder(b.Key)) })
		groups = append(groups, ds)
	}
	slices.SortFunc(groups, func(a, b []indicators.Delta) int { return cmp.Compare(a[0].Key.Agency, b[0].Key.Agency) })
	var units []indicators.UnitDelta
	for _, u := range acc.Units {
		units = append(units, *u)
	}
	slices.SortFunc(units, func(a, b indicators.UnitDelta) int { return cmp.Compare(a.Unit+a.Day, b.Unit+b.Day) })
	sum.UnitKeys = len(units)

	parallel := 1
	if st.Dialect() == "postgres" {
		parallel = 4
	}
	sem := make(chan struct{}, parallel)
	var mu sync.Mutex
	var errs []error
	done := 0
	var wg sync.WaitGroup
	total := len(groups) + 1
	tick := func() {
		done++
		if progress != nil {
			progress(Progress{Phase: "aggregates", Done: done, Total: total, Events: sum.Events, SlipRows: sum.SlipRows,
				Elapsed: time.Since(began)})
		}
	}
	for _, ds := range groups {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := st.InTx(ctx, func(ctx context.Context) error { return st.ApplyStats(ctx, ds) })
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("seed: aggregates of %s: %w", ds[0].Key.Agency, err))
				return
			}
			tick()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := st.InTx(ctx, func(ctx context.Context) error { return st.ApplyUnitStats(ctx, units) }); err != nil {
		return fmt.Errorf("seed: unit step aggregates: %w", err)
	}
	tick()
	return nil
}

func keyOrder(k indicators.Key) string {
	return fmt.Sprintf("%s|%s|%s|%d|%d", k.Day, k.Agency, k.Procedure, k.Channel, k.FiledBy)
}
