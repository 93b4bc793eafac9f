package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The worked example of the design: received Friday 13 February 2026 09:00,
// three working days (24 h), Tết off Monday 16 - Friday 20 February.
//
//	Fri 13 Feb  09:00-11:30, 13:00-17:00   6h30m   total  6h30m
//	Sat 14 - Sun 22 Feb  weekend and Tết, not counted
//	Mon 23 Feb  07:30-17:00                8h      total 14h30m
//	Tue 24 Feb  07:30-17:00                8h      total 22h30m
//	Wed 25 Feb  07:30-09:00                1h30m   total 24h
func TestAddTet2026(t *testing.T) {
	received := at(2026, 2, 13, 9, 0)
	want := at(2026, 2, 25, 9, 0)

	gov := govCal(t)
	start, _ := gov.ClockStart(received, nil)
	if !start.Equal(received) {
		t.Fatalf("clock start %v", start)
	}
	if got := gov.Add(start, gov.Days(3)); !got.Equal(want) {
		t.Errorf("with the 2026 decision: due %v, want %v", got, want)
	}

	// The statutory defaults put Tết on the last day of Ất Tỵ (29 Tết, Monday
	// 16 Feb) and lunar 1-4 (17-20 Feb): the same Monday-Friday as the 2026
	// decision, so the due time is the same. The decision differs from the
	// defaults in August-September, shown below.
	def := defaultsCal(t)
	if got := def.Add(start, def.Days(3)); !got.Equal(want) {
		t.Errorf("with VietnamDefaults(2026): due %v, want %v", got, want)
	}

	// Received at 15:30 with a 15:00 cut-off: the clock starts on Monday
	// 23 Feb at 07:30 and three days end exactly at 17:00 on Wednesday 25.
	c15 := clock(t, "15:00")
	start, _ = gov.ClockStart(at(2026, 2, 13, 15, 30), &c15)
	if got, want := gov.Add(start, 24*time.Hour), at(2026, 2, 25, 17, 0); !got.Equal(want) {
		t.Errorf("after cut-off: due %v, want %v", got, want)
	}
}

func TestAddDecisionVersusDefaults2026(t *testing.T) {
	gov, def := govCal(t), defaultsCal(t)
	cases := []struct {
		name          string
		start         time.Time
		work          time.Duration
		withDecision  time.Time
		withDefaults  time.Time
		decisionTrace string
	}{
		// Decision: Fri 21 6h30 + Sat 22 (make-up) 8h + Mon 24 8h + Tue 25 1h30.
		// Defaults: Sat 22 is a weekend day: Fri 6h30 + Mon 8h + Tue 8h + Wed 1h30.
		{"make-up Saturday counted", at(2026, 8, 21, 9, 0), 24 * time.Hour,
			at(2026, 8, 25, 9, 0), at(2026, 8, 26, 9, 0), "2026-08-22 Sat  07:30-17:00  counted 8h00m  total 14h30m  (make-up working day: Làm bù cho thứ Hai 31/8)"},
		// Decision: Fri 28 6h30, Sat 29 - Wed 2 Sep off, Thu 3 8h, Fri 4 8h, Mon 7 1h30.
		// Defaults: Fri 28 6h30, Mon 31 8h, Tue 1 - Wed 2 off, Thu 3 8h, Fri 4 1h30.
		{"bridge Monday 31 Aug", at(2026, 8, 28, 9, 0), 24 * time.Hour,
			at(2026, 9, 7, 9, 0), at(2026, 9, 4, 9, 0), "2026-08-29 Sat - 2026-09-02 Wed  not counted (5 days): Saturday, Sunday, Nghỉ hoán đổi Quốc khánh, Quốc khánh"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := gov.Add(c.start, c.work); !got.Equal(c.withDecision) {
				t.Errorf("with the decision: %v, want %v", got, c.withDecision)
			}
			if got := def.Add(c.start, c.work); !got.Equal(c.withDefaults) {
				t.Errorf("with the defaults: %v, want %v", got, c.withDefaults)
			}
			found := false
			for _, s := range gov.Explain(c.start, c.work) {
				found = found || s.String() == c.decisionTrace
			}
			if !found {
				t.Errorf("explanation lacks %q:\n%s", c.decisionTrace, explainText(gov.Explain(c.start, c.work)))
			}
		})
	}
}

func TestAdd(t *testing.T) {
	cal := govCal(t)
	cases := []struct {
		name  string
		start time.Time
		work  time.Duration
		want  time.Time
	}{
		{"full day ends at 17:00", at(2026, 3, 11, 7, 30), 8 * time.Hour, at(2026, 3, 11, 17, 0)},
		{"half day ends at 11:30", at(2026, 3, 11, 7, 30), cal.Days(0.5), at(2026, 3, 11, 11, 30)},
		{"half day across lunch", at(2026, 3, 11, 9, 0), cal.Days(0.5), at(2026, 3, 11, 14, 30)},
		{"one minute past the morning", at(2026, 3, 11, 7, 30), 4*time.Hour + time.Minute, at(2026, 3, 11, 13, 1)},
		{"from 17:00", at(2026, 3, 11, 17, 0), time.Hour, at(2026, 3, 12, 8, 30)},
		{"from lunch", at(2026, 3, 11, 12, 0), 30 * time.Minute, at(2026, 3, 11, 13, 30)},
		{"from Saturday", at(2026, 3, 14, 10, 0), 8 * time.Hour, at(2026, 3, 16, 17, 0)},
		{"Friday to Monday", at(2026, 3, 13, 16, 0), 2 * time.Hour, at(2026, 3, 16, 8, 30)},
		{"over Hùng Kings and 30/4-1/5", at(2026, 4, 24, 7, 30), 5 * 8 * time.Hour, at(2026, 5, 5, 17, 0)}, // Fri 24; Tue 28, Wed 29; Mon 4, Tue 5,
		{"seconds kept", time.Date(2026, 3, 11, 9, 0, 30, 0, hcm), time.Hour, time.Date(2026, 3, 11, 10, 0, 30, 0, hcm)},
		{"zero at working time", at(2026, 3, 11, 9, 0), 0, at(2026, 3, 11, 9, 0)},
		{"zero before opening", at(2026, 3, 11, 6, 0), 0, at(2026, 3, 11, 7, 30)},
		{"zero in lunch", at(2026, 3, 11, 12, 0), 0, at(2026, 3, 11, 13, 0)},
		{"zero at 17:00", at(2026, 3, 11, 17, 0), 0, at(2026, 3, 12, 7, 30)},
		{"zero on Tết", at(2026, 2, 17, 9, 0), 0, at(2026, 2, 23, 7, 30)},
		{"negative is zero", at(2026, 3, 14, 9, 0), -time.Hour, at(2026, 3, 16, 7, 30)},
		{"start in UTC", time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC), time.Hour, at(2026, 3, 11, 10, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cal.Add(c.start, c.work)
			if !got.Equal(c.want) || got.Location() != cal.Location() {
				t.Errorf("Add(%v, %v) = %v, want %v", c.start, c.work, got, c.want)
			}
			if c.work > 0 {
				if b := cal.Between(c.start, got); b != c.work {
					t.Errorf("Between(start, Add) = %v, want %v", b, c.work)
				}
			}
		})
	}
}

func TestBetween(t *testing.T) {
	cal := govCal(t)
	cases := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		// Thu 12 Feb 13:00-17:00 4h, Fri 13 8h, Tết and weekends 0, Mon 23 07:30-09:00 1h30.
		{"across Tết", at(2026, 2, 12, 13, 0), at(2026, 2, 23, 9, 0), 13*time.Hour + 30*time.Minute},
		{"half a day", at(2026, 3, 11, 7, 30), at(2026, 3, 11, 11, 30), cal.Days(0.5)},
		{"lunch only", at(2026, 3, 11, 11, 30), at(2026, 3, 11, 13, 0), 0},
		{"weekend only", at(2026, 3, 14, 0, 0), at(2026, 3, 16, 7, 30), 0},
		{"reversed", at(2026, 3, 12, 9, 0), at(2026, 3, 11, 9, 0), 0},
		{"empty", at(2026, 3, 11, 9, 0), at(2026, 3, 11, 9, 0), 0},
		{"make-up Saturday", at(2026, 8, 22, 0, 0), at(2026, 8, 23, 0, 0), 8 * time.Hour},
		{"bridge days", at(2026, 8, 29, 0, 0), at(2026, 9, 3, 0, 0), 0},
		{"one week", at(2026, 3, 9, 0, 0), at(2026, 3, 16, 0, 0), 40 * time.Hour},
	}
	for _, c := range cases {
		if got := cal.Between(c.from, c.to); got != c.want {
			t.Errorf("%s: Between(%v, %v) = %v, want %v", c.name, c.from, c.to, got, c.want)
		}
	}
}

// A dossier due Wed 25 Feb 2026 09:00 waits for the applicant's supplement
// from Fri 13 Feb 16:00 to Tue 24 Feb 10:00. Paused working time: Fri 1h +
// Mon 23 8h + Tue 24 07:30-10:00 2h30 = 11h30. The due time moves by that:
// Wed 25 09:00-17:00 gives 6h30, Thu 26 07:30-11:30 4h, then 1h from 13:00.
func TestPauseMovesDueTime(t *testing.T) {
	cal := govCal(t)
	paused := cal.Between(at(2026, 2, 13, 16, 0), at(2026, 2, 24, 10, 0))
	if paused != 11*time.Hour+30*time.Minute {
		t.Fatalf("paused %v", paused)
	}
	if got, want := cal.Add(at(2026, 2, 25, 9, 0), paused), at(2026, 2, 26, 14, 0); !got.Equal(want) {
		t.Errorf("new due %v, want %v", got, want)
	}
}

func explainText(segs []Segment) string {
	lines := make([]string, len(segs))
	for i, s := range segs {
		lines[i] = s.String()
	}
	return strings.Join(lines, "\n")
}

func TestExplain(t *testing.T) {
	cal := govCal(t)
	want := strings.Join([]string{
		"2026-02-13 Fri  09:00-17:00  counted 6h30m  total 6h30m",
		"2026-02-14 Sat - 2026-02-22 Sun  not counted (9 days): Saturday, Sunday, Tết Nguyên đán",
		"2026-02-23 Mon  07:30-17:00  counted 8h00m  total 14h30m",
		"2026-02-24 Tue  07:30-17:00  counted 8h00m  total 22h30m",
		"2026-02-25 Wed  07:30-09:00  counted 1h30m  total 24h00m",
	}, "\n")
	segs := cal.Explain(at(2026, 2, 13, 9, 0), 24*time.Hour)
	if got := explainText(segs); got != want {
		t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
	}
	skip := segs[1]
	if skip.Kind != Skipped || skip.First != date(2026, 2, 14) || skip.Last != date(2026, 2, 22) || skip.Total != 6*time.Hour+30*time.Minute {
		t.Errorf("skipped segment %+v", skip)
	}

	// Starting on a Sunday evening after hours on Friday: the first line is
	// the weekend; a working day with nothing counted is left out.
	segs = cal.Explain(at(2026, 3, 13, 18, 0), time.Hour)
	if got, want := explainText(segs), "2026-03-14 Sat - 2026-03-15 Sun  not counted (2 days): Saturday, Sunday\n"+
		"2026-03-16 Mon  07:30-08:30  counted 1h00m  total 1h00m"; got != want {
		t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
	}
	// Zero work: only the days passed over before counting would begin.
	segs = cal.Explain(at(2026, 4, 26, 9, 0), 0)
	if got, want := explainText(segs), "2026-04-26 Sun - 2026-04-27 Mon  not counted (2 days): Giỗ Tổ Hùng Vương, Nghỉ bù Giỗ Tổ Hùng Vương"; got != want {
		t.Errorf("Explain zero work: %q", got)
	}
	if len(cal.Explain(at(2026, 3, 11, 9, 0), 0)) != 0 {
		t.Error("zero work at working time explains nothing")
	}
	one := Segment{Kind: Skipped, First: date(2026, 3, 14), Last: date(2026, 3, 14), Reasons: []string{"Saturday"}}
	if one.String() != "2026-03-14 Sat  not counted (1 day): Saturday" {
		t.Error(one.String())
	}
}

func TestPeriodToMidnight(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hours = []Period{{Start: 22 * 60, End: 24 * 60}}
	cfg.Weekend = []time.Weekday{}
	cfg.Years = map[int]YearDays{2026: {}}
	cal := newCal(t, cfg)
	if got, want := cal.Add(at(2026, 3, 11, 12, 0), 2*time.Hour), at(2026, 3, 12, 0, 0); !got.Equal(want) {
		t.Errorf("Add = %v, want %v", got, want)
	}
	if got := cal.Explain(at(2026, 3, 11, 12, 0), 3*time.Hour); explainText(got) !=
		"2026-03-11 Wed  22:00-24:00  counted 2h00m  total 2h00m\n2026-03-12 Thu  22:00-23:00  counted 1h00m  total 3h00m" {
		t.Error(explainText(got))
	}
}

// checkAdd asserts the contract of Add, Between and Explain for one input.
func checkAdd(t *testing.T, cal *Calendar, s time.Time, w time.Duration) {
	t.Helper()
	due := cal.Add(s, w)
	if due.Before(s) {
		t.Fatalf("Add(%v, %v) = %v is before the start", s, w, due)
	}
	if got := cal.Between(s, due); got != w {
		t.Fatalf("Between(%v, Add(_, %v) = %v) = %v", s, w, due, got)
	}
	segs := cal.Explain(s, w)
	var sum time.Duration
	for i, seg := range segs {
		if seg.Kind == Counted {
			sum += seg.Worked
			if seg.Total != sum || !cal.IsWorkingDay(seg.First) || seg.Worked != cal.Between(seg.From, seg.To) {
				t.Fatalf("segment %d inconsistent: %s", i, seg)
			}
		} else {
			for d := seg.First; !d.After(seg.Last); d = d.AddDays(1) {
				if cal.IsWorkingDay(d) {
					t.Fatalf("segment %d skips working day %v", i, d)
				}
			}
		}
		if i > 0 && !segs[i-1].Last.Before(seg.First) {
			t.Fatalf("segments out of order at %d", i)
		}
	}
	if sum != w {
		t.Fatalf("Explain counts %v, want %v", sum, w)
	}
	if last := segs[len(segs)-1]; last.Kind != Counted || !last.To.Equal(due) {
		t.Fatalf("last segment %s does not end at %v", last, due)
	}
}

func TestAddBetweenProperties(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Years = map[int]YearDays{2026: gov2026()}
	cfg.Local = []SpecialDay{{date(2027, 3, 6), WorkingDay, "Làm bù"}, {date(2027, 3, 8), DayOff, "Nghỉ"}}
	cal := newCal(t, cfg)
	r := rand.New(rand.NewPCG(2026, 213))
	base := at(2025, 6, 1, 0, 0)
	for i := 0; i < 3000; i++ {
		s := base.Add(time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour))))
		var w time.Duration
		switch r.IntN(3) {
		case 0: // whole minutes, up to a year of working days
			w = time.Duration(r.IntN(250*8*60)+1) * time.Minute
		case 1: // whole half-days
			w = cal.Days(float64(r.IntN(60)+1) / 2)
		default: // arbitrary precision
			w = time.Duration(r.Int64N(int64(100*time.Hour))) + 1
		}
		checkAdd(t, cal, s, w)
		// Counting on from a due time is the same as counting at once.
		w2 := time.Duration(r.IntN(40*60)+1) * time.Minute
		if a, b := cal.Add(cal.Add(s, w), w2), cal.Add(s, w+w2); !a.Equal(b) {
			t.Fatalf("Add(Add(%v, %v), %v) = %v, Add(%v, %v) = %v", s, w, w2, a, s, w+w2, b)
		}
		// Between is additive over any split point.
		e := s.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
		m := s.Add(time.Duration(r.Int64N(int64(e.Sub(s)) + 1)))
		if cal.Between(s, m)+cal.Between(m, e) != cal.Between(s, e) {
			t.Fatalf("Between not additive at %v %v %v", s, m, e)
		}
	}
}
