package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Portal configures the synchronisation with the national public service
// portal (docs/portal-sync.md). It is off unless a base URL is given, by
// --portal-url (one set of credentials for every agency) or per agency in
// --portal-config.
type Portal struct {
	// ConfigFile is a JSON file of per-agency endpoints and credentials.
	ConfigFile string
	// URL, Username and Password are the default endpoint and
	// credentials, for agencies the file does not list.
	URL      string
	Username string
	Password string
	// Timeout bounds each HTTP call to the portal.
	Timeout time.Duration
	// DeadLetterAfter: failing this long dead-letters a dossier.
	DeadLetterAfter time.Duration
	// AckBound is the sync timeliness indicator's bound.
	AckBound time.Duration
	// Interval is how often the elected leader sweeps for due deliveries
	// (retries re-armed, changes no job covers).
	Interval time.Duration
	// ReconcileInterval runs the reconciliation of every listed agency this
	// often (0: only on demand, `motcua sync reconcile`).
	ReconcileInterval time.Duration
	// Workers deliver at once.
	Workers int
}

// PortalAgency is one agency's endpoint and credentials. The password is
// given inline, in a file, or in an environment variable; it is never
// logged (LogValue).
type PortalAgency struct {
	Agency       string `json:"agency"`
	BaseURL      string `json:"base_url"`
	Username     string `json:"username"`
	Password     string `json:"password,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
	PasswordEnv  string `json:"password_env,omitempty"`
}

// LogValue redacts the password.
func (a PortalAgency) LogValue() slog.Value {
	return slog.GroupValue(slog.String("agency", a.Agency), slog.String("base_url", a.BaseURL), slog.String("username", a.Username))
}

// String redacts the password.
func (a PortalAgency) String() string {
	return fmt.Sprintf("{agency %s, %s, user %s, password redacted}", a.Agency, a.BaseURL, a.Username)
}

// DefaultPortal returns the portal defaults (off).
func DefaultPortal() Portal {
	return Portal{Timeout: 10 * time.Second, DeadLetterAfter: 24 * time.Hour, AckBound: 24 * time.Hour,
		Interval: 5 * time.Second, Workers: 4}
}

// BindPortal adds the portal flags.
func (p *Portal) BindPortal(fs *pflag.FlagSet) {
	fs.StringVar(&p.ConfigFile, "portal-config", p.ConfigFile, "JSON file of per-agency national portal endpoints and credentials (docs/portal-sync.md)")
	fs.StringVar(&p.URL, "portal-url", p.URL, "base URL of the national portal (DVCQG) for agencies --portal-config does not list; empty with no --portal-config: no sync")
	fs.StringVar(&p.Username, "portal-username", p.Username, "username at the portal for --portal-url (default: the dossier's agency code)")
	fs.StringVar(&p.Password, "portal-password", p.Password, "password at the portal for --portal-url (prefer MOTCUA_PORTAL_PASSWORD)")
	fs.DurationVar(&p.Timeout, "portal-timeout", p.Timeout, "longest one call to the portal may take")
	fs.DurationVar(&p.DeadLetterAfter, "portal-dead-letter-after", p.DeadLetterAfter, "a dossier failing to sync this long is dead-lettered (then motcua sync retry)")
	fs.DurationVar(&p.AckBound, "portal-ack-bound", p.AckBound, "the sync timeliness indicator counts status changes acknowledged within this bound")
	fs.DurationVar(&p.Interval, "portal-sync-interval", p.Interval, "how often the elected leader sweeps for due deliveries (re-armed retries, changes no job covers)")
	fs.DurationVar(&p.ReconcileInterval, "portal-reconcile-interval", p.ReconcileInterval, "reconcile every configured agency this often (0: only with motcua sync reconcile)")
	fs.IntVar(&p.Workers, "portal-workers", p.Workers, "dossiers delivered to the portal at once")
}

// Enabled reports whether a portal is configured.
func (p *Portal) Enabled() bool { return p.URL != "" || p.ConfigFile != "" }

// Agencies reads the per-agency file (none without one) and resolves the
// passwords.
func (p *Portal) Agencies() ([]PortalAgency, error) {
	var out []PortalAgency
	if p.ConfigFile != "" {
		b, err := os.ReadFile(p.ConfigFile)
		if err != nil {
			return nil, fmt.Errorf("--portal-config: %w", err)
		}
		var f struct {
			Agencies []PortalAgency `json:"agencies"`
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("--portal-config %s: %w", p.ConfigFile, err)
		}
		out = f.Agencies
	}
	seen := map[string]bool{}
	for i := range out {
		a := &out[i]
		if a.Agency == "" || seen[a.Agency] {
			return nil, fmt.Errorf("--portal-config: entry %d: agency is required and listed once", i)
		}
		seen[a.Agency] = true
		if err := checkPortalURL(a.BaseURL); err != nil {
			return nil, fmt.Errorf("--portal-config: agency %s: %w", a.Agency, err)
		}
		switch {
		case a.PasswordFile != "":
			b, err := os.ReadFile(a.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("--portal-config: agency %s: password_file: %w", a.Agency, err)
			}
			a.Password = strings.TrimSpace(string(b))
		case a.PasswordEnv != "":
			a.Password = os.Getenv(a.PasswordEnv)
			if a.Password == "" {
				return nil, fmt.Errorf("--portal-config: agency %s: environment variable %s is empty", a.Agency, a.PasswordEnv)
			}
		}
		if a.Username == "" {
			a.Username = a.Agency
		}
	}
	return out, nil
}

func checkPortalURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("base URL must be http(s)://host[:port][/path] without credentials, not %q", s)
	}
	return nil
}

// Validate checks the portal settings.
func (p *Portal) Validate() error {
	if p.URL != "" {
		if err := checkPortalURL(p.URL); err != nil {
			return fmt.Errorf("--portal-url: %w", err)
		}
	}
	if p.Timeout <= 0 || p.DeadLetterAfter <= 0 || p.AckBound <= 0 || p.Interval <= 0 || p.Workers < 1 || p.ReconcileInterval < 0 {
		return fmt.Errorf("--portal-timeout, --portal-dead-letter-after, --portal-ack-bound, --portal-sync-interval must be positive, --portal-workers at least 1")
	}
	if p.ConfigFile != "" {
		if _, err := p.Agencies(); err != nil {
			return err
		}
	}
	return nil
}
