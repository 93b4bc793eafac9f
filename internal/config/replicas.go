package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Replicas are the PostgreSQL streaming replicas reports, lists and the
// event stream may read from (docs/SCALING.md, "Replicas and freshness
// tokens").
type Replicas struct {
	// URLs of the replicas (postgres://…); none by default.
	URLs []string
	// MaxLag bounds how stale a replica may be to serve a read that
	// carries no freshness token.
	MaxLag time.Duration
}

func defaultReplicas() Replicas { return Replicas{MaxLag: 5 * time.Second} }

func (r *Replicas) bind(fs *pflag.FlagSet) {
	fs.StringSliceVar(&r.URLs, "replica-url", r.URLs,
		"postgres:// URL of a streaming replica of --database-url that reports, lists and the event stream may read from (repeat or comma-separate for several; PostgreSQL only)")
	fs.DurationVar(&r.MaxLag, "replica-max-lag", r.MaxLag,
		"a replica further behind the primary than this serves no read without a freshness token; the primary does")
}

func (r Replicas) validate(databaseURL string) error {
	if len(r.URLs) == 0 {
		return nil
	}
	if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
		return fmt.Errorf("--replica-url needs a PostgreSQL --database-url: a SQLite store has no replicas")
	}
	for _, u := range r.URLs {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			return fmt.Errorf("--replica-url must be a postgres:// URL")
		}
	}
	if r.MaxLag < 100*time.Millisecond {
		return fmt.Errorf("--replica-max-lag must be at least 100ms")
	}
	return nil
}
