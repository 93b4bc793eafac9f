package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
)

// cacheTTL bounds how stale a cached calendar or procedure may be on a
// replica that did not make the change itself (changes made here are seen at
// once). Calendars and new procedure versions are set ahead of the days they
// govern, so a minute is harmless.
const cacheTTL = time.Minute

// ttlCache is a small concurrency-safe map whose entries expire.
type ttlCache[V any] struct {
	mu sync.Mutex
	m  map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func (c *ttlCache[V]) get(key string, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(key string, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]ttlEntry[V]{}
	}
	c.m[key] = ttlEntry[V]{v: v, expires: now.Add(cacheTTL)}
}

func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

// caches hold what every action reads and almost nothing changes.
type caches struct {
	calendars  ttlCache[*calendar.Calendar]
	procedures ttlCache[*domain.Procedure]
	// Agencies are only ever created (the store has no update, move or
	// delete), so a cached agency is exact and a code found in a cached
	// subtree is still below its root; a code missing from it is read
	// again (it may have been created since, on another replica).
	agencies ttlCache[*domain.Agency]
	subtrees ttlCache[[]string]
}

// cachedAgency returns an agency as read at most a minute ago (a copy: the
// caller may change it).
func (s *shared) cachedAgency(ctx context.Context, code string) (*domain.Agency, error) {
	now := time.Now()
	a, ok := s.cache.agencies.get(code, now)
	if !ok {
		var err error
		if a, err = s.reads.GetAgency(ctx, code); err != nil {
			return nil, err
		}
		s.cache.agencies.put(code, a, now)
	}
	c := *a
	return &c, nil
}

// inSubtree reports whether agency is root or below it, from a subtree read
// at most a minute ago when that says yes, from the store otherwise.
func (s *shared) inSubtree(ctx context.Context, root, agency string) (bool, error) {
	now := time.Now()
	if sub, ok := s.cache.subtrees.get(root, now); ok && slices.Contains(sub, agency) {
		return true, nil
	}
	sub, err := s.reads.AgencySubtree(ctx, root)
	if err != nil {
		return false, err
	}
	s.cache.subtrees.put(root, sub, now)
	return slices.Contains(sub, agency), nil
}

// cachedCalendar returns an agency's calendar, built at most once a minute.
func (s *shared) cachedCalendar(ctx context.Context, a *domain.Agency) (*calendar.Calendar, error) {
	now := time.Now()
	if cal, ok := s.cache.calendars.get(a.Code, now); ok {
		return cal, nil
	}
	cal, err := s.calendarFor(ctx, a)
	if err != nil {
		return nil, err
	}
	s.cache.calendars.put(a.Code, cal, now)
	return cal, nil
}

// cachedProcedure returns a procedure as read at most a minute ago. Versions
// are immutable once created, so a dossier's pinned version is always right.
func (s *shared) cachedProcedure(ctx context.Context, code string) (*domain.Procedure, error) {
	now := time.Now()
	if p, ok := s.cache.procedures.get(code, now); ok {
		return p, nil
	}
	p, err := s.reads.GetProcedure(ctx, code)
	if err != nil {
		return nil, err
	}
	s.cache.procedures.put(code, p, now)
	return p, nil
}
