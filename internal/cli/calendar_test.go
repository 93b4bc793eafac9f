package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

func TestCalendarSetAndGet(t *testing.T) {
	c := newCLI(t)
	admin := c.token(testenv.Admin)
	clerk := c.token(testenv.Clerk)

	// Before any decision, the legal defaults.
	r := c.ok(clerk, "calendar", "get", "--year", "2031")
	contains(t, "default calendar", r.out, "2031", "(national)", "the legal defaults", "Tết Nguyên đán", "Quốc khánh")

	// The national list from --day flags and a CSV file.
	file := filepath.Join(t.TempDir(), "days.csv")
	csv := "date,kind,name\n# Quốc khánh\n2031-09-01,off,Quốc khánh\n2031-09-02,off,\"Quốc khánh, ngày 2\"\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.ok(admin, "calendar", "set", "--year", "2031", "--day", "2031-01-22=off:Tết Nguyên đán",
		"--day", "2031-01-25=work:Làm bù", "--file", file)
	contains(t, "set", r.out, "as decided", "2031-01-22  Wed      off   Tết Nguyên đán", "2031-01-25  Sat      work  Làm bù",
		"Quốc khánh, ngày 2", "national")
	contains(t, "set stderr", r.err, "request id cli-")
	if strings.Contains(r.out, "Giỗ Tổ") {
		t.Errorf("the decided list should replace the defaults:\n%s", r.out)
	}

	// A local day of the one-stop centre, read with its working hours.
	c.ok(admin, "calendar", "set", "--year", "2031", "--agency", seed.OneStopCentre, "--day", "2031-10-01=off:Ngày thành lập tỉnh")
	r = c.ok(clerk, "calendar", "get", "--year", "2031", "--agency", seed.OneStopCentre)
	contains(t, "agency calendar", r.out, seed.OneStopCentre, "07:30–11:30, 13:00–17:00", "Asia/Ho_Chi_Minh",
		"Ngày thành lập tỉnh  local", "Làm bù")
	r = c.ok(clerk, "calendar", "get", "--year", "2031", "--agency", seed.OneStopCentre, "-o", "json")
	var got pb.GetCalendarYearResponse
	unmarshal(t, r.out, &got)
	if !got.GetNationalDecided() || len(got.GetNationalDays()) != 4 || len(got.GetLocalDays()) != 1 {
		t.Errorf("calendar json: decided=%v national=%d local=%d", got.GetNationalDecided(), len(got.GetNationalDays()), len(got.GetLocalDays()))
	}
	// --clear empties the agency's local list.
	r = c.ok(admin, "calendar", "set", "--year", "2031", "--agency", seed.OneStopCentre, "--clear", "-o", "json")
	var cleared pb.SetCalendarYearResponse
	unmarshal(t, r.out, &cleared)
	if n := len(cleared.GetCalendar().GetLocalDays()); n != 0 {
		t.Errorf("%d local days after --clear", n)
	}

	// Only an admin sets calendars; a date outside the year is a field violation.
	c.fail(1, clerk, []string{"calendar", "set", "--year", "2031", "--day", "2031-01-22=off:Tết"},
		"error: PERMISSION_DENIED", "admin token")
	c.fail(1, admin, []string{"calendar", "set", "--year", "2031", "--day", "2030-01-22=off:Tết"},
		"error: INVALID_ARGUMENT", `field days[0].date: "2030-01-22" is not a date of 2031`)
	// Flag misuse.
	c.fail(2, admin, []string{"calendar", "set", "--year", "2031"}, "needs --day or --file")
	c.fail(2, admin, []string{"calendar", "set", "--day", "2031-01-22=off:Tết"}, "needs --year")
	c.fail(2, admin, []string{"calendar", "set", "--year", "2031", "--day", "2031-01-22=holiday"}, "want DATE=off:NAME")
	c.fail(2, admin, []string{"calendar", "set", "--year", "2031", "--file", filepath.Join(t.TempDir(), "missing.csv")}, "--file")
}
