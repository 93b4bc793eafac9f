package config

import (
	"testing"

	"github.com/spf13/pflag"
)

// TestMandateRegistryFlags: the flags bind with their defaults (no registry
// by default), the environment sets the secret, and incomplete settings
// are refused before the server starts.
func TestMandateRegistryFlags(t *testing.T) {
	c := DefaultConfig()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.BindServe(fs)
	t.Setenv("MOTCUA_MANDATE_REGISTRY_CLIENT_SECRET", "from-env")
	if err := fs.Parse([]string{"--mandate-registry-url", "https://uyquyen.example.gov.vn", "--mandate-registry-client-id", "motcua"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs); err != nil {
		t.Fatal(err)
	}
	m := c.MandateRegistry
	if m.ClientSecret != "from-env" || m.Timeout <= 0 || m.IntakeWait <= 0 || m.RetryInterval <= 0 {
		t.Fatalf("bound: %+v", m)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if tlsCfg, err := m.TLS(); err != nil || tlsCfg != nil {
		t.Fatalf("no TLS files: %v %v", tlsCfg, err)
	}
	for name, bad := range map[string]func(*MandateRegistry){
		"not a URL":        func(m *MandateRegistry) { m.URL = "uyquyen.example" },
		"no client id":     func(m *MandateRegistry) { m.ClientID = "" },
		"cert without key": func(m *MandateRegistry) { m.CertFile = "/tmp/cert.pem" },
		"zero wait":        func(m *MandateRegistry) { m.IntakeWait = 0 },
	} {
		b := m
		bad(&b)
		if err := b.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (&MandateRegistry{}).Validate(); err != nil {
		t.Fatalf("no registry: %v", err)
	}
	m.CAFile = "/nonexistent/ca.pem"
	if _, err := m.TLS(); err == nil {
		t.Fatal("a missing CA file was accepted")
	}
}
