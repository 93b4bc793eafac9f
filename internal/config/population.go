package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/spf13/pflag"
)

// Population configures the connector to the national population
// database (docs/identity.md). An empty URL disables it: intake then
// records no identity check.
type Population struct {
	URL          string
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// CAFile trusts the database's certificate; CertFile and KeyFile are
	// this server's client certificate for mutual TLS.
	CAFile   string
	CertFile string
	KeyFile  string
	Timeout  time.Duration
	// IntakeWait bounds how long an intake waits for the database before
	// recording the check as pending.
	IntakeWait time.Duration
	// CacheTTL bounds how long an answer is reused (personal data held in
	// memory); negative disables the cache.
	CacheTTL time.Duration
	// RetryInterval is how often a sweep asks again about pending checks
	// (each has its own job too, retried with backoff).
	RetryInterval time.Duration
}

func (p *Population) bind(fs *pflag.FlagSet) {
	fs.StringVar(&p.URL, "population-db-url", "", "base URL of the national population database API; empty: no identity checks at intake")
	fs.StringVar(&p.TokenURL, "population-db-token-url", "", "OAuth2 token URL (default: <population-db-url>/oauth2/token)")
	fs.StringVar(&p.ClientID, "population-db-client-id", "", "OAuth2 client id of this server at the population database")
	fs.StringVar(&p.ClientSecret, "population-db-client-secret", "",
		"OAuth2 client secret (prefer the environment variable MOTCUA_POPULATION_DB_CLIENT_SECRET)")
	fs.StringSliceVar(&p.Scopes, "population-db-scopes", nil, "OAuth2 scopes to ask for (comma-separated)")
	fs.StringVar(&p.CAFile, "population-db-ca-file", "", "PEM CA certificates to trust for the population database (default: the system's)")
	fs.StringVar(&p.CertFile, "population-db-cert-file", "", "PEM client certificate for mutual TLS with the population database")
	fs.StringVar(&p.KeyFile, "population-db-key-file", "", "PEM key of --population-db-cert-file")
	fs.DurationVar(&p.Timeout, "population-db-timeout", 5*time.Second, "bound on one call to the population database")
	fs.DurationVar(&p.IntakeWait, "population-db-intake-wait", 2*time.Second,
		"how long an intake waits for the population database before recording the check as pending")
	fs.DurationVar(&p.CacheTTL, "population-db-cache-ttl", 10*time.Minute, "how long an answer is reused; negative: never")
	fs.DurationVar(&p.RetryInterval, "population-db-retry-interval", time.Minute,
		"how often a sweep asks again about pending identity checks (each also has its own job, retried with backoff)")
}

// Validate checks the population-database settings.
func (p *Population) Validate() error {
	if p.URL == "" {
		return nil
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--population-db-url must be an http(s) URL, not %q", p.URL)
	}
	if p.ClientID == "" {
		return fmt.Errorf("--population-db-url needs --population-db-client-id (and its secret)")
	}
	if (p.CertFile == "") != (p.KeyFile == "") {
		return fmt.Errorf("--population-db-cert-file and --population-db-key-file go together")
	}
	if p.Timeout <= 0 || p.IntakeWait <= 0 || p.RetryInterval <= 0 {
		return fmt.Errorf("--population-db-timeout, --population-db-intake-wait and --population-db-retry-interval must be positive")
	}
	return nil
}

// TLS returns the client TLS settings (nil: the defaults).
func (p *Population) TLS() (*tls.Config, error) {
	return clientTLS("population-db", p.CAFile, p.CertFile, p.KeyFile)
}

// clientTLS is a connector's client TLS settings from its --<flag>-ca-file,
// -cert-file and -key-file (nil: the defaults).
func clientTLS(flag, caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" && certFile == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--%s-ca-file %s holds no PEM certificate", flag, caFile)
		}
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// BusinessRegistry configures the connector to the national business
// registration system (docs/identity.md). An empty URL disables hand-offs:
// accepted business-registration dossiers then stay PENDING.
type BusinessRegistry struct {
	URL          string
	ClientID     string
	ClientSecret string
	Timeout      time.Duration
	// Interval is how often pending hand-offs are sent and open ones polled.
	Interval time.Duration
}

func (b *BusinessRegistry) bind(fs *pflag.FlagSet) {
	fs.StringVar(&b.URL, "business-registry-url", "", "base URL of the national business registration system's API; empty: no hand-offs")
	fs.StringVar(&b.ClientID, "business-registry-client-id", "", "OAuth2 client id at the business registry")
	fs.StringVar(&b.ClientSecret, "business-registry-client-secret", "",
		"OAuth2 client secret (prefer the environment variable MOTCUA_BUSINESS_REGISTRY_CLIENT_SECRET)")
	fs.DurationVar(&b.Timeout, "business-registry-timeout", 10*time.Second, "bound on one call to the business registry")
	fs.DurationVar(&b.Interval, "business-registry-interval", time.Minute,
		"how often pending hand-offs are swept and sent hand-offs' status polled")
}

// Validate checks the business-registry settings.
func (b *BusinessRegistry) Validate() error {
	if b.URL == "" {
		return nil
	}
	u, err := url.Parse(b.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--business-registry-url must be an http(s) URL, not %q", b.URL)
	}
	if b.ClientID == "" || b.Timeout <= 0 || b.Interval <= 0 {
		return fmt.Errorf("--business-registry-url needs --business-registry-client-id and positive timeout and interval")
	}
	return nil
}
