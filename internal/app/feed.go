package app

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"sync"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// The event feed: WatchDossierEvents follows the stored events of the
// dossiers a principal may read, in the store's commit-safe order (store
// ReadFeed; docs/events-stream.md), from an opaque cursor.

// ReadWatch is the method recorded in the access log for streamed events.
const ReadWatch = "WatchDossierEvents"

// WatchStart is where a watch without a cursor starts.
type WatchStart int

// The values of WatchStart.
const (
	WatchFromNow WatchStart = iota
	WatchFromBeginning
)

// WatchQuery is what a watch follows and from where.
type WatchQuery struct {
	// Cursor resumes after the event (or heartbeat) that carried it; it
	// wins over Start.
	Cursor string
	Start  WatchStart
	// AgencyCode, DossierID and Actions narrow the events (a dossier's
	// receiving agency; one dossier; any of the actions).
	AgencyCode string
	DossierID  string
	Actions    []domain.Action
	Purpose    string
}

// Watch is a started watch: a principal's position in the feed. It is not
// safe for concurrent use.
type Watch struct {
	s       *DossierReads
	p       domain.Principal
	purpose string
	f       FeedFilter
}

// WatchEvents checks q and starts a watch for p. A dossier filter naming a
// dossier outside p's scope is NOT_FOUND, as GetDossier answers; a cursor
// that is malformed, of another store, or ahead of the feed is
// INVALID_ARGUMENT on "cursor".
func (s *DossierReads) WatchEvents(ctx context.Context, p domain.Principal, q WatchQuery) (*Watch, error) {
	if err := requirePurpose(p, q.Purpose); err != nil {
		return nil, err
	}
	scope, err := s.readScope(ctx, p)
	if err != nil {
		return nil, err
	}
	if q.DossierID != "" {
		d, err := s.st.GetDossier(ctx, q.DossierID)
		if err != nil {
			return nil, err
		}
		if err := s.authoriseRead(ctx, p, d); err != nil {
			return nil, err
		}
	}
	w := &Watch{s: s, p: p, purpose: q.Purpose, f: FeedFilter{AgencyCode: q.AgencyCode, DossierID: q.DossierID,
		Actions: q.Actions, ScopeCitizenID: scope.CitizenID, ScopeAgencies: scope.AgencyCodes}}
	horizon, err := s.st.FeedHorizon(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case q.Cursor != "":
		pos, ok := decodeCursor(q.Cursor)
		if !ok {
			return nil, domain.Invalid("cursor", "not a cursor issued by this server's event stream")
		}
		// A cursor is a position this feed handed out: at or before its
		// horizon, and of the same store kind (SQLite positions have no
		// transaction part). Anything else comes from another installation.
		if horizon.Less(pos) || (horizon.Tx == 0) != (pos.Tx == 0) {
			return nil, domain.Invalid("cursor", "this cursor was not issued by this installation's event stream")
		}
		w.f.After = pos
	case q.Start == WatchFromBeginning:
		if q.DossierID == "" && !policy.MayReplayFeed(p) {
			return nil, &domain.DeniedError{Reason: "REPLAY_NOT_ALLOWED", Field: "start",
				Description: "only applicants and auditors may follow the whole stream from its beginning; start from now or a cursor, or name one dossier"}
		}
	default:
		w.f.After = horizon
	}
	return w, nil
}

// Cursor is the watch's position: resuming from it delivers exactly the
// events after everything this watch returned.
func (w *Watch) Cursor() string { return encodeCursor(w.f.After) }

// Next returns at most limit further events (none if there are none yet)
// and moves the watch past them; a staff principal's read of each dossier
// is logged first. When fewer than limit are returned, the watch has
// caught up with the feed's horizon and moves there, so an idle watch's
// cursor still advances past events it may not see.
func (w *Watch) Next(ctx context.Context, limit int) ([]FeedEvent, error) {
	evs, horizon, err := w.s.st.ReadFeed(ctx, w.f, limit)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var read []*domain.Dossier
	for _, e := range evs {
		if !seen[e.DossierID] {
			seen[e.DossierID] = true
			read = append(read, &domain.Dossier{ID: e.DossierID})
		}
	}
	if err := w.s.logAccess(ctx, w.p, ReadWatch, w.purpose, read...); err != nil {
		return nil, err
	}
	if len(evs) > 0 {
		w.f.After = evs[len(evs)-1].Position
	}
	if len(evs) < limit && w.f.After.Less(horizon) {
		w.f.After = horizon
	}
	return evs, nil
}

// Cursors are base64url of a version byte, the position as two uvarints
// and a CRC-32 of those bytes, so that a truncated or mistyped cursor is
// recognised rather than read as another position.
const cursorVersion = 1

func encodeCursor(p FeedPosition) string {
	b := []byte{cursorVersion}
	b = binary.AppendUvarint(b, uint64(p.Tx))
	b = binary.AppendUvarint(b, uint64(p.Pos))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (FeedPosition, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 1+1+1+4 || b[0] != cursorVersion {
		return FeedPosition{}, false
	}
	body, sum := b[:len(b)-4], b[len(b)-4:]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(sum) {
		return FeedPosition{}, false
	}
	rest := body[1:]
	tx, n := binary.Uvarint(rest)
	if n <= 0 || tx > 1<<62 {
		return FeedPosition{}, false
	}
	rest = rest[n:]
	pos, n := binary.Uvarint(rest)
	if n <= 0 || n != len(rest) || pos > 1<<62 {
		return FeedPosition{}, false
	}
	return FeedPosition{Tx: int64(tx), Pos: int64(pos)}, true
}

// feedSignal wakes watches when a mutation commits on this replica (a
// commit hook), so that they need not wait for their next poll; watches
// still poll, for what other replicas commit.
type feedSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newFeedSignal() *feedSignal { return &feedSignal{ch: make(chan struct{})} }

func (f *feedSignal) wait() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ch
}

func (f *feedSignal) notify(context.Context, []domain.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.ch)
	f.ch = make(chan struct{})
}

// FeedChanged returns a channel closed at the next commit of a mutation on
// this replica. Take it before reading the feed, so that a commit between
// the read and the wait is not missed.
func (s *Service) FeedChanged() <-chan struct{} { return s.feed.wait() }

// FeedCursor is the cursor of a feed position (an event's, for the
// message that carries it).
func FeedCursor(p FeedPosition) string { return encodeCursor(p) }
