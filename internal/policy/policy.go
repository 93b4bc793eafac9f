// Package policy decides who may do what: which roles may call each action,
// which dossiers a principal may see, and the scope list queries are
// filtered by in SQL. It is pure: callers load the facts, policy judges them.
package policy

import (
	"fmt"
	"slices"

	"github.com/motcua/motcua/internal/domain"
)

var (
	applicantSide = []domain.Role{domain.RoleCitizen, domain.RoleRepresentative, domain.RoleIntegration}
	staffReaders  = []domain.Role{domain.RoleClerk, domain.RoleSpecialist, domain.RoleLeader, domain.RoleAuditor}
)

// Where a staff member must belong for a grant to apply.
type where int

const (
	anywhere        where = iota // applicant-side principals: identity is checked by attribution
	receivingAgency              // the agency that received the dossier
	stepUnit                     // the unit of the dossier's current workflow step
)

type grant struct {
	roles []domain.Role
	at    where
}

var (
	clerk       = []domain.Role{domain.RoleClerk}
	stepStaff   = []domain.Role{domain.RoleClerk, domain.RoleSpecialist, domain.RoleLeader}
	leaders     = []domain.Role{domain.RoleLeader}
	clerkLeader = []domain.Role{domain.RoleClerk, domain.RoleLeader}
	// A portal or payment gateway confirms payments and online returns for
	// the citizen it acts for.
	payers = []domain.Role{domain.RoleIntegration}
)

// grants lists, for each lifecycle action, who may take it and where they
// must belong. The table is printed in docs/security.md.
var grants = map[domain.Action][]grant{
	domain.ActionSubmit: {{append(slices.Clone(applicantSide), domain.RoleCommunityHelper), anywhere},
		{clerk, receivingAgency}},
	domain.ActionReceive:           {{clerk, receivingAgency}},
	domain.ActionNotAccept:         {{clerk, receivingAgency}},
	domain.ActionRequestSupplement: {{clerk, receivingAgency}, {stepStaff, stepUnit}},
	domain.ActionProvideSupplement: {{applicantSide, anywhere}, {clerk, receivingAgency}},
	domain.ActionRequestPayment:    {{clerk, receivingAgency}, {stepStaff, stepUnit}},
	domain.ActionConfirmPayment:    {{clerk, receivingAgency}, {payers, anywhere}},
	domain.ActionForward:           {{stepStaff, stepUnit}},
	domain.ActionExtend:            {{clerkLeader, receivingAgency}, {leaders, stepUnit}},
	domain.ActionWithdraw:          {{applicantSide, anywhere}, {clerk, receivingAgency}},
	domain.ActionStop:              {{clerkLeader, receivingAgency}, {leaders, stepUnit}},
	domain.ActionResolve:           {{stepStaff, stepUnit}, {clerkLeader, receivingAgency}},
	domain.ActionReturn:            {{clerk, receivingAgency}, {payers, anywhere}},
}

// RequireRole fails with ErrPermissionDenied unless p has one of roles.
func RequireRole(p domain.Principal, roles ...domain.Role) error {
	if slices.Contains(roles, p.Role) {
		return nil
	}
	return fmt.Errorf("%w: role %s may not do this", domain.ErrPermissionDenied, p.Role)
}

// RequireAction fails with ErrPermissionDenied unless some grant of a names
// p's role (where p must belong is checked by CanAct).
func RequireAction(p domain.Principal, a domain.Action) error {
	for _, g := range grants[a] {
		if slices.Contains(g.roles, p.Role) {
			return nil
		}
	}
	return fmt.Errorf("%w: role %s may not %s a dossier", domain.ErrPermissionDenied, p.Role, a)
}

// ActionRoles lists every role some grant of a names.
func ActionRoles(a domain.Action) []domain.Role {
	var out []domain.Role
	for _, g := range grants[a] {
		for _, r := range g.roles {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// CanAct fails with ErrPermissionDenied unless a grant of a applies to p on
// d: the role matches and a staff member belongs to the receiving agency or
// the current step's unit as the grant requires. For the step unit, the role
// must also be the step's role, or a leader of that unit.
func CanAct(p domain.Principal, a domain.Action, d *domain.Dossier, stepRole domain.Role) error {
	for _, g := range grants[a] {
		if !slices.Contains(g.roles, p.Role) {
			continue
		}
		switch g.at {
		case anywhere:
			return nil
		case receivingAgency:
			if p.AgencyCode == d.AgencyCode {
				return nil
			}
		case stepUnit:
			if d.Step.Index >= 0 && p.AgencyCode == d.Step.UnitCode && (p.Role == stepRole || p.Role == domain.RoleLeader) {
				return nil
			}
		}
	}
	where := "its receiving agency " + d.AgencyCode
	if d.Step.Index >= 0 {
		where += " or its current step's unit " + d.Step.UnitCode
	}
	return fmt.Errorf("%w: %s %s (of %q) may not %s this dossier; it belongs to %s",
		domain.ErrPermissionDenied, p.Role, p.Subject, p.AgencyCode, a, where)
}

// ApplicantSide reports whether p acts as (or for) an applicant.
func ApplicantSide(p domain.Principal) bool { return slices.Contains(applicantSide, p.Role) }

// Scope is the set of dossiers a principal may see; list queries apply it
// in SQL. Exactly one kind of scope is set; the zero Scope sees nothing.
type Scope struct {
	// CitizenID: dossiers whose applicant or representative has this id.
	CitizenID string
	// AgencyCodes: dossiers received at, or currently at a step of, one of
	// these agencies.
	AgencyCodes []string
}

// Empty reports whether the scope admits nothing.
func (s Scope) Empty() bool { return s.CitizenID == "" && len(s.AgencyCodes) == 0 }

// ReadScope returns the dossiers p may read. subtree is p's agency and every
// agency below it (auditors read their whole jurisdiction; other staff only
// their own agency).
func ReadScope(p domain.Principal, subtree []string) Scope {
	switch {
	case ApplicantSide(p):
		return Scope{CitizenID: p.CitizenID}
	case p.Role == domain.RoleAuditor:
		return Scope{AgencyCodes: subtree}
	case slices.Contains(staffReaders, p.Role) && p.AgencyCode != "":
		return Scope{AgencyCodes: []string{p.AgencyCode}}
	}
	return Scope{}
}

// Admits reports whether d is inside the scope.
func (s Scope) Admits(d *domain.Dossier) bool {
	if s.CitizenID != "" {
		return d.Applicant.IDNumber == s.CitizenID ||
			(d.Representative != nil && d.Representative.IDNumber == s.CitizenID)
	}
	return slices.Contains(s.AgencyCodes, d.AgencyCode) ||
		(d.Step.UnitCode != "" && slices.Contains(s.AgencyCodes, d.Step.UnitCode))
}

// NeedsPurpose reports whether p must state why it reads dossiers (staff
// reads are logged with their purpose).
func NeedsPurpose(p domain.Principal) bool { return p.Role.Staff() }

// MayReplayFeed reports whether p may follow the event feed from its
// beginning over its whole read scope: the applicant side (their own
// dossiers' history) and auditors (looking back is their work). Other staff
// start from now or from a cursor they were given — or replay one dossier —
// so that a clerk's stream does not walk, and log a read of, every dossier
// their agency ever had. It bounds cost and noise, not confidentiality: the
// read scope applies to every event whatever the start.
func MayReplayFeed(p domain.Principal) bool {
	return ApplicantSide(p) || p.Role == domain.RoleAuditor
}
