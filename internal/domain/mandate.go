package domain

// SourceMandateRegistry names the mandate registry in provenance records.
const SourceMandateRegistry = "CSDL-UYQUYEN"

// Reasons a mandate registry gives for an invalid mandate.
const (
	MandateNotFound      = "NOT_FOUND"      // the registry holds no such mandate
	MandateRevoked       = "REVOKED"        // the principal revoked it
	MandateExpired       = "EXPIRED"        // not in force on the day of filing
	MandateOutOfScope    = "OUT_OF_SCOPE"   // it does not cover the procedure
	MandatePartiesDiffer = "PARTIES_DIFFER" // principal or representative is not the one on the dossier
)

// FlagMandateInvalid is raised on a dossier whose mandate the registry
// found invalid.
const FlagMandateInvalid = "MANDATE_INVALID"

// AssuranceMandateRegistry: the registry confirmed reference, principal,
// representative, procedure and day together.
const AssuranceMandateRegistry = "REF_PARTIES_SCOPE_DATE"

// MandateQuery asks a mandate registry whether a mandate lets the
// representative file this procedure for the principal on Date
// (YYYY-MM-DD, the day of filing in the receiving agency's zone).
type MandateQuery struct {
	Reference        string
	PrincipalID      string
	RepresentativeID string
	ProcedureCode    string
	Date             string
}

// MandateRecord is a mandate as the registry holds it.
type MandateRecord struct {
	Scope      string `json:"scope,omitempty"`
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
	// Principal and representative identity numbers on the registry's
	// record.
	PrincipalID      string `json:"principal_id,omitempty"`
	RepresentativeID string `json:"representative_id,omitempty"`
}

// MandateAnswer is a registry's answer: valid, or invalid with a reason;
// Record is nil when the registry holds no such mandate.
type MandateAnswer struct {
	Valid   bool
	Reason  string
	QueryID string
	Record  *MandateRecord
}

// Pending reports whether the check awaits the registry.
func (c *MandateCheck) Pending() bool { return c != nil && c.Status == MandatePending }
