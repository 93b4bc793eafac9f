package app

import (
	"time"

	"context"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/report"
)

// applyStats moves the indicator aggregates from dossier before (nil: new)
// to after, and counts the workflow steps finished, in the caller's
// transaction.
func (s *Service) applyStats(ctx context.Context, before, after *domain.Dossier, proc *domain.Procedure, cal *calendar.Calendar, slip []domain.SlipRow) error {
	loc, err := s.locationOf(ctx, after.AgencyCode, cal)
	if err != nil {
		return err
	}
	if delta, changed := report.Change(before, after, report.KeyOf(after, proc.FieldCode, loc)); changed {
		if err := s.store.ApplyStats(ctx, []report.Delta{delta}); err != nil {
			return err
		}
	}
	var units []report.UnitDelta
	for i := range slip {
		r := &slip[i]
		if r.Outcome != domain.SlipFinished {
			continue
		}
		var lateBy = cal.Between(r.DueAt, r.FinishedAt)
		units = append(units, report.StepFinished(r, lateBy, loc))
	}
	return s.store.ApplyUnitStats(ctx, units)
}

// locationOf returns an agency's time zone (from its calendar when known).
func (s *Service) locationOf(ctx context.Context, agency string, cal *calendar.Calendar) (*time.Location, error) {
	if cal != nil {
		return cal.Location(), nil
	}
	a, err := s.store.GetAgency(ctx, agency)
	if err != nil {
		return nil, err
	}
	return a.Location()
}
