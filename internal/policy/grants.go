package policy

import (
	"slices"

	"github.com/motcua/motcua/internal/domain"
)

// Seat is where an actor of a grant must sit for the grant to apply.
type Seat int8

const (
	// SeatAnywhere: an applicant-side principal (or a community helper),
	// wherever it is; identity is checked by attribution.
	SeatAnywhere Seat = Seat(anywhere)
	// SeatReceivingAgency: staff of the agency that received the dossier.
	SeatReceivingAgency Seat = Seat(receivingAgency)
	// SeatStepUnit: staff of the current step's unit with the step's role
	// (or a leader of that unit).
	SeatStepUnit Seat = Seat(stepUnit)
)

// Grant is one way to be allowed a lifecycle action: one of Roles, sitting
// at Seat.
type Grant struct {
	Roles []domain.Role
	Seat  Seat
}

// Grants lists who may take action a, in the order of the grants table:
// the first grant is the one the office ordinarily uses, the others may
// stand in. The slices are copies; changing them changes nothing here.
// Simulators and test drivers pick their actors from it, so that they
// follow the policy instead of restating it.
func Grants(a domain.Action) []Grant {
	out := make([]Grant, 0, len(grants[a]))
	for _, g := range grants[a] {
		out = append(out, Grant{Roles: slices.Clone(g.roles), Seat: Seat(g.at)})
	}
	return out
}
