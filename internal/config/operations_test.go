package config

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestOperationsSettings: every operations flag is settable from its
// MOTCUA_* variable, and nonsense values are refused with the flag's name.
func TestOperationsSettings(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.BindServe(fs)
	t.Setenv("MOTCUA_ADMIN_ADDR", "0.0.0.0:9999")
	t.Setenv("MOTCUA_DRAIN_PERIOD", "0s")
	t.Setenv("MOTCUA_DB_MAX_OPEN_CONNS", "20")
	t.Setenv("MOTCUA_RATE_LIMIT", "2.5")
	t.Setenv("MOTCUA_REQUEST_RETENTION", "2160h")
	if err := ApplyEnv(fs); err != nil {
		t.Fatal(err)
	}
	if c.AdminAddr != "0.0.0.0:9999" || c.DrainPeriod != 0 || c.DBMaxOpenConns != 20 || c.RateLimit != 2.5 ||
		c.RequestRetention != 90*24*time.Hour {
		t.Fatalf("environment not applied: %+v", c.Operations)
	}
	for _, bad := range []struct {
		set  func(*Operations)
		flag string
	}{
		{func(o *Operations) { o.DrainPeriod = -time.Second }, "--drain-period"},
		{func(o *Operations) { o.TraceSampleRatio = 2 }, "--trace-sample-ratio"},
		{func(o *Operations) { o.DBMaxIdleConns = 40 }, "--db-max-idle-conns"},
		{func(o *Operations) { o.RateBurst = 0 }, "--rate-burst"},
		{func(o *Operations) { o.StreamLimit = -1 }, "--stream-limit"},
		{func(o *Operations) { o.GroupLanes = -1 }, "--group-lanes"},
		{func(o *Operations) { o.GroupLanes = 1025 }, "--group-lanes"},
		{func(o *Operations) { o.RequestRetention = time.Minute }, "--request-retention"},
	} {
		o := DefaultOperations()
		bad.set(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), bad.flag) {
			t.Errorf("want an error naming %s, got %v", bad.flag, err)
		}
	}
}
