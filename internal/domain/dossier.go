package domain

import (
	"fmt"
	"time"
)

// Applicant is the person or body a dossier belongs to (chủ hồ sơ).
type Applicant struct {
	Kind     ApplicantKind `json:"kind"`
	IDNumber string        `json:"id_number"`
	Name     string        `json:"name"`
	Phone    string        `json:"phone,omitempty"`
	Email    string        `json:"email,omitempty"`
	Address  string        `json:"address,omitempty"`
	// BirthDate (YYYY-MM-DD) lets the population database check more than
	// the name.
	BirthDate string `json:"birth_date,omitempty"`
}

// Representative acts for the applicant under a mandate (giấy ủy quyền).
type Representative struct {
	Name       string `json:"name"`
	IDNumber   string `json:"id_number"`
	MandateRef string `json:"mandate_ref"`
	BirthDate  string `json:"birth_date,omitempty"`
	// The mandate: what it covers, when, and whose it is (the applicant).
	MandateScope      string `json:"mandate_scope,omitempty"`
	MandateValidFrom  string `json:"mandate_valid_from,omitempty"`
	MandateValidUntil string `json:"mandate_valid_until,omitempty"`
	PrincipalIDNumber string `json:"principal_id_number,omitempty"`
	// MandateCheck is set by the server (registry or clerk), never from a
	// request.
	MandateCheck *MandateCheck `json:"mandate_check,omitempty"`
}

// Component is a document filed against one of the procedure's components.
type Component struct {
	Code       string          `json:"code"`
	FileRef    string          `json:"file_ref,omitempty"`
	FileSHA256 string          `json:"file_sha256,omitempty"`
	Source     ComponentSource `json:"source"`
	ReusedFrom string          `json:"reused_from,omitempty"`
	// Verified: the server holds the file and checked its SHA-256
	// (docs/documents.md). Rows from before documents were stored never
	// carry it; their file_ref and file_sha256 are the filer's claim.
	Verified  bool   `json:"verified,omitempty"`
	Size      int64  `json:"size,omitempty"`
	MediaType string `json:"media_type,omitempty"`
}

// FileVerified reports whether the component's file is stored and its hash
// verified (uploaded, scanned, or reused from a verified file).
func (c Component) FileVerified() bool { return c.Verified && c.FileSHA256 != "" }

// ResultDocument is a document issued as a result.
type ResultDocument struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	FileRef    string `json:"file_ref,omitempty"`
	FileSHA256 string `json:"file_sha256,omitempty"`
	// The detached CMS signature over the file (a stored blob), and what
	// its validation found; set only when the signature validated against
	// a trusted root (docs/documents.md).
	SignatureSHA256 string     `json:"signature_sha256,omitempty"`
	Signature       *Signature `json:"signature,omitempty"`
	Verified        bool       `json:"verified,omitempty"`
	Size            int64      `json:"size,omitempty"`
	MediaType       string     `json:"media_type,omitempty"`
	// ValidUntil, when set, is when the document stops being valid for
	// reuse in a later dossier.
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

// Signature is a validated digital signature: who signed, under which
// trusted root, when (the signing-time attribute, if any).
type Signature struct {
	Signer   string    `json:"signer"`
	Issuer   string    `json:"issuer"`
	Serial   string    `json:"serial"`
	Root     string    `json:"root"`
	SignedAt time.Time `json:"signed_at,omitzero"`
}

// Result is what the office decided and issued.
type Result struct {
	Documents  []ResultDocument `json:"documents"`
	Electronic bool             `json:"electronic"`
	Signer     string           `json:"signer,omitempty"`
	IssuedAt   time.Time        `json:"issued_at"`
}

// IdentityVerification is the outcome of the population-database checks
// of a dossier's applicant and representative, with their provenance. It is
// part of the dossier row and so sealed into every event's projection
// (docs/identity.md).
type IdentityVerification struct {
	// The applicant's check, as first recorded (kept for compatibility;
	// Combine fills them from Applicant).
	Matched    bool      `json:"matched"`
	Source     string    `json:"source"`
	QueryID    string    `json:"query_id"`
	VerifiedAt time.Time `json:"verified_at"`

	// Outcome is the overall outcome: PENDING while a check awaits the
	// database, else the worst answer.
	Outcome        VerifyOutcome `json:"outcome,omitempty"`
	Applicant      *PersonCheck  `json:"applicant,omitempty"`
	Representative *PersonCheck  `json:"representative,omitempty"`
	// Attempts counts the background retries.
	Attempts int `json:"attempts,omitempty"`
	// Flag is raised when the database contradicts the dossier.
	Flag string `json:"flag,omitempty"`
	// Prefilled names the applicant fields taken from the database instead
	// of being typed ("name", "birth_date", "address").
	Prefilled []string `json:"prefilled,omitempty"`
	// PendingWhileProcessed: the dossier moved on (was received or
	// processed) while its check was still pending.
	PendingWhileProcessed bool `json:"pending_while_processed,omitempty"`
}

// Step is where a dossier is in its workflow. Index -1 means outside it.
type Step struct {
	Index     int
	Name      string
	UnitCode  string
	Assignee  string
	StartedAt time.Time
	DueAt     time.Time
}

// NoStep is the Step of a dossier not (yet, or any more) in its workflow.
var NoStep = Step{Index: -1}

// Dossier is one application for a procedure. Zero times mean "not yet".
type Dossier struct {
	ID               string
	Code             string
	ProcedureCode    string
	ProcedureVersion int
	AgencyCode       string
	Applicant        Applicant
	Representative   *Representative
	Channel          Channel   // how it was filed
	FiledBy          ActorKind // who filed it
	Status           Status
	ResumeStatus     Status // the status to return to when a pause ends
	Summary          string
	Components       []Component
	SubmittedAt      time.Time
	ReceivedAt       time.Time
	ClockStartedAt   time.Time
	DueAt            time.Time // appointment: moves with pauses and extensions
	OriginalDueAt    time.Time // legal deadline: moves with pauses only
	PausedWorking    time.Duration
	PausedAt         time.Time
	Step             Step
	Result           *Result
	ReturnChannel    Channel
	FinishedAt       time.Time
	ReturnedAt       time.Time
	Identity         *IdentityVerification
	// Form holds the structured form's values; Handoff the hand-off to the
	// business registry (bizreg.go).
	Form    map[string]string
	Handoff *Handoff
	// Counters kept for the indicators.
	SupplementRounds  int
	PaymentRequests   int
	PaymentsConfirmed int
	PaymentsOnline    int
	Extensions        int
	// ProcessingMinutes is the working time from clock start to result,
	// pauses excluded; set when resolved.
	ProcessingMinutes *int64
	Version           int64
	LastEventSeq      int64
	LastEventHash     string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	// Columns are the filter columns the store keeps beside the row for
	// ListDossiers, as read back (nil on a dossier not read from a store).
	// They are derived from the row (Digitised, ElectronicResult), so they
	// are not sealed; verification compares them with what they derive from.
	Columns *FilterColumns
}

// FilterColumns are a dossier row's derived filter columns as stored.
type FilterColumns struct {
	Digitised        bool
	ElectronicResult bool
}

// Draft is what is filed to create a dossier.
type Draft struct {
	ProcedureCode  string
	AgencyCode     string
	Applicant      Applicant
	Representative *Representative
	Summary        string
	Components     []Component
	ReturnChannel  Channel
	Form           map[string]string

	// Set by the server, never from a request: the intake identity check
	// (or nil) and the id the dossier will get (the query log names it).
	Identity *IdentityVerification
	ID       string
	// Mandate is the mandate registry's check of the representative's
	// mandate (or nil), also set by the server only.
	Mandate *MandateCheck
}

// Validate checks a draft against the procedure version it will be filed
// under and the channel it arrives by. Field paths start with prefix (the
// draft's path in the request, e.g. "dossier").
func (d *Draft) Validate(prefix string, pv *ProcedureVersion, ch Channel) error {
	var v Violations
	if msg := ValidateIDNumber(d.Applicant.Kind, d.Applicant.IDNumber); msg != "" {
		v.Add(prefix+".applicant.id_number", "%s", msg)
	}
	if d.Representative != nil {
		if msg := ValidateIDNumber(ApplicantCitizen, d.Representative.IDNumber); msg != "" {
			v.Add(prefix+".representative.id_number", "%s", msg)
		}
		if d.Representative.IDNumber == d.Applicant.IDNumber {
			v.Add(prefix+".representative.id_number", "the representative cannot be the applicant")
		}
		validateMandate(&v, prefix+".representative", d.Representative, d.Applicant)
	}
	if msg := ValidateDate(d.Applicant.BirthDate); msg != "" {
		v.Add(prefix+".applicant.birth_date", "%s", msg)
	}
	v = append(v, ValidateComponents(prefix+".components", d.Components, pv, ch)...)
	v = append(v, ValidateForm(prefix+".form", pv.Form, d.Form)...)
	for _, c := range MissingMandatory(pv, d.Components) {
		v.Add(prefix+".components", "mandatory component %q (%s) is missing", c.Code, c.Name)
	}
	if d.ReturnChannel != 0 && !d.ReturnChannel.Valid() {
		v.Add(prefix+".return_channel", "unknown channel %d", d.ReturnChannel)
	}
	return v.Err()
}

// ValidateComponents checks filed components against the procedure version
// and the channel they arrive by; field paths are path[i].…
func ValidateComponents(path string, comps []Component, pv *ProcedureVersion, ch Channel) Violations {
	known := make(map[string]bool, len(pv.Components))
	for _, c := range pv.Components {
		known[c.Code] = true
	}
	var v Violations
	for i, c := range comps {
		f := fmt.Sprintf("%s[%d]", path, i)
		if !known[c.Code] {
			v.Add(f+".code", "component %q is not one of procedure version %d's components", c.Code, pv.Version)
		}
		validateComponent(&v, f, c, ch)
	}
	return v
}

// MissingMandatory lists the mandatory components not filed.
func MissingMandatory(pv *ProcedureVersion, comps []Component) []DocumentComponent {
	filed := make(map[string]bool, len(comps))
	for _, c := range comps {
		filed[c.Code] = true
	}
	var out []DocumentComponent
	for _, c := range pv.Components {
		if c.Mandatory && !filed[c.Code] {
			out = append(out, c)
		}
	}
	return out
}

func validateComponent(v *Violations, f string, c Component, ch Channel) {
	hasFile := c.FileRef != ""
	if hasFile != (c.FileSHA256 != "") {
		v.Add(f+".file_sha256", "file_ref and file_sha256 go together")
	}
	switch c.Source {
	case SourcePaper:
		if hasFile {
			v.Add(f+".file_ref", "a PAPER component has no file; use DIGITISED for a scanned copy")
		}
		if ch == ChannelOnline {
			v.Add(f+".source", "paper documents cannot be filed online")
		}
	case SourceUploaded, SourceDigitised:
		if !hasFile {
			v.Add(f+".file_ref", "required for source %s", sourceName(c.Source))
		}
		if c.Source == SourceDigitised && ch == ChannelOnline {
			v.Add(f+".source", "DIGITISED means scanned at the counter; an online filer uploads (UPLOADED)")
		}
	case SourceReused, SourceReusedResult:
		if c.ReusedFrom == "" {
			v.Add(f+".reused_from", "required for a reused component")
		}
	default:
		v.Add(f+".source", "unknown source %d", c.Source)
	}
}

func sourceName(s ComponentSource) string {
	return map[ComponentSource]string{SourcePaper: "PAPER", SourceUploaded: "UPLOADED", SourceDigitised: "DIGITISED",
		SourceReused: "REUSED", SourceReusedResult: "REUSED_RESULT"}[s]
}

// DigitisedComponents counts the components scanned at the counter or reused.
func (d *Dossier) DigitisedComponents() (digitised, reused int) {
	for _, c := range d.Components {
		switch c.Source {
		case SourceDigitised:
			digitised++
		case SourceReused, SourceReusedResult:
			reused++
		}
	}
	return digitised, reused
}

// Digitised reports whether a component was scanned at the counter or
// reused: once received, the indicators' digitised dossier. The store keeps
// it as a column (digitised) so lists can select on it.
func (d *Dossier) Digitised() bool {
	digitised, reused := d.DigitisedComponents()
	return digitised+reused > 0
}

// ElectronicResult reports whether the dossier was resolved with a result
// issued electronically: the indicators' electronic result. The store keeps
// it as a column (electronic_result).
func (d *Dossier) ElectronicResult() bool {
	return d.Result != nil && d.ProcessingMinutes != nil && d.Result.Electronic
}
