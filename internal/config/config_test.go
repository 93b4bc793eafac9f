package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestBoundsFromFlagsAndEnvironment(t *testing.T) {
	c := DefaultConfig()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.BindServe(fs)
	t.Setenv("MOTCUA_CALL_TIMEOUT", "7s")
	t.Setenv("MOTCUA_MAX_VERIFY_STREAMS", "9")
	t.Setenv("MOTCUA_DB_STATEMENT_TIMEOUT", "1m") // the flag below wins
	if err := fs.Parse([]string{"--db-statement-timeout=45s", "--health-interval=500ms"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs); err != nil {
		t.Fatal(err)
	}
	b := c.Bounds
	if b.CallTimeout != 7*time.Second || b.MaxVerifyStreams != 9 || b.DBStatementTimeout != 45*time.Second ||
		b.HealthInterval != 500*time.Millisecond || b.DBConnectTimeout != 5*time.Second || b.StreamTimeout != 30*time.Minute {
		t.Errorf("bounds %+v", b)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(*Bounds){
		func(b *Bounds) { b.CallTimeout = -time.Second },
		func(b *Bounds) { b.HealthInterval = time.Millisecond },
		func(b *Bounds) { b.MaxVerifyStreams = -1 },
	} {
		c2 := c
		bad(&c2.Bounds)
		if err := c2.Validate(); err == nil {
			t.Errorf("%+v accepted", c2.Bounds)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c := DefaultConfig()
	if len(c.TrustedProxyPrefixes()) != 0 {
		t.Fatal("trusted proxies by default")
	}
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.BindServe(fs)
	t.Setenv("MOTCUA_TRUSTED_PROXIES", "10.0.0.0/24,2001:db8::/32")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.TrustedProxyPrefixes()); got != "[10.0.0.0/24 2001:db8::/32]" {
		t.Fatalf("trusted proxies %s", got)
	}
	c.TrustedProxies = []string{"10.0.0.1"}
	if err := c.Validate(); err == nil {
		t.Fatal("a bare address accepted as a network")
	}
}

// pflag reads a back-quoted word in a usage string as the flag's value
// name: "--portal-dead-letter-after motcua sync retry" in --help. No usage
// of serve's flags may quote.
func TestServeFlagUsageHasNoBackQuotes(t *testing.T) {
	c := DefaultConfig()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.BindServe(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if strings.Contains(f.Usage, "`") {
			t.Errorf("--%s: usage %q has a back quote (pflag shows the quoted text as the value's name)", f.Name, f.Usage)
		}
	})
}
