package webhooks_test

import (
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/webhooks"
)

// gormstore implements the port (both dialects run every test here).
var _ webhooks.Store = (*gormstore.Store)(nil)
