package domain

import "strings"

// Kind is the family of principals a role belongs to. Two principals with
// the same issuer and subject but different kinds are different people (a
// citizen whose VNeID subject happens to equal a clerk's account name is not
// that clerk); roles of one kind are one person's (a clerk promoted to
// leader keeps their access log and their request ids).
type Kind string

// The kinds of principal.
const (
	KindApplicant   Kind = "applicant"   // citizen, representative: a person logged in as themselves
	KindHelper      Kind = "helper"      // community helper
	KindStaff       Kind = "staff"       // clerk, specialist, leader, auditor, admin
	KindIntegration Kind = "integration" // a portal or payment platform (a client, not a person)
	KindSystem      Kind = "system"
)

// Kind returns the family r belongs to.
func (r Role) Kind() Kind {
	switch {
	case r == RoleCitizen || r == RoleRepresentative:
		return KindApplicant
	case r == RoleCommunityHelper:
		return KindHelper
	case r.Staff():
		return KindStaff
	case r == RoleIntegration:
		return KindIntegration
	}
	return KindSystem
}

// IdentityKey is the stable identity of a principal: issuer, kind and
// subject, "<issuer>|<kind>|<subject>". The issuer is escaped ("%" and "|"
// percent-encoded) and the kind never holds "|", so the subject is
// everything after the second "|" and no two (issuer, kind, subject)
// triples share a key.
func IdentityKey(issuer string, r Role, subject string) string {
	iss := strings.NewReplacer("%", "%25", "|", "%7C").Replace(issuer)
	return iss + "|" + string(r.Kind()) + "|" + subject
}

// Key is p's stable identity (IdentityKey): what every record that belongs
// to a principal is keyed by — its idempotency records, its own access log,
// its proxy-filing signal. The subject alone is never a key: it is unique
// only within one issuer and one kind of account.
func (p Principal) Key() string { return IdentityKey(p.Issuer, p.Role, p.Subject) }
