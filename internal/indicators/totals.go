package indicators

// Totals sums aggregate changes: deltas per row key and unit deltas per
// (unit, day). The seed loader sums what its generated dossiers contribute
// before writing it; verification sums what the event log implies before
// comparing it with the stored rows. Both must sum alike, so both use this.
type Totals struct {
	Rows  map[Key]*Delta
	Units map[[2]string]*UnitDelta
}

// NewTotals returns empty totals.
func NewTotals() *Totals {
	return &Totals{Rows: map[Key]*Delta{}, Units: map[[2]string]*UnitDelta{}}
}

// AddDelta adds d to the row of d.Key.
func (t *Totals) AddDelta(d Delta) {
	acc, ok := t.Rows[d.Key]
	if !ok {
		acc = &Delta{Key: d.Key}
		t.Rows[d.Key] = acc
	}
	acc.Vector.Add(d.Vector)
	for h, n := range d.Buckets {
		if acc.Buckets == nil {
			acc.Buckets = map[int]int64{}
		}
		acc.Buckets[h] += n
	}
}

// AddUnit adds u to the row of (u.Unit, u.Day).
func (t *Totals) AddUnit(u UnitDelta) {
	k := [2]string{u.Unit, u.Day}
	acc, ok := t.Units[k]
	if !ok {
		acc = &UnitDelta{Unit: u.Unit, Day: u.Day}
		t.Units[k] = acc
	}
	acc.Finished += u.Finished
	acc.Late += u.Late
	acc.LateMinutes += u.LateMinutes
}

// Add adds every delta and unit delta.
func (t *Totals) Add(ds []Delta, us []UnitDelta) {
	for _, d := range ds {
		t.AddDelta(d)
	}
	for _, u := range us {
		t.AddUnit(u)
	}
}

// Merge adds o's totals.
func (t *Totals) Merge(o *Totals) {
	for _, d := range o.Rows {
		t.AddDelta(*d)
	}
	for _, u := range o.Units {
		t.AddUnit(*u)
	}
}
