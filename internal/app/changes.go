package app

import (
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// Listing by change (ListDossiers with updated_since) is how a portal polls:
// the dossiers changed at or after a time, ordered by (updated_at, id)
// ascending, paged by that pair, so a page boundary inside a run of equal
// times loses nothing and repeats nothing. The contract for pollers is in
// docs/api-versioning.md ("Polling for changes").

// sinceUpdate sets the change filter and, from a page token's position
// ("<updated_at RFC 3339 nano>|<id>"), the keyset.
func (f *DossierFilter) sinceUpdate(q DossierQuery, after string) error {
	if q.ByDue {
		return domain.Invalid("order_by", "updated_since lists in order of change; leave order_by unspecified")
	}
	// Stored times have microseconds: round up, so that "at or after"
	// holds for a time with nanoseconds.
	f.UpdatedSince = q.UpdatedSince
	if tr := f.UpdatedSince.Truncate(time.Microsecond); tr.Before(f.UpdatedSince) {
		f.UpdatedSince = tr.Add(time.Microsecond)
	}
	if after == "" {
		return nil
	}
	var err error
	f.AfterUpdated, f.AfterID, err = timedPosition(after, false)
	return err
}

// updateKey is a dossier's position in the order of change.
func updateKey(d *domain.Dossier) string {
	return d.UpdatedAt.UTC().Format(time.RFC3339Nano) + "|" + d.ID
}
