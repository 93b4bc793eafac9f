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

// actionRoles lists, for each lifecycle action, the roles that may take it.
// Whether the dossier is theirs to act on is decided by CanAct.
var actionRoles = map[domain.Action][]domain.Role{
	domain.ActionSubmit:  append(slices.Clone(applicantSide), domain.RoleCommunityHelper, domain.RoleClerk),
	domain.ActionReceive: {domain.RoleClerk},
}

// RequireRole fails with ErrPermissionDenied unless p has one of roles.
func RequireRole(p domain.Principal, roles ...domain.Role) error {
	if slices.Contains(roles, p.Role) {
		return nil
	}
	return fmt.Errorf("%w: role %s may not do this", domain.ErrPermissionDenied, p.Role)
}

// RequireAction fails with ErrPermissionDenied unless p's role may take a.
func RequireAction(p domain.Principal, a domain.Action) error {
	if slices.Contains(actionRoles[a], p.Role) {
		return nil
	}
	return fmt.Errorf("%w: role %s may not %s a dossier", domain.ErrPermissionDenied, p.Role, a)
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
