// Package lifecycle is the dossier state machine: which action each status
// allows and the status it leads to. It is pure data and functions; the
// table is documented in docs/lifecycle.md and tested exhaustively.
package lifecycle

import (
	"fmt"

	"github.com/motcua/motcua/internal/domain"
)

// Creation is the pseudo-status of a dossier that does not exist yet.
const Creation domain.Status = 0

// resumed marks a transition back to the status held before a pause.
const resumed domain.Status = -1

// transitions[from][action] = to.
var transitions = map[domain.Status]map[domain.Action]domain.Status{
	Creation: {
		domain.ActionSubmit:  domain.StatusSubmitted, // online filing
		domain.ActionReceive: domain.StatusReceived,  // counter or postal intake
	},
	domain.StatusSubmitted: {
		domain.ActionReceive:           domain.StatusReceived,
		domain.ActionNotAccept:         domain.StatusNotAccepted,
		domain.ActionRequestSupplement: domain.StatusAwaitingSupplement,
		domain.ActionWithdraw:          domain.StatusWithdrawn,
	},
	domain.StatusReceived: {
		domain.ActionRequestSupplement: domain.StatusAwaitingSupplement,
		domain.ActionRequestPayment:    domain.StatusAwaitingPayment,
		domain.ActionForward:           domain.StatusProcessing,
		domain.ActionExtend:            domain.StatusReceived,
		domain.ActionWithdraw:          domain.StatusWithdrawn,
		domain.ActionStop:              domain.StatusStopped,
		domain.ActionResolve:           domain.StatusResolved,
	},
	domain.StatusProcessing: {
		domain.ActionRequestSupplement: domain.StatusAwaitingSupplement,
		domain.ActionRequestPayment:    domain.StatusAwaitingPayment,
		domain.ActionForward:           domain.StatusProcessing,
		domain.ActionExtend:            domain.StatusProcessing,
		domain.ActionWithdraw:          domain.StatusWithdrawn,
		domain.ActionStop:              domain.StatusStopped,
		domain.ActionResolve:           domain.StatusResolved,
	},
	domain.StatusAwaitingSupplement: {
		domain.ActionProvideSupplement: resumed,
		domain.ActionWithdraw:          domain.StatusWithdrawn,
		domain.ActionStop:              domain.StatusStopped,
	},
	domain.StatusAwaitingPayment: {
		domain.ActionConfirmPayment: resumed,
		domain.ActionWithdraw:       domain.StatusWithdrawn,
		domain.ActionStop:           domain.StatusStopped,
	},
	domain.StatusResolved: {
		domain.ActionReturn: domain.StatusReturned,
	},
	// NOT_ACCEPTED, WITHDRAWN, STOPPED and RETURNED are terminal.
}

// Next returns the status an action leads to from status from. resumeTo is
// the status held before the current pause (used when the action resumes).
// It returns a *domain.PreconditionError with reason
// ACTION_NOT_ALLOWED_IN_STATUS when the table has no such transition.
func Next(from domain.Status, a domain.Action, resumeTo domain.Status) (domain.Status, error) {
	to, ok := transitions[from][a]
	if !ok {
		return 0, NotAllowed(from, a)
	}
	if to == resumed {
		return resumeTo, nil
	}
	return to, nil
}

// Allowed reports whether the table allows a from status.
func Allowed(from domain.Status, a domain.Action) bool {
	_, ok := transitions[from][a]
	return ok
}

// NotAllowed is the error for an action the status does not allow.
func NotAllowed(from domain.Status, a domain.Action) error {
	desc := fmt.Sprintf("%s is not allowed on a dossier in status %s", a, from)
	if from == Creation {
		desc = fmt.Sprintf("%s cannot create a dossier", a)
	}
	return &domain.PreconditionError{
		Reason:      "ACTION_NOT_ALLOWED_IN_STATUS",
		Subject:     "status/" + from.String(),
		Description: desc,
		Metadata:    map[string]string{"status": from.String(), "action": a.String()},
	}
}
