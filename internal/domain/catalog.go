package domain

import (
	"sync"
	"time"
)

// DefaultTimeZone is the time zone of every Vietnamese agency unless set.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// WorkingPeriod is a span of working hours in minutes after local midnight.
type WorkingPeriod struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// DefaultWorkingHours is 07:30–11:30 and 13:00–17:00: an 8-hour working day.
var DefaultWorkingHours = []WorkingPeriod{{Start: 7*60 + 30, End: 11*60 + 30}, {Start: 13 * 60, End: 17 * 60}}

// Agency is a public body, keyed by its electronic ID code (mã định danh điện
// tử), e.g. "000.00.01.H55".
type Agency struct {
	Code         string
	Name         string
	ParentCode   string
	TimeZone     string
	WorkingHours []WorkingPeriod
	CreatedAt    time.Time
}

// Location returns the agency's time zone.
func (a *Agency) Location() (*time.Location, error) {
	tz := a.TimeZone
	if tz == "" {
		tz = DefaultTimeZone
	}
	if loc, ok := locations.Load(tz); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	locations.Store(tz, loc)
	return loc, nil
}

// locations caches loaded time zones: time.LoadLocation reads the zone
// database on every call.
var locations sync.Map

// DocumentComponent is one document a procedure requires (thành phần hồ sơ).
type DocumentComponent struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Mandatory   bool   `json:"mandatory"`
	PaperCopies int    `json:"paper_copies"`
	// Limits on the component's file, when set: its size in bytes and its
	// media types (docs/documents.md).
	MaxBytes   int64    `json:"max_bytes,omitempty"`
	MediaTypes []string `json:"media_types,omitempty"`
}

// Fee is an amount to pay: a fee (phí, kind 1) or a charge (lệ phí, kind 2).
type Fee struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Kind      int    `json:"kind"`
	AmountVND int64  `json:"amount_vnd"`
}

// WorkflowStep is one processing step: the unit responsible, the role that
// acts, and the working time allotted.
type WorkflowStep struct {
	Name            string `json:"name"`
	UnitCode        string `json:"unit_code"`
	Role            Role   `json:"role"`
	AllottedMinutes int    `json:"allotted_minutes"`
}

// ProcedureVersion is a procedure's content valid from EffectiveAt until
// EndAt (zero: open-ended).
type ProcedureVersion struct {
	Version          int
	EffectiveAt      time.Time
	EndAt            time.Time
	ServiceLevel     ServiceLevel
	StatutoryMinutes int  // statutory time in working minutes (8 h a day)
	CutoffMinute     *int // local minute of day after which receipt counts from the next working day
	Fees             []Fee
	Components       []DocumentComponent
	Workflow         []WorkflowStep
	// Form is the structured form of a business-registration procedure
	// (bizreg.go); nil for the others.
	Form      []FormField
	CreatedAt time.Time
}

// MinutesPerWorkingDay converts statutory working days to working time.
const MinutesPerWorkingDay = 8 * 60

// Procedure is an administrative procedure (thủ tục hành chính, TTHC) by
// national code, with its versions oldest first.
type Procedure struct {
	Code       string
	Name       string
	FieldCode  string // lĩnh vực
	FieldName  string
	AgencyCode string
	Versions   []ProcedureVersion
	CreatedAt  time.Time
}

// VersionAt returns the version in force at t, or nil.
func (p *Procedure) VersionAt(t time.Time) *ProcedureVersion {
	for i := len(p.Versions) - 1; i >= 0; i-- {
		v := &p.Versions[i]
		if !t.Before(v.EffectiveAt) && (v.EndAt.IsZero() || t.Before(v.EndAt)) {
			return v
		}
	}
	return nil
}

// Version returns version n, or nil.
func (p *Procedure) Version(n int) *ProcedureVersion {
	for i := range p.Versions {
		if p.Versions[i].Version == n {
			return &p.Versions[i]
		}
	}
	return nil
}
