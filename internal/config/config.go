// Package config holds motcua's settings: one DefaultConfig, bound to
// command-line flags, each also settable as a MOTCUA_* environment variable
// (the flag wins when both are given).
package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/webhooks"
)

// Config is every setting of `motcua serve`; other commands use a subset.
type Config struct {
	GRPCAddr        string
	HTTPAddr        string
	DataDir         string
	DatabaseURL     string
	AutoMigrate     string // auto | always | never
	DemoCatalog     string // auto | always | never
	JWTKeysFile     string
	JWKSURL         string
	JWTIssuer       string
	JWTAudience     string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	TLSCertFile     string
	TLSKeyFile      string
	TLSClientCAFile string
	CounterNetworks []string
	// TrustedProxies are the CIDR networks of reverse proxies whose
	// X-Forwarded-For is believed (docs/security.md); none by default.
	TrustedProxies []string
	// Checkpoints (docs/security.md): every CheckpointInterval (0: never)
	// the chain heads are sealed, signed with the key in CheckpointKeyFile
	// (default <data-dir>/checkpoint.key, created if missing; public key
	// beside it with .pub), written to CheckpointDir (default
	// <data-dir>/checkpoints) and POSTed to CheckpointWitnessURL if set.
	CheckpointInterval   time.Duration
	CheckpointKeyFile    string
	CheckpointDir        string
	CheckpointWitnessURL string
	CheckpointOrigin     string
	Operations           // operations.go
	Bounds               Bounds
	Console              Console
	Portal               Portal           // portal.go
	Documents            Documents        // documents.go
	Population           Population       // population.go
	BusinessRegistry     BusinessRegistry // population.go
	MandateRegistry      MandateRegistry  // mandates.go
	Jobs                 Jobs             // jobs.go
	Webhooks             Webhooks         // webhooks.go
	Replicas             Replicas         // replicas.go
}

// Bounds limit how long the server waits and how much it runs at once
// (docs/operations.md, "Failures and bounds").
type Bounds struct {
	DBConnectTimeout   time.Duration
	DBStatementTimeout time.Duration
	DBLockTimeout      time.Duration
	CallTimeout        time.Duration
	StreamTimeout      time.Duration
	HealthInterval     time.Duration
	HealthTimeout      time.Duration
	MaxVerifyStreams   int
}

// DefaultConfig returns the defaults: loopback listeners, SQLite in the
// user's data directory, development tokens.
func DefaultConfig() Config {
	return Config{
		GRPCAddr:        "127.0.0.1:50051",
		HTTPAddr:        "127.0.0.1:8080",
		DataDir:         DefaultDataDir(),
		AutoMigrate:     "auto",
		DemoCatalog:     "auto",
		JWTAudience:     "motcua",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 15 * time.Second,
		Replicas:        defaultReplicas(),
		Bounds: Bounds{
			DBConnectTimeout:   5 * time.Second,
			DBStatementTimeout: 30 * time.Second,
			DBLockTimeout:      10 * time.Second,
			CallTimeout:        30 * time.Second,
			StreamTimeout:      30 * time.Minute,
			HealthInterval:     2 * time.Second,
			HealthTimeout:      2 * time.Second,
			MaxVerifyStreams:   4,
		},

		CheckpointInterval: 10 * time.Minute,
		Operations:         DefaultOperations(),
		Portal:             DefaultPortal(),
		Documents:          DefaultDocuments(),
		Jobs:               jobs.DefaultConfig(),
		Webhooks:           webhooks.DefaultConfig(),
	}
}

// CheckpointKeyPath is the checkpoint signing key's file.
func (c *Config) CheckpointKeyPath() string {
	if c.CheckpointKeyFile != "" {
		return c.CheckpointKeyFile
	}
	return filepath.Join(c.DataDir, "checkpoint.key")
}

// CheckpointDirPath is the directory checkpoints are written to.
func (c *Config) CheckpointDirPath() string {
	if c.CheckpointDir != "" {
		return c.CheckpointDir
	}
	return filepath.Join(c.DataDir, "checkpoints")
}

// DefaultDataDir is $XDG_DATA_HOME/motcua, or ~/.local/share/motcua.
func DefaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "motcua")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "motcua")
	}
	return "motcua-data"
}

// Flag names; the environment variable is MOTCUA_ + upper snake case.
const (
	FlagGRPCAddr    = "grpc-addr"
	FlagHTTPAddr    = "http-addr"
	FlagDataDir     = "data-dir"
	FlagDatabaseURL = "database-url"
)

// BindStore binds the settings that locate the store.
func (c *Config) BindStore(fs *pflag.FlagSet) {
	fs.StringVar(&c.DataDir, FlagDataDir, c.DataDir, "directory for the SQLite store and the development signing key")
	fs.StringVar(&c.DatabaseURL, FlagDatabaseURL, c.DatabaseURL,
		"postgres://… for PostgreSQL, sqlite:<path>, or memory; empty means the SQLite file <data-dir>/motcua.db")
}

// BindServe binds every serve setting.
func (c *Config) BindServe(fs *pflag.FlagSet) {
	c.BindStore(fs)
	fs.StringVar(&c.GRPCAddr, FlagGRPCAddr, c.GRPCAddr, "gRPC listen address")
	fs.StringVar(&c.HTTPAddr, FlagHTTPAddr, c.HTTPAddr, "HTTP listen address for the JSON gateway (/v1/…); empty disables (health and metrics: --admin-addr)")
	fs.StringVar(&c.AutoMigrate, "auto-migrate", c.AutoMigrate, "apply migrations at start: auto (SQLite yes, PostgreSQL no), always, never")
	fs.StringVar(&c.DemoCatalog, "demo-catalog", c.DemoCatalog, "install the demo catalog into an empty store: auto (SQLite yes, PostgreSQL no), always, never")
	fs.StringVar(&c.JWTKeysFile, "jwt-keys-file", c.JWTKeysFile, "file of token verification public keys (JWK set JSON or PEM); with --jwks-url unset and this empty, the development key is used")
	fs.StringVar(&c.JWKSURL, "jwks-url", c.JWKSURL, "URL of a JWK set to verify tokens with, refreshed in the background")
	fs.StringVar(&c.JWTIssuer, "jwt-issuer", c.JWTIssuer, "required token issuer (iss); required with production keys")
	fs.StringVar(&c.JWTAudience, "jwt-audience", c.JWTAudience, "required token audience (aud)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long to let calls finish on shutdown before cutting them")
	fs.StringVar(&c.TLSCertFile, "tls-cert-file", c.TLSCertFile, "serve gRPC and HTTP over TLS with this certificate (PEM)")
	fs.StringVar(&c.TLSKeyFile, "tls-key-file", c.TLSKeyFile, "the TLS certificate's private key (PEM)")
	fs.StringVar(&c.TLSClientCAFile, "tls-client-ca-file", c.TLSClientCAFile,
		"verify client certificates against these CAs (mTLS); integrations must then present one naming their token subject")
	fs.StringSliceVar(&c.CounterNetworks, "counter-networks", c.CounterNetworks,
		"CIDR networks of the counters' own computers (comma-separated); online filings from them are flagged")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies,
		"CIDR networks of reverse proxies in front of motcua (comma-separated); only from them is X-Forwarded-For believed for the caller's address (default none)")
	b := &c.Bounds
	fs.DurationVar(&b.DBConnectTimeout, "db-connect-timeout", b.DBConnectTimeout, "PostgreSQL: give up opening a connection after this long (whole seconds; 0 = no limit)")
	fs.DurationVar(&b.DBStatementTimeout, "db-statement-timeout", b.DBStatementTimeout, "PostgreSQL: the server cancels any statement running longer (statement_timeout; 0 = the server's setting)")
	fs.DurationVar(&b.DBLockTimeout, "db-lock-timeout", b.DBLockTimeout, "PostgreSQL: give up waiting for a lock after this long (lock_timeout; 0 = the server's setting)")
	fs.DurationVar(&b.CallTimeout, "call-timeout", b.CallTimeout, "longest a unary call may run, whatever the client's deadline; then UNAVAILABLE (0 = no limit)")
	fs.DurationVar(&b.StreamTimeout, "stream-timeout", b.StreamTimeout, "longest a streaming call (audit verification) may run (0 = no limit)")
	fs.DurationVar(&b.HealthInterval, "health-interval", b.HealthInterval, "how often the store's health is checked for /readyz and gRPC health")
	fs.DurationVar(&b.HealthTimeout, "health-timeout", b.HealthTimeout, "a health check slower than this fails")
	fs.IntVar(&b.MaxVerifyStreams, "max-verify-streams", b.MaxVerifyStreams, "most VerifyAuditChain streams run at once; more are refused RESOURCE_EXHAUSTED (0 = no limit)")
	fs.DurationVar(&c.CheckpointInterval, "checkpoint-interval", c.CheckpointInterval,
		"seal a signed checkpoint of every chain head this often (0 disables checkpoints)")
	fs.StringVar(&c.CheckpointKeyFile, "checkpoint-key-file", c.CheckpointKeyFile,
		"the checkpoint signing key (created if missing, mode 0600; public key beside it as .pub); default <data-dir>/checkpoint.key")
	fs.StringVar(&c.CheckpointDir, "checkpoint-dir", c.CheckpointDir,
		"directory each signed checkpoint is written to (put it outside the database's control); default <data-dir>/checkpoints")
	fs.StringVar(&c.CheckpointWitnessURL, "checkpoint-witness-url", c.CheckpointWitnessURL,
		"URL each signed checkpoint is POSTed to (text/plain), e.g. a witness run by the inspectorate")
	fs.StringVar(&c.CheckpointOrigin, "checkpoint-origin", c.CheckpointOrigin,
		"name of this installation in checkpoints (default: the host name)")
	c.Console.bind(fs)
	c.Portal.BindPortal(fs)
	c.Population.bind(fs)
	c.BusinessRegistry.bind(fs)
	c.MandateRegistry.bind(fs)
	bindJobs(&c.Jobs, fs)
	c.Replicas.bind(fs)
	bindWebhooks(&c.Webhooks, fs)
	c.BindOperations(fs)
	c.BindDocuments(fs)
}

// EnvName is the environment variable of a flag.
func EnvName(flag string) string {
	return "MOTCUA_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag not given on the command line from its MOTCUA_*
// environment variable, if present.
func ApplyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		if v, ok := os.LookupEnv(EnvName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", EnvName(f.Name), v, e)
			}
		}
	})
	return err
}

// StoreURL is the database URL to open.
func (c *Config) StoreURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return "sqlite:" + filepath.Join(c.DataDir, "motcua.db")
}

// Validate checks the settings' values.
func (c *Config) Validate() error {
	for name, v := range map[string]string{"auto-migrate": c.AutoMigrate, "demo-catalog": c.DemoCatalog} {
		if v != "auto" && v != "always" && v != "never" {
			return fmt.Errorf("--%s must be auto, always or never, not %q", name, v)
		}
	}
	if err := c.Documents.validate(); err != nil {
		return err
	}
	if c.JWTKeysFile != "" && c.JWKSURL != "" {
		return fmt.Errorf("give --jwt-keys-file or --jwks-url, not both")
	}
	if (c.JWTKeysFile != "" || c.JWKSURL != "") && c.JWTIssuer == "" {
		return fmt.Errorf("--jwt-issuer is required with production keys (--jwt-keys-file or --jwks-url)")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return fmt.Errorf("--tls-cert-file and --tls-key-file go together")
	}
	if c.TLSClientCAFile != "" && c.TLSCertFile == "" {
		return fmt.Errorf("--tls-client-ca-file needs --tls-cert-file and --tls-key-file")
	}
	for _, n := range c.CounterNetworks {
		if _, err := netip.ParsePrefix(n); err != nil {
			return fmt.Errorf("--counter-networks: %q is not a CIDR network like 10.20.0.0/16", n)
		}
	}
	for _, n := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(n); err != nil {
			return fmt.Errorf("--trusted-proxies: %q is not a CIDR network like 10.0.0.0/24", n)
		}
	}
	b := c.Bounds
	for name, d := range map[string]time.Duration{"db-connect-timeout": b.DBConnectTimeout, "db-statement-timeout": b.DBStatementTimeout,
		"db-lock-timeout": b.DBLockTimeout, "call-timeout": b.CallTimeout, "stream-timeout": b.StreamTimeout} {
		if d < 0 {
			return fmt.Errorf("--%s must not be negative", name)
		}
	}
	if b.HealthInterval < 100*time.Millisecond || b.HealthTimeout < 10*time.Millisecond {
		return fmt.Errorf("--health-interval must be at least 100ms and --health-timeout at least 10ms")
	}
	if b.MaxVerifyStreams < 0 {
		return fmt.Errorf("--max-verify-streams must not be negative")
	}
	if c.CheckpointInterval < 0 || (c.CheckpointInterval > 0 && c.CheckpointInterval < time.Second) {
		return fmt.Errorf("--checkpoint-interval must be 0 (off) or at least 1s")
	}
	if u := c.CheckpointWitnessURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return fmt.Errorf("--checkpoint-witness-url must be an http:// or https:// URL")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format must be text or json")
	}
	if err := c.Portal.Validate(); err != nil {
		return err
	}
	if err := c.Population.Validate(); err != nil {
		return err
	}
	if err := c.BusinessRegistry.Validate(); err != nil {
		return err
	}
	if err := c.MandateRegistry.Validate(); err != nil {
		return err
	}
	if err := c.Console.Validate(); err != nil {
		return err
	}
	if err := c.Jobs.Validate(); err != nil {
		return err
	}
	if err := c.Replicas.validate(c.StoreURL()); err != nil {
		return err
	}
	if err := c.Webhooks.Validate(); err != nil {
		return err
	}
	return c.Operations.Validate()
}

// CounterPrefixes parses CounterNetworks (validated by Validate).
func (c *Config) CounterPrefixes() []netip.Prefix { return prefixes(c.CounterNetworks) }

// TrustedProxyPrefixes parses TrustedProxies (validated by Validate).
func (c *Config) TrustedProxyPrefixes() []netip.Prefix { return prefixes(c.TrustedProxies) }

func prefixes(nets []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(nets))
	for _, n := range nets {
		if p, err := netip.ParsePrefix(n); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// TLSReloadCheck is how often, at most, the certificate files are checked
// for a renewal.
var TLSReloadCheck = 10 * time.Second

// TLS loads the TLS settings, or returns nil when TLS is off.
func (c *Config) TLS() (*tls.Config, error) {
	if c.TLSCertFile == "" {
		return nil, nil
	}
	// Renewed certificates are picked up without a restart (tlsreload.go).
	certs, err := newCertReloader(c.TLSCertFile, c.TLSKeyFile, TLSReloadCheck)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{GetCertificate: certs.GetCertificate, MinVersion: tls.VersionTLS12}
	if c.TLSClientCAFile != "" {
		pem, err := os.ReadFile(c.TLSClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("client CA: %w", err)
		}
		cfg.ClientCAs = x509.NewCertPool()
		if !cfg.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client CA %s: no PEM certificates", c.TLSClientCAFile)
		}
	}
	return cfg, nil
}
