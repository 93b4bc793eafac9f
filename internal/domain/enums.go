package domain

import "fmt"

// Status is a dossier's state; the numbers are the national portal's
// TrangThaiHoSo codes.
type Status int

const (
	StatusSubmitted          Status = 1  // filed online, not yet accepted
	StatusReceived           Status = 2  // accepted; receipt and appointment issued
	StatusNotAccepted        Status = 3  // refused at intake (terminal)
	StatusProcessing         Status = 4  // in a workflow step
	StatusAwaitingSupplement Status = 5  // applicant must complete documents (clock paused)
	StatusAwaitingPayment    Status = 6  // financial obligation pending (clock paused)
	StatusWithdrawn          Status = 7  // withdrawn by the applicant (terminal)
	StatusStopped            Status = 8  // processing stopped with notice (terminal)
	StatusResolved           Status = 9  // result ready at the one-stop unit
	StatusReturned           Status = 10 // result handed over (terminal)
)

// Statuses lists every status in code order.
var Statuses = []Status{
	StatusSubmitted, StatusReceived, StatusNotAccepted, StatusProcessing,
	StatusAwaitingSupplement, StatusAwaitingPayment, StatusWithdrawn,
	StatusStopped, StatusResolved, StatusReturned,
}

var statusNames = map[Status]string{
	StatusSubmitted: "SUBMITTED", StatusReceived: "RECEIVED", StatusNotAccepted: "NOT_ACCEPTED",
	StatusProcessing: "PROCESSING", StatusAwaitingSupplement: "AWAITING_SUPPLEMENT",
	StatusAwaitingPayment: "AWAITING_PAYMENT", StatusWithdrawn: "WITHDRAWN", StatusStopped: "STOPPED",
	StatusResolved: "RESOLVED", StatusReturned: "RETURNED",
}

func (s Status) String() string { return nameOf(statusNames, s) }

// Valid reports whether s is one of the ten portal codes.
func (s Status) Valid() bool { _, ok := statusNames[s]; return ok }

// Terminal reports whether no further action can change the dossier.
func (s Status) Terminal() bool {
	return s == StatusNotAccepted || s == StatusWithdrawn || s == StatusStopped || s == StatusReturned
}

// Paused reports whether the legal clock is stopped waiting for the applicant.
func (s Status) Paused() bool { return s == StatusAwaitingSupplement || s == StatusAwaitingPayment }

// Action is one step of the lifecycle.
type Action int

const (
	ActionSubmit            Action = 1
	ActionReceive           Action = 2
	ActionNotAccept         Action = 3
	ActionRequestSupplement Action = 4
	ActionProvideSupplement Action = 5
	ActionRequestPayment    Action = 6
	ActionConfirmPayment    Action = 7
	ActionForward           Action = 8
	ActionExtend            Action = 9
	ActionWithdraw          Action = 10
	ActionStop              Action = 11
	ActionResolve           Action = 12
	ActionReturn            Action = 13
	// Record-keeping actions that change no status (identity.go in app):
	// the population database's answer arriving after intake, and a
	// mandate confirmed or rejected.
	ActionVerifyIdentity Action = 14
	ActionCheckMandate   Action = 15
	// The business registry acknowledged a hand-off, and reported a change
	// of its status (both by SYSTEM).
	ActionHandOff        Action = 16
	ActionRegistryStatus Action = 17
)

// Actions lists every action in code order.
var Actions = []Action{
	ActionSubmit, ActionReceive, ActionNotAccept, ActionRequestSupplement, ActionProvideSupplement,
	ActionRequestPayment, ActionConfirmPayment, ActionForward, ActionExtend, ActionWithdraw,
	ActionStop, ActionResolve, ActionReturn,
}

var actionNames = map[Action]string{
	ActionSubmit: "SUBMIT", ActionReceive: "RECEIVE", ActionNotAccept: "NOT_ACCEPT",
	ActionRequestSupplement: "REQUEST_SUPPLEMENT", ActionProvideSupplement: "PROVIDE_SUPPLEMENT",
	ActionRequestPayment: "REQUEST_PAYMENT", ActionConfirmPayment: "CONFIRM_PAYMENT",
	ActionForward: "FORWARD", ActionExtend: "EXTEND", ActionWithdraw: "WITHDRAW", ActionStop: "STOP",
	ActionResolve: "RESOLVE", ActionReturn: "RETURN",
	ActionVerifyIdentity: "VERIFY_IDENTITY", ActionCheckMandate: "CHECK_MANDATE",
	ActionHandOff: "HAND_OFF", ActionRegistryStatus: "REGISTRY_STATUS",
}

func (a Action) String() string { return nameOf(actionNames, a) }

// ApplicantStep reports whether the action belongs to the applicant: when an
// official performs it, they act on the applicant's behalf.
func (a Action) ApplicantStep() bool {
	return a == ActionSubmit || a == ActionProvideSupplement || a == ActionWithdraw
}

// Channel is the portal's KenhThucHien.
type Channel int

const (
	ChannelCounter Channel = 1
	ChannelOnline  Channel = 2
	ChannelPostal  Channel = 3
)

var channelNames = map[Channel]string{ChannelCounter: "COUNTER", ChannelOnline: "ONLINE", ChannelPostal: "POSTAL"}

func (c Channel) String() string { return nameOf(channelNames, c) }

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { _, ok := channelNames[c]; return ok }

// ActorKind says whose step it was and who performed it.
type ActorKind int

const (
	ActorCitizen         ActorKind = 1
	ActorRepresentative  ActorKind = 2
	ActorStaff           ActorKind = 3
	ActorStaffOnBehalf   ActorKind = 4 // an official doing the applicant's step ("nộp hộ")
	ActorCommunityHelper ActorKind = 5
	ActorSystem          ActorKind = 6
	// A representative whose mandate nobody has verified yet: not genuine
	// self-service until a registry or a clerk confirms the mandate.
	ActorRepresentativeUnverified ActorKind = 7
)

var actorKindNames = map[ActorKind]string{
	ActorCitizen: "CITIZEN", ActorRepresentative: "REPRESENTATIVE", ActorStaff: "STAFF",
	ActorStaffOnBehalf: "STAFF_ON_BEHALF", ActorCommunityHelper: "COMMUNITY_HELPER", ActorSystem: "SYSTEM",
	ActorRepresentativeUnverified: "REPRESENTATIVE_UNVERIFIED",
}

func (k ActorKind) String() string { return nameOf(actorKindNames, k) }

// Genuine reports whether a step by this kind of actor is the applicant's own
// self-service (as opposed to assisted).
func (k ActorKind) Genuine() bool { return k == ActorCitizen || k == ActorRepresentative }

// Role is an authenticated principal's role.
type Role int

const (
	RoleCitizen         Role = 1
	RoleRepresentative  Role = 2
	RoleCommunityHelper Role = 3
	RoleClerk           Role = 4
	RoleSpecialist      Role = 5
	RoleLeader          Role = 6
	RoleAuditor         Role = 7
	RoleIntegration     Role = 8
	RoleAdmin           Role = 9
	RoleSystem          Role = 10
)

var roleNames = map[Role]string{
	RoleCitizen: "citizen", RoleRepresentative: "representative", RoleCommunityHelper: "community_helper",
	RoleClerk: "clerk", RoleSpecialist: "specialist", RoleLeader: "leader", RoleAuditor: "auditor",
	RoleIntegration: "integration", RoleAdmin: "admin", RoleSystem: "system",
}

func (r Role) String() string { return nameOf(roleNames, r) }

// ParseRole reads a role name as written in tokens ("clerk").
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if n == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q", s)
}

// Staff reports whether the role belongs to an official of an agency.
func (r Role) Staff() bool {
	return r == RoleClerk || r == RoleSpecialist || r == RoleLeader || r == RoleAuditor || r == RoleAdmin
}

// Assurance is how strongly an applicant's identity was established.
type Assurance int

const (
	AssuranceNone     Assurance = 1
	AssuranceVNeID1   Assurance = 2
	AssuranceVNeID2   Assurance = 3
	AssuranceInPerson Assurance = 4
)

var assuranceNames = map[Assurance]string{
	AssuranceNone: "NONE", AssuranceVNeID1: "VNEID_1", AssuranceVNeID2: "VNEID_2", AssuranceInPerson: "IN_PERSON",
}

func (a Assurance) String() string { return nameOf(assuranceNames, a) }

// ApplicantKind is the portal's LoaiDoiTuong.
type ApplicantKind int

const (
	ApplicantCitizen      ApplicantKind = 1
	ApplicantEnterprise   ApplicantKind = 2
	ApplicantAgency       ApplicantKind = 3
	ApplicantOrganisation ApplicantKind = 4
)

// ServiceLevel is how much of a procedure can be done online.
type ServiceLevel int

const (
	ServiceFullOnline    ServiceLevel = 1 // "toàn trình"
	ServicePartialOnline ServiceLevel = 2 // "một phần"
	ServiceOffline       ServiceLevel = 3
)

// Online reports whether dossiers can be filed online.
func (l ServiceLevel) Online() bool { return l == ServiceFullOnline || l == ServicePartialOnline }

// ComponentSource is how a document came to a dossier.
type ComponentSource int

const (
	SourcePaper        ComponentSource = 1
	SourceUploaded     ComponentSource = 2
	SourceDigitised    ComponentSource = 3
	SourceReused       ComponentSource = 4
	SourceReusedResult ComponentSource = 5
)

// PortalDigitisationState is the national portal's code for the source:
// 0 not digitised, 1 digitised, 2 reused, 3 reused from another dossier's result.
func (s ComponentSource) PortalDigitisationState() int {
	switch s {
	case SourceDigitised:
		return 1
	case SourceReused:
		return 2
	case SourceReusedResult:
		return 3
	default:
		return 0
	}
}

func nameOf[K ~int](names map[K]string, k K) string {
	if n, ok := names[k]; ok {
		return n
	}
	return fmt.Sprintf("UNKNOWN(%d)", int(k))
}
