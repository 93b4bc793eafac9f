package gormstore

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/store"
)

// The event feed (migration 00009, docs/events-stream.md). On PostgreSQL a
// position is (tx_id, pos) and the horizon is (xmin of the current
// snapshot, 0): every transaction with a smaller id has finished, so the
// rows below it are final, and a row of a transaction still running (or
// yet to start) has tx_id >= xmin and lies after the horizon. On SQLite,
// whose writers are serialised and number their rows while holding the
// write lock, pos is commit order and the horizon is the largest pos.

// feedColumns are eventRow's columns in the feed's join, with the position
// (tx_id as text: the driver has no Go type for xid8) and the dossier code.
const feedColumns = `e.id, e.dossier_id, e.seq, e.action, e.from_status, e.to_status, e.step_index, e.occurred_at, e.note,
	e.request_id, e.channel, e.actor_id, e.actor_role, e.actor_agency, e.actor_kind, e.assurance, e.on_behalf_of,
	e.mandate_ref, e.source_system, e.client_address, e.dossier_version, e.details, e.state, e.state_z, e.prev_hash, e.hash,
	e.pos AS feed_pos, d.code AS dossier_code`

type feedRow struct {
	Row         eventRow `gorm:"embedded"`
	FeedTx      string
	FeedPos     int64
	DossierCode string
}

// FeedHorizon implements store.Dossiers.
// It is always the primary's: a cursor is checked against it.
func (s *Store) FeedHorizon(ctx context.Context) (store.FeedPosition, error) {
	return s.feedHorizon(s.conn(ctx))
}

func (s *Store) feedHorizon(db *gorm.DB) (store.FeedPosition, error) {
	if s.dialect == Postgres {
		var xmin string
		if err := db.Raw("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").Scan(&xmin).Error; err != nil {
			return store.FeedPosition{}, err
		}
		tx, err := strconv.ParseInt(xmin, 10, 64)
		if err != nil {
			return store.FeedPosition{}, fmt.Errorf("feed horizon %q: %w", xmin, err)
		}
		return store.FeedPosition{Tx: tx}, nil
	}
	var last *int64
	if err := db.Raw("SELECT MAX(pos) FROM dossier_events").Scan(&last).Error; err != nil {
		return store.FeedPosition{}, err
	}
	if last == nil {
		return store.FeedPosition{}, nil
	}
	return store.FeedPosition{Pos: *last}, nil
}

// ReadFeed implements store.Dossiers.
// It may be served by a read replica (replicas.go): the horizon and the
// rows then both come from the replica, whose snapshots follow the
// primary's commit order, so a position read there is one the primary had.
// A replica behind the caller's cursor returns nothing new, and the cursor
// never moves back (app.Watch.Next).
func (s *Store) ReadFeed(ctx context.Context, f store.FeedFilter, limit int) (out []store.FeedEvent, horizon store.FeedPosition, err error) {
	err = s.read(ctx, func(db *gorm.DB) error {
		var e error
		out, horizon, e = s.readFeed(db, f, limit)
		return e
	})
	return out, horizon, err
}

func (s *Store) readFeed(db *gorm.DB, f store.FeedFilter, limit int) ([]store.FeedEvent, store.FeedPosition, error) {
	// The horizon first: every transaction below it finished before this
	// statement's snapshot, so the read below sees all of their rows.
	horizon, err := s.feedHorizon(db)
	if err != nil {
		return nil, horizon, err
	}
	q, ok := inScope(db.Table("dossier_events e").Joins("JOIN dossiers d ON d.id = e.dossier_id"),
		"d.", f.ScopeCitizenID, f.ScopeAgencies, f.ScopeAll)
	if !ok {
		return nil, horizon, nil
	}
	cols := feedColumns
	if s.dialect == Postgres {
		cols += ", e.tx_id::text AS feed_tx"
		q = q.Where("e.tx_id < ?::xid8", strconv.FormatInt(horizon.Tx, 10)).
			Where("(e.tx_id, e.pos) > (?::xid8, ?)", strconv.FormatInt(f.After.Tx, 10), f.After.Pos).
			Order("e.tx_id, e.pos")
	} else {
		q = q.Where("e.pos > ? AND e.pos <= ?", f.After.Pos, horizon.Pos).Order("e.pos")
	}
	if f.AgencyCode != "" {
		q = q.Where("d.agency_code = ?", f.AgencyCode)
	}
	if f.DossierID != "" {
		q = q.Where("e.dossier_id = ?", f.DossierID)
	}
	if len(f.Actions) > 0 {
		acts := make([]int, len(f.Actions))
		for i, a := range f.Actions {
			acts[i] = int(a)
		}
		q = q.Where("e.action IN ?", acts)
	}
	var rows []feedRow
	if err := q.Select(cols).Limit(limit).Scan(&rows).Error; err != nil {
		return nil, horizon, err
	}
	out := make([]store.FeedEvent, len(rows))
	for i, r := range rows {
		out[i].Event = eventFromRow(r.Row)
		out[i].DossierCode = r.DossierCode
		out[i].Position.Pos = r.FeedPos
		if r.FeedTx != "" {
			if out[i].Position.Tx, err = strconv.ParseInt(r.FeedTx, 10, 64); err != nil {
				return nil, horizon, fmt.Errorf("event %s: tx_id %q: %w", r.Row.ID, r.FeedTx, err)
			}
		}
	}
	return out, horizon, nil
}
