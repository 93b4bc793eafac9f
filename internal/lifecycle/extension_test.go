package lifecycle

import (
	"errors"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
)

func testCalendar(t testing.TB) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.New(calendar.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestCheckExtension(t *testing.T) {
	cal := testCalendar(t)
	vn := cal.Location()
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, vn) }
	// Due Thu 5 Mar 2026 09:00.
	d := &domain.Dossier{ID: "d1", DueAt: at(3, 5, 9).UTC(), OriginalDueAt: at(3, 5, 9).UTC()}
	now := at(3, 4, 15)
	for _, c := range []struct {
		name      string
		statutory int // working days
		newDue    time.Time
		ok        bool
	}{
		{"short procedure: five working days of room", 3, at(3, 12, 9), true},
		{"short procedure: a minute more is too late", 3, at(3, 12, 9).Add(time.Minute), false},
		{"long procedure: its statutory time once more", 20, at(4, 2, 9), true},
		{"long procedure: a day more is too late", 20, at(4, 3, 9), false},
		{"half-day procedure still gets five days", 0, at(3, 12, 9), true},
		{"9999-12-31", 365, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{"not after the current appointment", 3, at(3, 5, 9), false},
		{"earlier than the current appointment", 3, at(3, 5, 8), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			pv := &domain.ProcedureVersion{StatutoryMinutes: c.statutory * domain.MinutesPerWorkingDay}
			if c.statutory == 0 {
				pv.StatutoryMinutes = 4 * 60
			}
			err := CheckExtension(d, pv, cal, now, c.newDue)
			var inv *domain.InvalidError
			switch {
			case c.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case !c.ok && (!errors.As(err, &inv) || inv.Violations[0].Field != "new_due_time"):
				t.Fatalf("got %v, want a violation of new_due_time", err)
			}
		})
	}
	// An appointment already past can only move into the future.
	past := &domain.Dossier{DueAt: at(3, 5, 9).UTC(), OriginalDueAt: at(3, 5, 9).UTC()}
	pv := &domain.ProcedureVersion{StatutoryMinutes: 3 * domain.MinutesPerWorkingDay}
	if err := CheckExtension(past, pv, cal, at(3, 6, 10), at(3, 6, 9)); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("extension into the past: %v", err)
	}
	// No clock, no appointment to extend.
	if err := CheckExtension(&domain.Dossier{}, pv, cal, now, at(3, 6, 9)); !errors.Is(err, domain.ErrFailedPrecondition) {
		t.Fatalf("no appointment: %v", err)
	}
}

// Whatever the times, CheckExtension does not panic and accepts only an
// appointment after the current one, after now and within the bound.
func FuzzCheckExtension(f *testing.F) {
	cal := testCalendar(f)
	base := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC).Unix()
	f.Add(int64(0), int64(0), int64(7*86400), int64(-86400), 3*domain.MinutesPerWorkingDay)
	f.Add(int64(0), int64(3600), int64(253402214400-base), int64(0), 365*domain.MinutesPerWorkingDay)
	f.Add(int64(-1e10), int64(1e10), int64(1), int64(1), 0)
	f.Fuzz(func(t *testing.T, due, extra, newDue, now int64, statutory int) {
		// Keep the times within what a Timestamp can carry (years 1-9999).
		clamp := func(s int64) time.Time {
			s = max(min(base+s, 253402300799), -62135596800)
			return time.Unix(s, 0).UTC()
		}
		if statutory < 0 || statutory > 365*domain.MinutesPerWorkingDay {
			return
		}
		orig := clamp(due)
		if orig.Year() < 1900 || orig.Year() > 2200 {
			return // calendars are built per year; far years cost time, not correctness
		}
		d := &domain.Dossier{OriginalDueAt: orig, DueAt: orig.Add(time.Duration(max(extra, 0)%(1<<30)) * time.Second)}
		pv := &domain.ProcedureVersion{StatutoryMinutes: statutory}
		nd, n := clamp(newDue), clamp(now)
		err := CheckExtension(d, pv, cal, n, nd)
		if err == nil && (!nd.After(d.DueAt) || !nd.After(n) || nd.After(LatestAppointment(d, pv, cal))) {
			t.Fatalf("accepted %v (due %v, now %v, latest %v)", nd, d.DueAt, n, LatestAppointment(d, pv, cal))
		}
	})
}
