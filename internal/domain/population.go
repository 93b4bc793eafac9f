package domain

import (
	"regexp"
	"time"
)

// The national population database (Cơ sở dữ liệu quốc gia về dân cư) is
// the one keeper of a citizen's identity: at intake motcua asks it whether
// the identity number, name and date of birth a dossier states belong
// together, and a counter clerk may take a citizen's registered data from
// it instead of typing it (docs/identity.md).

// SourcePopulationDB names the population database in provenance records.
const SourcePopulationDB = "CSDLQGDC"

// VerifyOutcome is the answer to one identity check.
type VerifyOutcome int

const (
	// OutcomeUnchecked: nothing was checked (not a citizen, no database
	// configured).
	OutcomeUnchecked VerifyOutcome = 0
	// OutcomePending: the database did not answer in time; the check is
	// retried in the background.
	OutcomePending VerifyOutcome = 1
	// OutcomeMatch: the database holds the number with this name (and date
	// of birth, when given).
	OutcomeMatch VerifyOutcome = 2
	// OutcomeNoMatch: the number exists but a stated field differs.
	OutcomeNoMatch VerifyOutcome = 3
	// OutcomeNotFound: the database holds no such number.
	OutcomeNotFound VerifyOutcome = 4
)

var outcomeNames = map[VerifyOutcome]string{OutcomeUnchecked: "UNCHECKED", OutcomePending: "PENDING",
	OutcomeMatch: "MATCH", OutcomeNoMatch: "NO_MATCH", OutcomeNotFound: "NOT_FOUND"}

func (o VerifyOutcome) String() string { return nameOf(outcomeNames, o) }

// Final reports whether the outcome is an answer of the database.
func (o VerifyOutcome) Final() bool { return o >= OutcomeMatch }

// PersonQuery is what a dossier states about a person.
type PersonQuery struct {
	IDNumber  string
	Name      string
	BirthDate string // YYYY-MM-DD; optional
}

// PersonAnswer is the database's answer about one person.
type PersonAnswer struct {
	Outcome          VerifyOutcome
	QueryID          string   // the database's reference for the query
	FieldsMatched    []string // of "id_number", "name", "birth_date"
	FieldsMismatched []string
	Cached           bool // reused from the connector's cache
}

// Citizen is a citizen's registered data, for pre-filling.
type Citizen struct {
	IDNumber         string `json:"id_number"`
	FullName         string `json:"full_name"`
	BirthDate        string `json:"birth_date"`
	Sex              string `json:"sex"`
	PermanentAddress string `json:"permanent_address"`
	CurrentAddress   string `json:"current_address"`
	QueryID          string `json:"query_id"`
	Cached           bool   `json:"-"`
}

// PersonCheck is the stored outcome of checking one person, with its
// provenance.
type PersonCheck struct {
	Outcome          VerifyOutcome `json:"outcome"`
	Source           string        `json:"source,omitempty"`
	QueryID          string        `json:"query_id,omitempty"`
	CheckedAt        time.Time     `json:"checked_at,omitempty"`
	FieldsMatched    []string      `json:"fields_matched,omitempty"`
	FieldsMismatched []string      `json:"fields_mismatched,omitempty"`
	// Assurance: ID_NAME_BIRTHDATE when all three matched, ID_NAME when no
	// date of birth was stated, "" otherwise.
	Assurance string `json:"assurance,omitempty"`
	// Problem says why a check is pending (UNAVAILABLE, TIMEOUT,
	// CIRCUIT_OPEN…).
	Problem string `json:"problem,omitempty"`
}

// CheckAssurance is the assurance of a check from the fields that matched.
func CheckAssurance(a PersonAnswer, q PersonQuery) string {
	if a.Outcome != OutcomeMatch {
		return ""
	}
	if q.BirthDate != "" {
		return "ID_NAME_BIRTHDATE"
	}
	return "ID_NAME"
}

// Flags raised on a dossier by identity checks.
const (
	FlagIdentityMismatch = "IDENTITY_MISMATCH"
	FlagIdentityNotFound = "IDENTITY_NOT_FOUND"
)

// Combine sets the overall outcome, the legacy applicant fields and the
// flag from the person checks: pending while any check is pending; the
// worst final answer otherwise.
func (v *IdentityVerification) Combine() {
	checks := []*PersonCheck{v.Applicant}
	if v.Representative != nil {
		checks = append(checks, v.Representative)
	}
	v.Outcome = OutcomeMatch
	for _, c := range checks {
		switch {
		case c == nil:
		case c.Outcome == OutcomePending:
			v.Outcome = OutcomePending
		case c.Outcome > v.Outcome && v.Outcome != OutcomePending:
			v.Outcome = c.Outcome
		}
	}
	if a := v.Applicant; a != nil {
		v.Matched, v.Source, v.QueryID, v.VerifiedAt = a.Outcome == OutcomeMatch, a.Source, a.QueryID, a.CheckedAt
	}
	switch v.Outcome {
	case OutcomeNoMatch:
		v.Flag = FlagIdentityMismatch
	case OutcomeNotFound:
		v.Flag = FlagIdentityNotFound
	}
}

// Pending reports whether a check awaits the database.
func (v *IdentityVerification) Pending() bool { return v != nil && v.Outcome == OutcomePending }

// MandateStatus is the state of a mandate check (the API's numbers; a
// representative without a check is unverified).
type MandateStatus int

const (
	MandateUnverified MandateStatus = 1
	MandateVerified   MandateStatus = 2
	MandateRejected   MandateStatus = 3
	// MandatePending: a mandate registry is asked and has not answered yet
	// (retried in the background; docs/identity.md).
	MandatePending MandateStatus = 4
)

var mandateNames = map[MandateStatus]string{MandateUnverified: "UNVERIFIED", MandateVerified: "VERIFIED", MandateRejected: "REJECTED",
	MandatePending: "PENDING"}

func (m MandateStatus) String() string { return nameOf(mandateNames, m) }

// MandateCheck records how a representative's mandate was checked.
type MandateCheck struct {
	Status MandateStatus `json:"status"`
	// Method: REGISTRY (a mandate registry answered) or CLERK (an official
	// saw the mandate and confirmed it).
	Method string `json:"method,omitempty"`
	// By is the confirming official's identity key (or the registry's name).
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at,omitempty"`
	QueryID string    `json:"query_id,omitempty"`
	Note    string    `json:"note,omitempty"`
	// The registry's provenance and record (mandate.go): Source names the
	// registry, Reason why it found the mandate invalid (or, pending, the
	// problem asking it), Assurance what was checked, Record the mandate as
	// the registry holds it.
	Source    string         `json:"source,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	Assurance string         `json:"assurance,omitempty"`
	Record    *MandateRecord `json:"record,omitempty"`
	// Flag is raised when the registry found the mandate invalid; it stays
	// when an official later decides otherwise.
	Flag string `json:"flag,omitempty"`
	// Registry is the registry's answer an official's later decision
	// replaced, kept so that the decision, and an override, stay visible.
	Registry *MandateCheck `json:"registry,omitempty"`
	Attempts int           `json:"attempts,omitempty"`
}

var isoDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// ValidateDate checks a YYYY-MM-DD date; "" is allowed.
func ValidateDate(s string) string {
	if s == "" {
		return ""
	}
	if !isoDate.MatchString(s) {
		return "a date is written YYYY-MM-DD"
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "not a calendar date"
	}
	return ""
}

// validateMandate checks a representative's mandate against the applicant.
func validateMandate(v *Violations, path string, r *Representative, applicant Applicant) {
	if msg := ValidateDate(r.BirthDate); msg != "" {
		v.Add(path+".birth_date", "%s", msg)
	}
	for f, d := range map[string]string{"mandate_valid_from": r.MandateValidFrom, "mandate_valid_until": r.MandateValidUntil} {
		if msg := ValidateDate(d); msg != "" {
			v.Add(path+"."+f, "%s", msg)
		}
	}
	if r.MandateValidFrom != "" && r.MandateValidUntil != "" && r.MandateValidUntil < r.MandateValidFrom {
		v.Add(path+".mandate_valid_until", "the mandate ends before it starts")
	}
	if r.PrincipalIDNumber != "" && r.PrincipalIDNumber != applicant.IDNumber {
		v.Add(path+".principal_id_number", "the mandate's principal %s is not the applicant %s", r.PrincipalIDNumber, applicant.IDNumber)
	}
}

// MandateInForce checks that a mandate covers today (YYYY-MM-DD in the
// receiving agency's zone); path names the representative.
func MandateInForce(path string, r *Representative, today string) error {
	var v Violations
	if r.MandateValidUntil != "" && r.MandateValidUntil < today {
		v.Add(path+".mandate_valid_until", "the mandate expired on %s", r.MandateValidUntil)
	}
	if r.MandateValidFrom != "" && r.MandateValidFrom > today {
		v.Add(path+".mandate_valid_from", "the mandate starts only on %s", r.MandateValidFrom)
	}
	return v.Err()
}

// QueryMeta says who asks the population database, for what and why; the
// database logs it (MaYeuCau, MaCanBo, MucDich) and so does motcua.
type QueryMeta struct {
	RequestRef string
	Officer    string
	Purpose    string
}
