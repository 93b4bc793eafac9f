package domain

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Business registration: procedures of the business-registration field
// carry a structured form (defined per procedure version in the catalog);
// its values are validated at intake and, on acceptance, handed once to
// the national business registration system (docs/identity.md).

// SourceBusinessRegistry names the national business registration system
// (Hệ thống thông tin quốc gia về đăng ký doanh nghiệp) in provenance.
const SourceBusinessRegistry = "HTTTQG-DKDN"

// Form field types.
const (
	FormText   = "text"
	FormNumber = "number"
	FormDate   = "date"
	FormEnum   = "enum"
)

// FormField is one field of a procedure version's structured form.
type FormField struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required,omitempty"`
	Options  []string `json:"options,omitempty"` // for enum
	MaxLen   int      `json:"max_len,omitempty"`
}

var formFieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ValidateFormSpec checks a form definition (catalog input).
func ValidateFormSpec(path string, spec []FormField) Violations {
	var v Violations
	seen := map[string]bool{}
	for i, f := range spec {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !formFieldName.MatchString(f.Name) {
			v.Add(p+".name", "lower-case letters, digits and _, starting with a letter, at most 64")
		}
		if seen[f.Name] {
			v.Add(p+".name", "field %q is defined twice", f.Name)
		}
		seen[f.Name] = true
		switch f.Type {
		case FormText, FormNumber, FormDate:
		case FormEnum:
			if len(f.Options) == 0 {
				v.Add(p+".options", "an enum field lists its options")
			}
		default:
			v.Add(p+".type", "text, number, date or enum, not %q", f.Type)
		}
	}
	return v
}

// ValidateForm checks filed values against a procedure version's form.
func ValidateForm(path string, spec []FormField, values map[string]string) Violations {
	var v Violations
	if len(spec) == 0 {
		if len(values) > 0 {
			v.Add(path, "this procedure version has no structured form")
		}
		return v
	}
	known := map[string]FormField{}
	for _, f := range spec {
		known[f.Name] = f
		val, ok := values[f.Name]
		if !ok || val == "" {
			if f.Required {
				v.Add(path+"."+f.Name, "required (%s)", f.Label)
			}
			continue
		}
		switch f.Type {
		case FormNumber:
			if _, err := strconv.ParseFloat(val, 64); err != nil {
				v.Add(path+"."+f.Name, "a number")
			}
		case FormDate:
			if msg := ValidateDate(val); msg != "" {
				v.Add(path+"."+f.Name, "%s", msg)
			}
		case FormEnum:
			if !slices.Contains(f.Options, val) {
				v.Add(path+"."+f.Name, "one of %v", f.Options)
			}
		}
		max := f.MaxLen
		if max == 0 {
			max = 1000
		}
		if len([]rune(val)) > max {
			v.Add(path+"."+f.Name, "at most %d characters", max)
		}
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if _, ok := known[k]; !ok {
			v.Add(path+"."+k, "not a field of this procedure version's form")
		}
	}
	return v
}

// HandoffStatus is where a dossier's hand-off to the business registry is.
type HandoffStatus int

const (
	HandoffNone    HandoffStatus = 0
	HandoffPending HandoffStatus = 1 // accepted; not yet acknowledged by the registry
	HandoffSent    HandoffStatus = 2 // acknowledged; its status changes are followed
	HandoffDone    HandoffStatus = 3 // the registry's decision is final
)

var handoffNames = map[HandoffStatus]string{HandoffNone: "NONE", HandoffPending: "PENDING", HandoffSent: "SENT", HandoffDone: "DONE"}

func (h HandoffStatus) String() string { return nameOf(handoffNames, h) }

// Handoff is a dossier's hand-off to the business registry. It is part of
// the row, so every event seals it.
type Handoff struct {
	Status HandoffStatus `json:"status"`
	// EnterpriseCode is the code the registry returned (mã số doanh nghiệp).
	EnterpriseCode string    `json:"enterprise_code,omitempty"`
	ReceiptID      string    `json:"receipt_id,omitempty"`
	RegistryStatus string    `json:"registry_status,omitempty"`
	Source         string    `json:"source,omitempty"`
	SentAt         time.Time `json:"sent_at,omitempty"`
	UpdatedAt      time.Time `json:"updated_at,omitempty"`
}

// Final registry statuses: nothing changes after them.
const (
	RegistryIssued   = "DA_CAP"  // registration issued
	RegistryRefused  = "TU_CHOI" // refused
	RegistryReceived = "DA_NHAN" // received, being processed
)

// RegistryFinal reports whether a registry status is a final decision.
func RegistryFinal(s string) bool { return s == RegistryIssued || s == RegistryRefused }

// Registration is what a hand-off sends: the dossier (its id is the
// registry's idempotency key) and its form.
type Registration struct {
	DossierID     string
	DossierCode   string
	ProcedureCode string
	AgencyCode    string
	ApplicantID   string
	Form          map[string]string
}

// RegistrationAnswer is the registry's acknowledgement or status.
type RegistrationAnswer struct {
	EnterpriseCode string
	ReceiptID      string
	Status         string
}
