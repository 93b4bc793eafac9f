package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/pflag"
)

// Console configures the web console (docs/console.md).
type Console struct {
	// Path is where the console is served on the HTTP side; empty disables it.
	Path string
	// OIDC sign-in: the provider's issuer URL, this client's id and secret,
	// and the callback URL registered with the provider.
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCRedirectURL  string
	OIDCScopes       []string
}

func (c *Console) bind(fs *pflag.FlagSet) {
	fs.StringVar(&c.Path, "console-path", "/console/", "path of the web console on the HTTP side; empty disables it")
	fs.StringVar(&c.OIDCIssuer, "console-oidc-issuer", "", "OpenID Connect issuer URL for console sign-in (authorization code with PKCE)")
	fs.StringVar(&c.OIDCClientID, "console-oidc-client-id", "", "the console's client id at the OpenID Connect provider")
	fs.StringVar(&c.OIDCClientSecret, "console-oidc-client-secret", "",
		"the console's client secret, if the provider gives one (prefer the environment variable MOTCUA_CONSOLE_OIDC_CLIENT_SECRET)")
	fs.StringVar(&c.OIDCRedirectURL, "console-oidc-redirect-url", "",
		"the console's callback URL as registered with the provider, e.g. https://motcua.example/console/auth/callback")
	fs.StringSliceVar(&c.OIDCScopes, "console-oidc-scopes", nil, "scopes to ask for beyond openid (comma-separated)")
}

// Validate checks the console settings.
func (c *Console) Validate() error {
	if c.Path != "" && (!strings.HasPrefix(c.Path, "/") || !strings.HasSuffix(c.Path, "/") || c.Path == "/" ||
		strings.HasPrefix(c.Path, "/v1/") || strings.ContainsAny(c.Path, " {}?#")) {
		return fmt.Errorf("--console-path must be a path like /console/ (leading and trailing slash, not / or under /v1/), not %q", c.Path)
	}
	if c.OIDCIssuer == "" {
		if c.OIDCClientID != "" || c.OIDCRedirectURL != "" {
			return fmt.Errorf("--console-oidc-client-id and --console-oidc-redirect-url need --console-oidc-issuer")
		}
		return nil
	}
	if c.OIDCClientID == "" || c.OIDCRedirectURL == "" {
		return fmt.Errorf("--console-oidc-issuer needs --console-oidc-client-id and --console-oidc-redirect-url")
	}
	for name, v := range map[string]string{"console-oidc-issuer": c.OIDCIssuer, "console-oidc-redirect-url": c.OIDCRedirectURL} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--%s must be an http(s) URL, not %q", name, v)
		}
	}
	return nil
}
