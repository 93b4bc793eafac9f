package domain

// Principal is the verified caller of an RPC, built from its credentials.
type Principal struct {
	Subject string // the token's subject
	// Issuer is the token's issuer; with Role's Kind and Subject it makes
	// the principal's identity (Key).
	Issuer string
	Role   Role
	Name   string
	// AgencyCode is a staff member's agency.
	AgencyCode string
	// CitizenID is the citizen identity number of a citizen or representative,
	// or of the citizen an integration acts for.
	CitizenID string
	Assurance Assurance
	// MandateRef is a representative's mandate reference.
	MandateRef string
	// SourceSystem names the integration that relayed the call.
	SourceSystem  string
	ClientAddress string
}

// Attribute derives the attribution of an action from the principal. channel
// is how the step reached the office; applicant and rep are the dossier's.
// It fails with ErrPermissionDenied when the principal cannot perform the
// applicant's step (a citizen acting for someone who did not mandate them).
func Attribute(p Principal, a Action, channel Channel, applicant Applicant, rep *Representative) (Attribution, error) {
	at := Attribution{
		Channel:       channel,
		ActorID:       p.Subject,
		ActorRole:     p.Role,
		ActorAgency:   p.AgencyCode,
		Assurance:     p.Assurance,
		SourceSystem:  p.SourceSystem,
		ClientAddress: p.ClientAddress,
	}
	if at.Assurance == 0 {
		at.Assurance = AssuranceNone
	}
	switch p.Role {
	case RoleCitizen, RoleRepresentative, RoleIntegration:
		switch {
		case p.CitizenID != "" && p.CitizenID == applicant.IDNumber && p.Role != RoleRepresentative:
			at.ActorKind = ActorCitizen
		case rep != nil && p.CitizenID != "" && p.CitizenID == rep.IDNumber &&
			(p.Role != RoleRepresentative || p.MandateRef == rep.MandateRef):
			// A representative's token names its mandate: it must be the
			// one on the dossier.
			at.ActorKind = ActorRepresentative
			at.MandateRef = rep.MandateRef
			at.OnBehalfOf = applicant.IDNumber
		default:
			return Attribution{}, ErrPermissionDenied
		}
	case RoleCommunityHelper:
		if !a.ApplicantStep() {
			return Attribution{}, ErrPermissionDenied
		}
		at.ActorKind = ActorCommunityHelper
		at.OnBehalfOf = applicant.IDNumber
	case RoleSystem:
		at.ActorKind = ActorSystem
	default:
		at.ActorKind = ActorStaff
		if a.ApplicantStep() && channel == ChannelOnline {
			// An official doing the applicant's online step: "nộp hộ".
			at.ActorKind = ActorStaffOnBehalf
			at.OnBehalfOf = applicant.IDNumber
		}
	}
	return at, nil
}
