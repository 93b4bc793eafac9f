package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// decision2026 is the government's 2026 list for civil servants: Tết off
// Mon 16 – Fri 20 Feb; Hùng Kings' day (Sun 26 Apr) compensated Mon 27 Apr;
// 30 Apr and 1 May; National Day 1–2 Sep with Mon 31 Aug swapped for a
// make-up working Saturday 22 Aug.
var decision2026 = []*pb.SpecialDay{
	{Date: "2026-01-01", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Tết Dương lịch"},
	{Date: "2026-02-16", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Tết Nguyên đán"},
	{Date: "2026-02-17", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Tết Nguyên đán"},
	{Date: "2026-02-18", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Tết Nguyên đán"},
	{Date: "2026-02-19", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Tết Nguyên đán"},
	{Date: "2026-02-20", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Tết Nguyên đán"},
	{Date: "2026-04-26", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Giỗ Tổ Hùng Vương"},
	{Date: "2026-04-27", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Nghỉ bù Giỗ Tổ Hùng Vương"},
	{Date: "2026-04-30", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Ngày Chiến thắng"},
	{Date: "2026-05-01", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Quốc tế Lao động"},
	{Date: "2026-08-22", Kind: pb.DayKind_DAY_KIND_WORKING_DAY, Name: "Làm bù cho thứ Hai 31/8"},
	{Date: "2026-08-31", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Nghỉ hoán đổi"},
	{Date: "2026-09-01", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Quốc khánh"},
	{Date: "2026-09-02", Kind: pb.DayKind_DAY_KIND_DAY_OFF, Name: "Quốc khánh"},
}

type deadlineEnv struct {
	*testenv.Env
	clock *testenv.Clock
	dr    *testenv.Driver
	n     int
}

func newDeadlineEnv(t *testing.T, kind string) *deadlineEnv {
	clock := testenv.NewClock(testenv.Local(2026, 1, 5, 8, 0))
	e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: clock.Now})
	cal, err := e.Calendar.SetCalendarYear(e.As(t, testenv.Admin), &pb.SetCalendarYearRequest{RequestId: "cal-2026", Year: 2026, Days: decision2026})
	if err != nil {
		t.Fatal(err)
	}
	if !cal.GetCalendar().GetNationalDecided() || len(cal.GetCalendar().GetNationalDays()) != len(decision2026) {
		t.Fatalf("calendar: %v", cal)
	}
	return &deadlineEnv{Env: e, clock: clock, dr: e.NewDriver(t)}
}

// intake takes in a dossier of procedure code at the counter at local time at.
func (de *deadlineEnv) intake(t *testing.T, code string, at time.Time) *pb.Dossier {
	t.Helper()
	de.clock.Set(at)
	proc, err := de.Catalog.GetProcedure(de.As(t, testenv.Admin), &pb.GetProcedureRequest{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	de.n++
	return de.dr.Intake(testenv.DraftFor(proc.GetProcedure(), testenv.CitizenID(de.n), false))
}

func wantTime(t *testing.T, what string, got *timestamppb.Timestamp, want time.Time) {
	t.Helper()
	if !got.AsTime().Equal(want) {
		t.Fatalf("%s: got %s, want %s", what, got.AsTime().In(testenv.VN).Format("Mon 02/01/2006 15:04"), want.Format("Mon 02/01/2006 15:04"))
	}
}

func TestDeadlinesHandComputed(t *testing.T) {
	L := testenv.Local
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			de := newDeadlineEnv(t, kind)
			cases := []struct {
				name      string
				proc      string
				received  time.Time
				wantStart time.Time
				wantDue   time.Time
			}{
				// Fri 6h30 (09:00–11:30, 13:00–17:00), Tết Mon 16 – Fri 20 and two
				// weekends skipped, Mon 23 8h, Tue 24 8h, Wed 25 1h30 → 09:00.
				{"3 days across the 2026 Tết days off", seed.ProcEnterprise, L(2026, 2, 13, 9, 0), L(2026, 2, 13, 9, 0), L(2026, 2, 25, 9, 0)},
				// 15:30 is after the 15:00 cut-off: the clock starts Fri 07:30; 4 h → 11:30.
				{"after the cut-off", seed.ProcCopy, L(2026, 3, 12, 15, 30), L(2026, 3, 13, 7, 30), L(2026, 3, 13, 11, 30)},
				// 14:59 is before it: 2h01 on Thu, 1h59 on Fri → 09:29.
				{"just before the cut-off", seed.ProcCopy, L(2026, 3, 12, 14, 59), L(2026, 3, 12, 14, 59), L(2026, 3, 13, 9, 29)},
				// Sunday: from Mon 07:30, three full days → Wed 17:00.
				{"received on a Sunday", seed.ProcEnterprise, L(2026, 3, 15, 10, 0), L(2026, 3, 16, 7, 30), L(2026, 3, 18, 17, 0)},
				// Lunch break: the clock starts at 13:00; Mon 4 h, Tue 8 h, Wed 8 h,
				// Thu 4 h → 11:30 (time runs out at the end of the morning period).
				{"received in the lunch break", seed.ProcEnterprise, L(2026, 3, 16, 12, 10), L(2026, 3, 16, 13, 0), L(2026, 3, 19, 11, 30)},
				// Fri 6h30, make-up Sat 22 Aug 8h, Mon 24 8h, Tue 25 1h30 → 09:00.
				{"a make-up working Saturday counts", seed.ProcEnterprise, L(2026, 8, 21, 9, 0), L(2026, 8, 21, 9, 0), L(2026, 8, 25, 9, 0)},
				// Fri 28 Aug 6h30; Sat/Sun, Mon 31 (swap), Tue 1 and Wed 2 Sep off;
				// Thu 3 8h, Fri 4 8h, Mon 7 1h30 → 09:00.
				{"the National Day swap day is off", seed.ProcEnterprise, L(2026, 8, 28, 9, 0), L(2026, 8, 28, 9, 0), L(2026, 9, 7, 9, 0)},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					d := de.intake(t, c.proc, c.received)
					wantTime(t, "clock start", d.GetClockStartTime(), c.wantStart)
					wantTime(t, "due", d.GetDueTime(), c.wantDue)
					wantTime(t, "legal deadline", d.GetOriginalDueTime(), c.wantDue)
				})
			}

			t.Run("explanation names the holidays", func(t *testing.T) {
				d := de.intake(t, seed.ProcEnterprise, L(2026, 2, 13, 9, 0))
				x, err := de.Dossiers.ExplainDeadline(de.dr.ClerkCtx(d), &pb.ExplainDeadlineRequest{DossierId: d.GetId(), Purpose: "test"})
				if err != nil {
					t.Fatal(err)
				}
				text := strings.Join(x.GetLines(), "\n")
				for _, want := range []string{"Tết Nguyên đán", "Legal deadline: Wed 25/02/2026 09:00", "statutory time 3 working days"} {
					if !strings.Contains(text, want) {
						t.Errorf("explanation lacks %q:\n%s", want, text)
					}
				}
				var skipped bool
				for _, s := range x.GetSegments() {
					if s.GetKind() == pb.DeadlineSegment_KIND_SKIPPED && s.GetFirstDate() <= "2026-02-16" && s.GetLastDate() >= "2026-02-20" {
						skipped = true
					}
				}
				if !skipped || x.GetStatutoryWorkingDuration().AsDuration() != 24*time.Hour {
					t.Fatalf("segments: %v", x.GetSegments())
				}
			})

			t.Run("a pause spanning holidays moves the deadlines by its working time", func(t *testing.T) {
				// Received Wed 29 Apr 09:00: Wed 6h30, Thu 30 Apr and Fri 1 May off,
				// weekend, Mon 4 May 8h, Tue 5 May 8h, Wed 6 May 1h30 → 09:00.
				d := de.intake(t, seed.ProcEnterprise, L(2026, 4, 29, 9, 0))
				wantTime(t, "due", d.GetDueTime(), L(2026, 5, 6, 9, 0))
				de.clock.Set(L(2026, 4, 29, 14, 0))
				d = de.dr.Must(domain.ActionRequestSupplement, d)
				// Paused Wed 14:00 → Mon 4 May 10:00: Wed 3h + Mon 2h30 = 5h30 of
				// working time; the holidays and the weekend do not count.
				de.clock.Set(L(2026, 5, 4, 10, 0))
				d = de.dr.Must(domain.ActionProvideSupplement, d)
				if d.GetPausedWorkingDuration().AsDuration() != 5*time.Hour+30*time.Minute {
					t.Fatalf("paused %v", d.GetPausedWorkingDuration().AsDuration())
				}
				// Wed 6 May 09:00 + 5h30 → 11:30 (2h30) then 13:00 + 3h → 16:00.
				wantTime(t, "due", d.GetDueTime(), L(2026, 5, 6, 16, 0))
				wantTime(t, "legal deadline", d.GetOriginalDueTime(), L(2026, 5, 6, 16, 0))
				x, err := de.Dossiers.ExplainDeadline(de.dr.ClerkCtx(d), &pb.ExplainDeadlineRequest{DossierId: d.GetId(), Purpose: "test"})
				if err != nil || len(x.GetPauses()) != 1 || x.GetPauses()[0].GetWorkingDuration().AsDuration() != 5*time.Hour+30*time.Minute {
					t.Fatalf("explained pauses: %v %v", x.GetPauses(), err)
				}
			})

			t.Run("a payment pause moves the step's deadline too", func(t *testing.T) {
				d := de.intake(t, seed.ProcEnterprise, L(2026, 3, 2, 9, 0)) // Mon; step 0 allotted 2 h → 11:00
				wantTime(t, "step due", d.GetCurrentStep().GetDueTime(), L(2026, 3, 2, 11, 0))
				de.clock.Set(L(2026, 3, 2, 10, 0))
				d = de.dr.Must(domain.ActionRequestPayment, d)
				de.clock.Set(L(2026, 3, 3, 10, 0)) // one working day later: 8 h paused
				d = de.dr.Must(domain.ActionConfirmPayment, d)
				wantTime(t, "step due", d.GetCurrentStep().GetDueTime(), L(2026, 3, 3, 11, 0))
				wantTime(t, "due", d.GetDueTime(), L(2026, 3, 6, 9, 0))
			})

			t.Run("an extension keeps the legal deadline: finishing after it is late", func(t *testing.T) {
				d := de.intake(t, seed.ProcEnterprise, L(2026, 3, 2, 9, 0)) // due Thu 5 Mar 09:00
				wantTime(t, "due", d.GetDueTime(), L(2026, 3, 5, 9, 0))
				de.clock.Set(L(2026, 3, 4, 15, 0))
				ext, err := de.Dossiers.ExtendDeadline(de.dr.ClerkCtx(d), &pb.ExtendDeadlineRequest{RequestId: "ext-1", DossierId: d.GetId(),
					ExpectedVersion: d.GetVersion(), Reason: "chờ xác minh của cơ quan thuế", NewDueTime: timestamppb.New(L(2026, 3, 9, 9, 0))})
				if err != nil {
					t.Fatal(err)
				}
				d = ext.GetDossier()
				wantTime(t, "appointment", d.GetDueTime(), L(2026, 3, 9, 9, 0))
				wantTime(t, "legal deadline", d.GetOriginalDueTime(), L(2026, 3, 5, 9, 0))
				de.clock.Set(L(2026, 3, 6, 10, 0)) // after the legal deadline, before the appointment
				d = de.dr.ForwardToLastStep(d)
				d = de.dr.Must(domain.ActionResolve, d)
				if d.GetTimeliness() != pb.Timeliness_TIMELINESS_LATE {
					t.Fatalf("timeliness %v, want LATE", d.GetTimeliness())
				}
				slip, err := de.Dossiers.GetProcessControlSlip(de.dr.ClerkCtx(d), &pb.GetProcessControlSlipRequest{DossierId: d.GetId(), Purpose: "test"})
				if err != nil {
					t.Fatal(err)
				}
				// Step 0 (2 h from Mon 09:00, due 11:00) was forwarded Fri 10:00: late
				// by Mon 0h30+4h, Tue–Thu 24h, Fri 2h30 = 31 h, attributed to the centre.
				r0 := slip.GetRows()[0]
				if r0.GetTimeliness() != pb.Timeliness_TIMELINESS_LATE || r0.GetUnitCode() != seed.OneStopCentre ||
					r0.GetLateBy().AsDuration() != 31*time.Hour {
					t.Fatalf("slip row 0: %v", r0)
				}
				x, _ := de.Dossiers.ExplainDeadline(de.dr.ClerkCtx(d), &pb.ExplainDeadlineRequest{DossierId: d.GetId(), Purpose: "test"})
				if len(x.GetExtensions()) != 1 || x.GetExtensions()[0].GetReason() != "chờ xác minh của cơ quan thuế" {
					t.Fatalf("extensions: %v", x.GetExtensions())
				}
			})
		})
	}
}

func TestOverdueLists(t *testing.T) {
	L := testenv.Local
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			de := newDeadlineEnv(t, kind)
			// Enterprise registrations (3 days) received Mon 2, Tue 3, Wed 4 Mar
			// at 09:00 are due Thu 5, Fri 6, Mon 9 Mar at 09:00.
			var ds []*pb.Dossier
			for day := 2; day <= 4; day++ {
				ds = append(ds, de.intake(t, seed.ProcEnterprise, L(2026, 3, day, 9, 0)))
			}
			// A paused dossier is never in a deadline list.
			de.dr.Must(domain.ActionRequestSupplement, de.intake(t, seed.ProcEnterprise, L(2026, 3, 2, 8, 0)))
			de.clock.Set(L(2026, 3, 6, 8, 0)) // Fri: the first is overdue
			clerk := de.dr.ClerkCtx(ds[0])
			list := func(req *pb.ListDossiersRequest) []string {
				req.Purpose, req.AgencyCode = "overdue review", seed.OneStopCentre
				resp, err := de.Dossiers.ListDossiers(clerk, req)
				if err != nil {
					t.Fatal(err)
				}
				var codes []string
				for _, d := range resp.GetDossiers() {
					codes = append(codes, d.GetCode())
				}
				return codes
			}
			if got := list(&pb.ListDossiersRequest{Overdue: true}); len(got) != 1 || got[0] != ds[0].GetCode() {
				t.Fatalf("overdue: %v", got)
			}
			// Running and not overdue: the two others, never the paused one.
			if got := list(&pb.ListDossiersRequest{NotOverdue: true}); len(got) != 2 || slices.Contains(got, ds[0].GetCode()) {
				t.Fatalf("not overdue: %v", got)
			}
			// Within 8 working hours of Fri 08:00 (until Mon 08:00):
			// the overdue one and the one due Fri 09:00, earliest first.
			if got := list(&pb.ListDossiersRequest{DueWithinWorkingHours: 8}); len(got) != 2 || got[0] != ds[0].GetCode() || got[1] != ds[1].GetCode() {
				t.Fatalf("due within 8 h: %v", got)
			}
			// 10 working hours reach Mon 09:30: all three running ones; the paused one never.
			if got := list(&pb.ListDossiersRequest{DueWithinWorkingHours: 10, PageSize: 2}); len(got) != 2 {
				t.Fatalf("first page: %v", got)
			}
			var all []string
			for tok := ""; ; {
				resp, err := de.Dossiers.ListDossiers(clerk, &pb.ListDossiersRequest{DueWithinWorkingHours: 10, PageSize: 2, PageToken: tok,
					Purpose: "overdue review", AgencyCode: seed.OneStopCentre})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range resp.GetDossiers() {
					all = append(all, d.GetCode())
					if d.GetTimeliness() == pb.Timeliness_TIMELINESS_PAUSED {
						t.Fatalf("paused dossier listed: %s", d.GetCode())
					}
				}
				if tok = resp.GetNextPageToken(); tok == "" {
					break
				}
			}
			if len(all) != 3 || all[2] != ds[2].GetCode() {
				t.Fatalf("due within 10 h, paged: %v", all)
			}
		})
	}
}
