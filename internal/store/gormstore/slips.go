package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/motcua/motcua/internal/domain"
)

type slipRow struct {
	DossierID  string `gorm:"primaryKey"`
	StepIndex  int    `gorm:"primaryKey"`
	StepName   string
	UnitCode   string
	Role       int
	Assignee   string
	StartedAt  time.Time
	DueAt      time.Time
	FinishedAt *time.Time
	Outcome    int
}

func (slipRow) TableName() string { return "process_control_slips" }

// slipUpdatedCols are what writing a slip row again changes: every column
// but its key (dossier_id, step_index).
var slipUpdatedCols = bulkSlipCols[2:]

// PutSlipRow implements store.Slips.
func (s *Store) PutSlipRow(ctx context.Context, r *domain.SlipRow) error {
	if ok, err := deferRow(ctx, func() ([]any, error) { return slipValues(r, uuidText) }, (*deferredWrites).addSlip); ok {
		return err // deferred.go
	}
	row := slipRow{DossierID: r.DossierID, StepIndex: r.StepIndex, StepName: r.StepName, UnitCode: r.UnitCode,
		Role: int(r.Role), Assignee: r.Assignee, StartedAt: requiredDBTime(r.StartedAt), DueAt: requiredDBTime(r.DueAt),
		FinishedAt: dbTime(r.FinishedAt), Outcome: int(r.Outcome)}
	return s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "dossier_id"}, {Name: "step_index"}},
		DoUpdates: clause.AssignmentColumns(slipUpdatedCols),
	}).Create(&row).Error
}

// ListSlip implements store.Slips.
func (s *Store) ListSlip(ctx context.Context, dossierID string) ([]domain.SlipRow, error) {
	var rows []slipRow
	if err := s.conn(ctx).Where("dossier_id = ?", dossierID).Order("step_index").Find(&rows).Error; err != nil {
		return nil, err
	}
	return slipsFromRows(rows), nil
}

func slipsFromRows(rows []slipRow) []domain.SlipRow {
	out := make([]domain.SlipRow, len(rows))
	for i, r := range rows {
		out[i] = domain.SlipRow{DossierID: r.DossierID, StepIndex: r.StepIndex, StepName: r.StepName, UnitCode: r.UnitCode,
			Role: domain.Role(r.Role), Assignee: r.Assignee, StartedAt: r.StartedAt.UTC(), DueAt: r.DueAt.UTC(),
			FinishedAt: fromDB(r.FinishedAt), Outcome: domain.SlipOutcome(r.Outcome)}
	}
	return out
}

type calendarYearRow struct {
	Scope     string `gorm:"primaryKey"`
	Year      int    `gorm:"primaryKey"`
	Days      jsonCol[[]domain.SpecialDay]
	UpdatedAt time.Time
	UpdatedBy string
}

func (calendarYearRow) TableName() string { return "calendar_years" }

// PutCalendarYear implements store.Calendars.
func (s *Store) PutCalendarYear(ctx context.Context, y *domain.CalendarYear) error {
	days := y.Days
	if days == nil {
		days = []domain.SpecialDay{}
	}
	row := calendarYearRow{Scope: y.Scope, Year: y.Year, Days: jsonOf(days), UpdatedAt: requiredDBTime(y.UpdatedAt), UpdatedBy: y.UpdatedBy}
	return s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "scope"}, {Name: "year"}},
		DoUpdates: clause.AssignmentColumns([]string{"days", "updated_at", "updated_by"}),
	}).Create(&row).Error
}

// ListCalendarYears implements store.Calendars.
func (s *Store) ListCalendarYears(ctx context.Context, scopes []string) ([]domain.CalendarYear, error) {
	var rows []calendarYearRow
	if err := s.conn(ctx).Where("scope IN ?", scopes).Order("scope, year").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.CalendarYear, len(rows))
	for i, r := range rows {
		out[i] = domain.CalendarYear{Scope: r.Scope, Year: r.Year, Days: r.Days.V, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}
	}
	return out, nil
}
