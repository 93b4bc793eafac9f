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
	Operations      // operations.go
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
		Operations:      DefaultOperations(),
	}
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
	c.BindOperations(fs)
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
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format must be text or json")
	}
	return c.Operations.Validate()
}

// CounterPrefixes parses CounterNetworks (validated by Validate).
func (c *Config) CounterPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.CounterNetworks))
	for _, n := range c.CounterNetworks {
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
