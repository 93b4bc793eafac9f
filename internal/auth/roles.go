package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/motcua/motcua/internal/domain"
)

// TokenRoles are the roles a token may carry: the documented set of
// docs/security.md. domain.RoleSystem is not one of them: it names the
// server's own automatic steps, which no caller may claim; a token that
// names it, or any role outside this list, is not a credential of this
// service and is refused as UNAUTHENTICATED, like any other claim that does
// not fit.
var TokenRoles = []domain.Role{domain.RoleCitizen, domain.RoleRepresentative, domain.RoleCommunityHelper,
	domain.RoleClerk, domain.RoleSpecialist, domain.RoleLeader, domain.RoleAuditor, domain.RoleIntegration,
	domain.RoleAdmin}

// ParseTokenRole reads the role claim of a token ("clerk"), accepting only
// TokenRoles.
func ParseTokenRole(s string) (domain.Role, error) {
	r, err := domain.ParseRole(s)
	if err != nil || !slices.Contains(TokenRoles, r) {
		return 0, fmt.Errorf("role %q is not one a token may carry (%s)", s, tokenRoleNames())
	}
	return r, nil
}

func tokenRoleNames() string {
	names := make([]string, len(TokenRoles))
	for i, r := range TokenRoles {
		names[i] = r.String()
	}
	return strings.Join(names, ", ")
}

// checkClaimText refuses claims that are not storable text (they become
// attribution fields of events) and a blank subject.
func checkClaimText(p domain.Principal) error {
	if strings.TrimSpace(p.Subject) == "" {
		return fmt.Errorf("claim %q is blank", "sub")
	}
	for name, v := range map[string]string{"sub": p.Subject, ClaimName: p.Name, ClaimAgency: p.AgencyCode,
		ClaimCitizenID: p.CitizenID, ClaimMandateRef: p.MandateRef, "iss/sub": p.SourceSystem} {
		if _, desc := domain.TextProblem(v); desc != "" {
			return fmt.Errorf("claim %q %s", name, desc)
		}
	}
	return nil
}
