package auth

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// VerifyWithExpiry checks a token as Verify does (without its cache) and
// also returns when it expires: the web console makes a session last no
// longer than its token.
func (v *Verifier) VerifyWithExpiry(ctx context.Context, token string) (domain.Principal, time.Time, error) {
	return v.verify(ctx, token)
}
