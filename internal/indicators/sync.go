package indicators

import (
	"slices"
	"time"
)

// SyncChange is a status change and when the national portal acknowledged
// a state at least as new (zero: not yet).
type SyncChange struct {
	ChangedAt time.Time
	AckedAt   time.Time
}

// SyncTimeliness is how promptly the portal learnt of status changes.
type SyncTimeliness struct {
	// AckedWithinBound: changes acknowledged within the bound ÷ changes
	// that can be judged (acknowledged, or older than the bound at now).
	// A change still within its bound and not yet acknowledged is not
	// judged: it may yet be on time.
	AckedWithinBound Ratio
	// Unacknowledged counts changes not acknowledged at all.
	Unacknowledged int64
	// LagP50 and LagP95 are over acknowledged changes.
	LagP50, LagP95 time.Duration
}

// Timeliness judges changes against bound at now.
func Timeliness(changes []SyncChange, bound time.Duration, now time.Time) SyncTimeliness {
	var out SyncTimeliness
	lags := make([]time.Duration, 0, len(changes))
	for _, c := range changes {
		if c.AckedAt.IsZero() {
			out.Unacknowledged++
			if now.Sub(c.ChangedAt) > bound {
				out.AckedWithinBound.Den++
			}
			continue
		}
		lag := max(c.AckedAt.Sub(c.ChangedAt), 0)
		lags = append(lags, lag)
		out.AckedWithinBound.Den++
		if lag <= bound {
			out.AckedWithinBound.Num++
		}
	}
	slices.Sort(lags)
	out.LagP50, out.LagP95 = quantile(lags, 0.50), quantile(lags, 0.95)
	return out
}

// quantile is the nearest-rank quantile of sorted durations (0 if none).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
