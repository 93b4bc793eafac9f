package gormstore

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// jsonCol stores a value as JSON text (jsonb on PostgreSQL, text on SQLite).
type jsonCol[T any] struct{ V T }

func (j jsonCol[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	return string(b), err
}

func (j *jsonCol[T]) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		var zero T
		j.V = zero
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("jsonCol: cannot scan %T", src)
	}
	return json.Unmarshal(b, &j.V)
}

func jsonOf[T any](v T) jsonCol[T] { return jsonCol[T]{V: v} }

// dbTime normalises a time for storage: UTC, microsecond precision (what
// PostgreSQL keeps), nil for the zero time.
func dbTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// requiredDBTime is dbTime for a time that is always set (a NOT NULL
// column); a zero time there is a bug and panics.
func requiredDBTime(t time.Time) time.Time { return *dbTime(t) }

func fromDB(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

type agencyRow struct {
	Code         string `gorm:"primaryKey"`
	Name         string
	ParentCode   *string
	TimeZone     string
	WorkingHours jsonCol[[]domain.WorkingPeriod]
	CreatedAt    time.Time
}

func (agencyRow) TableName() string { return "agencies" }

type procedureRow struct {
	Code       string `gorm:"primaryKey"`
	Name       string
	FieldCode  string
	FieldName  string
	AgencyCode string
	CreatedAt  time.Time
}

func (procedureRow) TableName() string { return "procedures" }

type procedureVersionRow struct {
	ProcedureCode    string `gorm:"primaryKey"`
	Version          int    `gorm:"primaryKey"`
	EffectiveAt      time.Time
	EndAt            *time.Time
	ServiceLevel     int
	StatutoryMinutes int
	CutoffMinute     *int
	Fees             jsonCol[[]domain.Fee]
	Components       jsonCol[[]domain.DocumentComponent]
	Workflow         jsonCol[[]domain.WorkflowStep]
	Form             *jsonCol[[]domain.FormField]
	CreatedAt        time.Time
}

func (procedureVersionRow) TableName() string { return "procedure_versions" }

type dossierRow struct {
	ID                     string `gorm:"primaryKey"`
	Code                   string
	ProcedureCode          string
	ProcedureVersion       int
	AgencyCode             string
	ApplicantKind          int
	ApplicantIDNumber      string `gorm:"column:applicant_id_number"`
	Applicant              jsonCol[domain.Applicant]
	RepresentativeIDNumber *string `gorm:"column:representative_id_number"`
	Representative         *jsonCol[domain.Representative]
	Channel                int
	FiledBy                int
	Status                 int
	ResumeStatus           int
	Summary                string
	Components             jsonCol[[]domain.Component]
	SubmittedAt            *time.Time
	ReceivedAt             *time.Time
	ClockStartedAt         *time.Time
	DueAt                  *time.Time
	OriginalDueAt          *time.Time
	PausedWorkingSeconds   int64
	PausedAt               *time.Time
	StepIndex              int
	StepName               string
	StepUnitCode           string
	StepAssignee           string
	StepStartedAt          *time.Time
	StepDueAt              *time.Time
	Result                 *jsonCol[domain.Result]
	ReturnChannel          int
	FinishedAt             *time.Time
	ReturnedAt             *time.Time
	Identity               *jsonCol[domain.IdentityVerification]
	Form                   *jsonCol[map[string]string]
	Handoff                *jsonCol[domain.Handoff]
	SupplementRounds       int
	PaymentRequests        int
	PaymentsConfirmed      int
	PaymentsOnline         int
	Extensions             int
	ProcessingMinutes      *int64
	Digitised              bool // domain.Dossier.Digitised (migration 16)
	ElectronicResult       bool // domain.Dossier.ElectronicResult (migration 16)
	Version                int64
	LastEventSeq           int64
	LastEventHash          string
	CreatedAt              time.Time
	// UpdatedAt is the use case's clock, the time of the change's event (not
	// gorm's automatic time): ListDossiers' updated_since compares with it.
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (dossierRow) TableName() string { return "dossiers" }

type eventRow struct {
	ID             string `gorm:"primaryKey"`
	DossierID      string
	Seq            int64
	Action         int
	FromStatus     int
	ToStatus       int
	StepIndex      int
	OccurredAt     time.Time
	Note           string
	RequestID      string
	Channel        int
	ActorID        string
	ActorRole      int
	ActorAgency    string
	ActorKind      int
	Assurance      int
	OnBehalfOf     string
	MandateRef     string
	SourceSystem   string
	ClientAddress  string
	DossierVersion int64
	Details        jsonCol[map[string]string]
	State          *jsonCol[map[string]string] // as written before migration 00018 (NULL before 00005)
	StateZ         []byte                      // since migration 00018: statecodec.go
	PrevHash       string
	Hash           string
}

// stateOf is an event row's sealed state: the compact column, else the
// JSON one of an event stored before migration 00018. A compact state that
// cannot be read is returned as none, which the event's hash does not
// match: verification reports the chain broken at that event.
func stateOf(r *eventRow) map[string]string {
	if len(r.StateZ) > 0 {
		m, err := unpackState(r.StateZ)
		if err != nil {
			return nil
		}
		return m
	}
	if r.State == nil {
		return nil
	}
	return r.State.V
}

func (eventRow) TableName() string { return "dossier_events" }

type sequenceRow struct {
	AgencyCode string `gorm:"primaryKey"`
	Day        string `gorm:"primaryKey"`
	LastValue  int64
}

func (sequenceRow) TableName() string { return "dossier_sequences" }

type requestRow struct {
	Principal   string `gorm:"primaryKey"`
	RequestID   string `gorm:"primaryKey"`
	Method      string
	RequestHash string
	Response    []byte
	CreatedAt   time.Time
}

func (requestRow) TableName() string { return "requests" }
