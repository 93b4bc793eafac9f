package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/motcua/motcua/internal/domain"
)

// Mutation identifies a mutating request for Mutate.
type Mutation struct {
	// RequestID is the caller's idempotency key (unique per principal).
	RequestID string
	// Method names the operation (the full RPC method).
	Method string
	// Fingerprint identifies the request's content without its request id
	// (the transport hashes its canonical encoding), so a request id reused
	// for another request is recognised.
	Fingerprint string
	// GroupKey, when set, lets the store commit this mutation together
	// with concurrent ones (GroupKey): mutations with different keys must
	// never need the same row locks (an intake's key is its receiving
	// agency, whose day sequence and aggregate rows it updates). Set it
	// only for work that touches nothing but the database: a member
	// waiting on anything else holds its whole group.
	GroupKey string
}

// Codec turns an answer into the bytes recorded for retries and back. The
// transport supplies it, so a retry returns exactly the bytes of the first
// answer.
type Codec[R any] struct {
	Encode func(R) ([]byte, error)
	Decode func([]byte) (R, error)
}

// EventHook receives the events a mutation sealed, inside its transaction
// and before the answer is recorded: an error rolls the whole mutation
// back. It is where an outbox or job enqueue plugs in (docs/design.md).
type EventHook func(ctx context.Context, events []domain.Event) error

// WithEventHook adds a hook Mutate runs in every mutation's transaction.
func WithEventHook(h EventHook) Option {
	return func(c *config) { c.eventHooks = append(c.eventHooks, h) }
}

// CommitHook receives the events of a mutation after its transaction
// committed, once (never for a replayed answer or a rolled-back run). It
// cannot fail the mutation: it is for what may be lost, such as metrics.
type CommitHook func(ctx context.Context, events []domain.Event)

// WithCommitHook adds a hook Mutate runs after every committed mutation.
func WithCommitHook(h CommitHook) Option {
	return func(c *config) { c.commitHooks = append(c.commitHooks, h) }
}

// Mutate is the one path of every mutating request. It looks the request
// up by (principal identity key, request id) and, if it was processed,
// returns the recorded answer without running anything. Otherwise, in one
// transaction it opens itself, it runs the use case (the domain rule,
// event sealing and aggregates, which join the transaction), hands the
// sealed events to the event hooks, and records the encoded answer; the
// record's unique key makes a concurrent twin of the request fail at that
// insert and roll back, after which it finds the winner's answer. Reusing
// a request id for a different request fails with ErrRequestReused. Failed
// calls record nothing, so they may be retried.
//
// The look-up is a read before the transaction rather than its first
// statement: one round trip fewer while the transaction holds its locks,
// and a grouped transaction (GroupKey) runs only the work.
func Mutate[R any](ctx context.Context, s *Service, p domain.Principal, m Mutation, c Codec[R],
	run func(ctx context.Context) (R, error)) (R, error) {
	key := p.Key() // never the subject alone: see domain.IdentityKey
	for attempt := 1; ; attempt++ {
		var out R
		rec, err := s.requests.GetRequest(ctx, key, m.RequestID)
		switch {
		case err == nil:
			if rec.Method != m.Method || rec.RequestHash != m.Fingerprint {
				return out, fmt.Errorf("%w: request_id %q was already used for a different request (%s); use a new request_id for a new request",
					domain.ErrRequestReused, m.RequestID, rec.Method)
			}
			return c.Decode(rec.Response)
		case !errors.Is(err, domain.ErrNotFound):
			return out, err
		}
		var committed []domain.Event // the events of the run that commits
		err = s.requests.InTx(WithGroupKey(ctx, m.GroupKey), func(ctx context.Context) error {
			sealed := &sealedEvents{}
			ctx = context.WithValue(ctx, sealedKey{}, sealed)
			var err error
			if out, err = run(ctx); err != nil {
				return err
			}
			committed = sealed.list()
			for _, h := range s.eventHooks {
				if err := h(ctx, committed); err != nil {
					return err
				}
			}
			b, err := c.Encode(out)
			if err != nil {
				return err
			}
			return s.requests.SaveRequest(ctx, &RequestRecord{Principal: key, RequestID: m.RequestID, Method: m.Method,
				RequestHash: m.Fingerprint, Response: b, CreatedAt: s.Now()})
		})
		var ae *domain.AlreadyExistsError
		if errors.As(err, &ae) && ae.Kind == "request" && attempt < 3 {
			continue // a concurrent twin won the race: read its answer
		}
		if err == nil && len(committed) > 0 {
			for _, h := range s.commitHooks {
				h(ctx, committed)
			}
		}
		return out, err
	}
}

type groupKey struct{}

// WithGroupKey marks ctx for InTx as GroupKey reads it (Mutate's own
// marking; exported for the store's tests). Work so marked must be
// re-runnable even after a commit whose outcome was not learnt.
func WithGroupKey(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return context.WithValue(ctx, groupKey{}, key)
}

// GroupKey says whether the transaction InTx is asked to run with ctx may
// be committed together with other concurrent ones (group commit,
// docs/design.md), and under which key (Mutation.GroupKey). Mutate marks
// its own when the transport asks: its run looks its idempotency record
// up first, so it may be run again, alone, even after a COMMIT whose
// outcome the store could not learn. A store that groups must answer a
// member only after the commit that holds its writes, and give it its own
// outcome.
func GroupKey(ctx context.Context) (string, bool) {
	k, ok := ctx.Value(groupKey{}).(string)
	return k, ok
}

// sealedEvents collects the events stored during one run of a mutation.
type sealedEvents struct {
	mu     sync.Mutex
	events []domain.Event
}

func (s *sealedEvents) list() []domain.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]domain.Event(nil), s.events...)
}

type sealedKey struct{}

// recordSealed notes a stored event for the funnel's hooks, if ctx runs
// inside Mutate.
func recordSealed(ctx context.Context, e *domain.Event) {
	if s, ok := ctx.Value(sealedKey{}).(*sealedEvents); ok {
		s.mu.Lock()
		s.events = append(s.events, *e)
		s.mu.Unlock()
	}
}
