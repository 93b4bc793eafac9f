package simulate

import (
	"fmt"
	"slices"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// Actor is who takes a lifecycle action in the simulated office: one of
// policy's grants for it, and the role taken at its seat.
type Actor struct {
	Seat policy.Seat
	// Role is the role taken: at the receiving agency the grant's first
	// role (a clerk), at the step's unit the step's role when the grant
	// admits it (else the grant's first role, a leader). At SeatAnywhere
	// it is zero: the caller knows which applicant-side principal acts.
	Role domain.Role
	// Roles are the grant's roles.
	Roles []domain.Role
}

// Admits reports whether the chosen grant names role r.
func (a Actor) Admits(r domain.Role) bool { return slices.Contains(a.Roles, r) }

// ActorFor chooses who takes action a from policy's grants for it: the
// first grant whose seat is the first of prefer that some grant has, else
// a's first grant, the office's ordinary actor. stepRole is the role of
// the dossier's current workflow step (zero before the workflow). An
// action policy grants to nobody panics: asking for it is a bug in the
// simulation.
func ActorFor(a domain.Action, stepRole domain.Role, prefer ...policy.Seat) Actor {
	grants := policy.Grants(a)
	if len(grants) == 0 {
		panic(fmt.Sprintf("simulate: policy grants %s to nobody", a))
	}
	g := grants[0]
pick:
	for _, seat := range prefer {
		for _, c := range grants {
			if c.Seat == seat {
				g = c
				break pick
			}
		}
	}
	act := Actor{Seat: g.Seat, Roles: g.Roles}
	switch {
	case g.Seat == policy.SeatAnywhere:
	case g.Seat == policy.SeatStepUnit && slices.Contains(g.Roles, stepRole):
		act.Role = stepRole
	default:
		act.Role = g.Roles[0]
	}
	return act
}

// StaffSubject names the k-th official of role at agency, "clerk-03@X";
// k = 0 names the only one, "clerk@X".
func StaffSubject(role domain.Role, k int, agency string) string {
	if k == 0 {
		return fmt.Sprintf("%s@%s", role, agency)
	}
	return fmt.Sprintf("%s-%02d@%s", role, k, agency)
}
