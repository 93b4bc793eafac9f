package policy

import (
	"slices"

	"github.com/motcua/motcua/internal/domain"
)

// The role sets of the non-lifecycle features. The per-method gate
// (service.MethodRoles) and the use-case checks (app) both read these, so a
// role added here is added to both; each function returns a fresh slice.
var (
	everyone = []domain.Role{domain.RoleCitizen, domain.RoleRepresentative, domain.RoleCommunityHelper, domain.RoleClerk,
		domain.RoleSpecialist, domain.RoleLeader, domain.RoleAuditor, domain.RoleIntegration, domain.RoleAdmin, domain.RoleSystem}
	admins    = []domain.Role{domain.RoleAdmin}
	auditors  = []domain.Role{domain.RoleAuditor, domain.RoleAdmin}
	reporters = []domain.Role{domain.RoleAuditor, domain.RoleLeader, domain.RoleAdmin}
	readers   = append(slices.Clone(applicantSide), staffReaders...)
)

// Everyone is every role: public reads of the catalog and calendars.
func Everyone() []domain.Role { return slices.Clone(everyone) }

// Admins may change the catalog and the calendars.
func Admins() []domain.Role { return slices.Clone(admins) }

// Auditors may verify audit chains and read the audit signals.
func Auditors() []domain.Role { return slices.Clone(auditors) }

// Reporters may read indicators (which scope: see app's indicator scope).
func Reporters() []domain.Role { return slices.Clone(reporters) }

// Readers may read dossiers (which ones: ReadScope).
func Readers() []domain.Role { return slices.Clone(readers) }

// Uploaders may send files (DocumentService uploads): whoever files,
// takes in, supplements or resolves a dossier, since those are the actions
// that reference files.
func Uploaders() []domain.Role {
	var out []domain.Role
	for _, a := range []domain.Action{domain.ActionSubmit, domain.ActionReceive, domain.ActionProvideSupplement, domain.ActionResolve} {
		for _, r := range ActionRoles(a) {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// Reusers may list an applicant's reusable documents
// (ListReusableDocuments): those who reference documents in a dossier's
// components — file, take in, supplement — and may read dossiers, since
// the list is made of dossiers they read (which ones: ReadScope).
func Reusers() []domain.Role {
	var out []domain.Role
	for _, a := range []domain.Action{domain.ActionSubmit, domain.ActionReceive, domain.ActionProvideSupplement} {
		for _, r := range ActionRoles(a) {
			if slices.Contains(readers, r) && !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// WebhookManagers may manage webhook subscriptions: admins all of them,
// integrations those they created (internal/webhooks).
func WebhookManagers() []domain.Role { return []domain.Role{domain.RoleIntegration, domain.RoleAdmin} }
