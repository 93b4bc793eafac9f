package app

import (
	"context"

	"github.com/motcua/motcua/internal/domain"
)

// Lifecycle holds the dossier mutations (intake and every action on an
// existing dossier) over the one port they use. Each runs in one
// transaction (joining the caller's, such as Mutate's).
type Lifecycle struct {
	*shared
	st LifecycleStore
	// files checks the files components and results reference; nil only
	// for NewLifecycle (the seed generator's synthetic rows).
	files *Documents
}

// NewLifecycle returns the dossier mutations alone over st: for the seed
// generator, which runs them over a scratch store.
func NewLifecycle(st LifecycleStore, opts ...Option) *Lifecycle {
	return &Lifecycle{shared: newShared(st, newConfig(opts)), st: st}
}

// appendEvent stores a sealed event and hands it to the funnel's event
// hooks (see Mutate) when the call runs inside one.
func (l *Lifecycle) appendEvent(ctx context.Context, e *domain.Event) error {
	if err := l.st.AppendEvent(ctx, e); err != nil {
		return err
	}
	recordSealed(ctx, e)
	return nil
}
