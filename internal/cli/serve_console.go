package cli

import (
	"context"
	"log/slog"
	"net/http"

	"google.golang.org/grpc"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/console"
)

// consoleMount configures the web console on the HTTP side, or returns nil
// when it is disabled. The development sign-in exists only when tokens are
// verified with the development key.
func consoleMount(cfg config.Config, v *auth.Verifier, secure bool, log *slog.Logger) (func(context.Context, *http.ServeMux, grpc.ClientConnInterface) error, error) {
	if cfg.Console.Path == "" || cfg.HTTPAddr == "" {
		return nil, nil
	}
	o := console.Options{Prefix: cfg.Console.Path, Verifier: v, Secure: secure, Log: log}
	if cfg.JWTKeysFile == "" && cfg.JWKSURL == "" {
		key, _, _, err := auth.EnsureDevKey(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		o.DevKey = key
	}
	if cfg.Console.OIDCIssuer != "" {
		o.OIDC = &console.OIDC{Issuer: cfg.Console.OIDCIssuer, ClientID: cfg.Console.OIDCClientID,
			ClientSecret: cfg.Console.OIDCClientSecret, RedirectURL: cfg.Console.OIDCRedirectURL, Scopes: cfg.Console.OIDCScopes}
	}
	return console.Mount(o), nil
}

func logConsole(log *slog.Logger, cfg config.Config, httpAddr string, secure bool) {
	if cfg.Console.Path == "" || httpAddr == "" {
		return
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	signin := "development sign-in (this machine only)"
	if cfg.Console.OIDCIssuer != "" {
		signin = "OpenID Connect via " + cfg.Console.OIDCIssuer
	}
	log.Info("web console at "+scheme+"://"+httpAddr+cfg.Console.Path, "sign-in", signin)
}
