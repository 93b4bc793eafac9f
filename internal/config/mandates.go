package config

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/pflag"
)

// MandateRegistry configures the connector to a registry of representation
// mandates (docs/identity.md). An empty URL disables it: mandates are then
// confirmed by officials only (CheckMandate).
type MandateRegistry struct {
	URL          string
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	CAFile       string
	CertFile     string
	KeyFile      string
	Timeout      time.Duration
	// IntakeWait bounds how long an intake waits for the registry before
	// recording the check as pending.
	IntakeWait time.Duration
	// RetryInterval is how often a sweep asks again about pending checks
	// (each has its own job too, retried with backoff).
	RetryInterval time.Duration
}

func (m *MandateRegistry) bind(fs *pflag.FlagSet) {
	fs.StringVar(&m.URL, "mandate-registry-url", "", "base URL of the mandate registry's API; empty: mandates are confirmed by officials only")
	fs.StringVar(&m.TokenURL, "mandate-registry-token-url", "", "OAuth2 token URL (default: <mandate-registry-url>/oauth2/token)")
	fs.StringVar(&m.ClientID, "mandate-registry-client-id", "", "OAuth2 client id of this server at the mandate registry")
	fs.StringVar(&m.ClientSecret, "mandate-registry-client-secret", "",
		"OAuth2 client secret (prefer the environment variable MOTCUA_MANDATE_REGISTRY_CLIENT_SECRET)")
	fs.StringSliceVar(&m.Scopes, "mandate-registry-scopes", nil, "OAuth2 scopes to ask for (comma-separated)")
	fs.StringVar(&m.CAFile, "mandate-registry-ca-file", "", "PEM CA certificates to trust for the mandate registry (default: the system's)")
	fs.StringVar(&m.CertFile, "mandate-registry-cert-file", "", "PEM client certificate for mutual TLS with the mandate registry")
	fs.StringVar(&m.KeyFile, "mandate-registry-key-file", "", "PEM key of --mandate-registry-cert-file")
	fs.DurationVar(&m.Timeout, "mandate-registry-timeout", 5*time.Second, "bound on one call to the mandate registry")
	fs.DurationVar(&m.IntakeWait, "mandate-registry-intake-wait", 2*time.Second,
		"how long an intake waits for the mandate registry before recording the check as pending")
	fs.DurationVar(&m.RetryInterval, "mandate-registry-retry-interval", time.Minute,
		"how often a sweep asks again about pending mandate checks (each also has its own job, retried with backoff)")
}

// Validate checks the mandate-registry settings.
func (m *MandateRegistry) Validate() error {
	if m.URL == "" {
		return nil
	}
	u, err := url.Parse(m.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--mandate-registry-url must be an http(s) URL, not %q", m.URL)
	}
	if m.ClientID == "" {
		return fmt.Errorf("--mandate-registry-url needs --mandate-registry-client-id (and its secret)")
	}
	if (m.CertFile == "") != (m.KeyFile == "") {
		return fmt.Errorf("--mandate-registry-cert-file and --mandate-registry-key-file go together")
	}
	if m.Timeout <= 0 || m.IntakeWait <= 0 || m.RetryInterval <= 0 {
		return fmt.Errorf("--mandate-registry-timeout, --mandate-registry-intake-wait and --mandate-registry-retry-interval must be positive")
	}
	return nil
}

// TLS returns the client TLS settings (nil: the defaults).
func (m *MandateRegistry) TLS() (*tls.Config, error) {
	return clientTLS("mandate-registry", m.CAFile, m.CertFile, m.KeyFile)
}
