package app

import (
	"time"

	"context"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/indicators"
)

// applyStats moves the indicator aggregates from dossier before (nil: new)
// to after, and counts the workflow steps finished (in slip; cal measures
// their lateness), in the caller's transaction. loc is the agency's time
// zone.
func (s *Lifecycle) applyStats(ctx context.Context, before, after *domain.Dossier, proc *domain.Procedure, loc *time.Location,
	cal *calendar.Calendar, slip []domain.SlipRow) error {
	if delta, changed := indicators.Change(before, after, indicators.KeyOf(after, proc.FieldCode, loc)); changed {
		if err := s.st.ApplyStats(ctx, []indicators.Delta{delta}); err != nil {
			return err
		}
	}
	var units []indicators.UnitDelta
	for i := range slip {
		r := &slip[i]
		if r.Outcome != domain.SlipFinished {
			continue
		}
		var lateBy = cal.Between(r.DueAt, r.FinishedAt)
		units = append(units, indicators.StepFinished(r, lateBy, loc))
	}
	return s.st.ApplyUnitStats(ctx, units)
}
