package simulate

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

func TestPaths(t *testing.T) {
	for _, c := range []struct {
		p                                  Path
		online, applicantOnline, selfServe bool
	}{
		{PathCounter, false, false, false},
		{PathPostal, false, false, false},
		{PathCitizen, true, true, true},
		{PathRepresentative, true, true, true},
		{PathPortal, true, true, true},
		{PathStaffOnBehalf, true, false, false},
		{PathHelper, true, false, true},
	} {
		if c.p.Online() != c.online || c.p.ApplicantOnline() != c.applicantOnline || c.p.SelfService() != c.selfServe {
			t.Errorf("%s: online %v, applicant online %v, self-service %v", c.p, c.p.Online(), c.p.ApplicantOnline(), c.p.SelfService())
		}
	}
	if Path(42).String() != "path?" {
		t.Error(Path(42).String())
	}
}

// The generated people pass the domain's own identity-number checks.
func TestPeopleAreValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := range 2000 {
		for _, id := range []string{CitizenID(r), NumberedCitizenID(r, i)} {
			if why := domain.ValidateIDNumber(domain.ApplicantCitizen, id); why != "" {
				t.Fatalf("%s: %s", id, why)
			}
		}
		if id := NumberedCitizenID(r, i); seen[id[6:]] {
			t.Fatalf("serial of %s repeated", id)
		} else {
			seen[id[6:]] = true
		}
		if tc := TaxCode(r); domain.ValidateIDNumber(domain.ApplicantEnterprise, tc) != "" || tc[0] != '3' {
			t.Fatalf("tax code %s", tc)
		}
		if n := strings.Fields(PersonName(r)); len(n) < 3 {
			t.Fatalf("name %q", n)
		}
	}
	if got := CitizenNumber("001", 1990, false, 42); got != "001090000042" {
		t.Errorf("1990 man: %s", got)
	}
	if got := CitizenNumber("080", 2003, true, 7); got != "080303000007" {
		t.Errorf("2003 woman: %s", got)
	}
}

// The same stream draws the same people: seeds stay reproducible.
func TestPeopleAreDeterministic(t *testing.T) {
	draw := func() string {
		r := rand.New(rand.NewPCG(9, 9))
		return PersonName(r) + CitizenID(r) + NumberedCitizenID(r, 3) + TaxCode(r) + FirmName(r)
	}
	if a, b := draw(), draw(); a != b {
		t.Fatalf("%s != %s", a, b)
	}
}

// Every actor the simulation picks, for every action, every preferred seat
// and every step role, is one policy admits on a dossier at that step.
func TestActorsArePolicys(t *testing.T) {
	seats := []policy.Seat{policy.SeatAnywhere, policy.SeatReceivingAgency, policy.SeatStepUnit}
	d := &domain.Dossier{AgencyCode: "A", Step: domain.Step{Index: 1, UnitCode: "U"}}
	for _, a := range domain.Actions {
		for _, stepRole := range []domain.Role{domain.RoleClerk, domain.RoleSpecialist, domain.RoleLeader} {
			for _, prefer := range append([][]policy.Seat{nil}, [][]policy.Seat{{seats[0]}, {seats[1]}, {seats[2]}}...) {
				act := ActorFor(a, stepRole, prefer...)
				p := domain.Principal{Subject: "x", Role: act.Role}
				switch act.Seat {
				case policy.SeatReceivingAgency:
					p.AgencyCode = d.AgencyCode
				case policy.SeatStepUnit:
					p.AgencyCode = d.Step.UnitCode
				default:
					p.Role = act.Roles[0] // the caller picks among the applicant side
				}
				if err := policy.CanAct(p, a, d, stepRole); err != nil {
					t.Errorf("%s (step role %s, prefer %v): %+v: %v", a, stepRole, prefer, act, err)
				}
				if len(prefer) == 1 && act.Seat != prefer[0] {
					for _, g := range policy.Grants(a) {
						if g.Seat == prefer[0] {
							t.Errorf("%s: preferred %v is granted but %v was chosen", a, prefer[0], act.Seat)
						}
					}
				}
			}
		}
	}
	// The ordinary actor is the first grant: the clerk receives, the step's
	// official forwards.
	if act := ActorFor(domain.ActionReceive, 0); act.Seat != policy.SeatReceivingAgency || act.Role != domain.RoleClerk {
		t.Errorf("receive: %+v", act)
	}
	if act := ActorFor(domain.ActionForward, domain.RoleSpecialist); act.Seat != policy.SeatStepUnit || act.Role != domain.RoleSpecialist {
		t.Errorf("forward: %+v", act)
	}
}

func TestStaffSubject(t *testing.T) {
	if got := StaffSubject(domain.RoleClerk, 3, "X"); got != "clerk-03@X" {
		t.Error(got)
	}
	if got := StaffSubject(domain.RoleLeader, 0, "U"); got != "leader@U" {
		t.Error(got)
	}
}
