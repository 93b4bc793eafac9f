package console

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// agencyTTL is how long a user's agency list is reused: every page needs
// it (the picker, the units, the subtree), and the catalogue of agencies
// changes rarely; a new agency shows within this time.
const agencyTTL = 30 * time.Second

// agencyCacheMax bounds the cache; past it, the cache starts over.
const agencyCacheMax = 1000

// agencyCache keeps each session's agency list for agencyTTL. It is keyed by
// a hash of the bearer token, so a list is only ever reused for the very
// credentials that read it (the console still has no rights of its own).
type agencyCache struct {
	mu sync.Mutex
	m  map[[32]byte]agencyEntry
}

type agencyEntry struct {
	list    []agencyOpt
	expires time.Time
}

// agencyList is agencies(ctx) for the session, cached.
func (c *Console) agencyList(ctx context.Context, s *session) ([]agencyOpt, error) {
	key := sha256.Sum256([]byte(s.token))
	now := time.Now()
	c.agencyCache.mu.Lock()
	e, ok := c.agencyCache.m[key]
	c.agencyCache.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.list, nil
	}
	list, err := c.agencies(ctx)
	if err != nil {
		return nil, err
	}
	c.agencyCache.mu.Lock()
	defer c.agencyCache.mu.Unlock()
	if c.agencyCache.m == nil || len(c.agencyCache.m) >= agencyCacheMax {
		c.agencyCache.m = map[[32]byte]agencyEntry{}
	}
	c.agencyCache.m[key] = agencyEntry{list: list, expires: now.Add(agencyTTL)}
	return list, nil
}
