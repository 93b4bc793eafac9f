package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeEnv is what an operator must export before `docker compose up`;
// the check also proves that the file refuses to load without it (no
// default password, no default issuer).
var composeEnv = map[string]string{
	"MOTCUA_DB_PASSWORD": "deploycheck-not-a-password",
	"MOTCUA_JWT_ISSUER":  "https://id.example.gov.vn",
}

func loadCompose(path string, env map[string]string) (*types.Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	details := types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}},
		Environment: env,
	}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("motcua", true)
		o.ResolvePaths = true
	})
}

func checkCompose(path, envoyPath string) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, "compose.yaml: "+fmt.Sprintf(format, args...)) }
	for _, missing := range sortedKeys(composeEnv) {
		env := map[string]string{}
		for k, v := range composeEnv {
			if k != missing {
				env[k] = v
			}
		}
		if _, err := loadCompose(path, env); err == nil {
			add("loads without %s: a default is in the file (it must be required: ${%s:?…})", missing, missing)
		}
	}
	proj, err := loadCompose(path, composeEnv)
	if err != nil {
		return append(p, "compose.yaml: "+err.Error())
	}
	svc := func(name string) *types.ServiceConfig {
		s, err := proj.GetService(name)
		if err != nil {
			add("no service %q", name)
			return nil
		}
		return &s
	}
	db, migrate, motcua, envoy := svc("db"), svc("migrate"), svc("motcua"), svc("envoy")
	if db != nil && db.HealthCheck == nil {
		add("db: a health check is needed (the migration waits for it)")
	}
	if migrate != nil {
		if !slices.Contains(migrate.Command, "migrate") {
			add("migrate: command must be migrate")
		}
		if dep, ok := migrate.DependsOn["db"]; !ok || dep.Condition != types.ServiceConditionHealthy {
			add("migrate: must depend on db being healthy")
		}
	}
	if motcua != nil {
		if motcua.Deploy == nil || motcua.Deploy.Replicas == nil || *motcua.Deploy.Replicas < 2 {
			add("motcua: deploy.replicas must be at least 2")
		}
		if dep, ok := motcua.DependsOn["migrate"]; !ok || dep.Condition != types.ServiceConditionCompletedSuccessfully {
			add("motcua: must depend on migrate completing successfully")
		}
		if hc := motcua.HealthCheck; hc == nil || !slices.Contains(hc.Test, "health") {
			add("motcua: the health check must run `motcua health` (the image has no shell)")
		}
		if len(motcua.Ports) > 0 {
			add("motcua: replicas must not publish ports (clients go through the load balancer)")
		}
		env := func(k string) string {
			if v := motcua.Environment[k]; v != nil {
				return *v
			}
			return ""
		}
		keys := env("MOTCUA_JWT_KEYS_FILE")
		if keys == "" && env("MOTCUA_JWKS_URL") == "" {
			add("motcua: no MOTCUA_JWT_KEYS_FILE or MOTCUA_JWKS_URL: it would use a development key")
		}
		if env("MOTCUA_JWT_ISSUER") == "" {
			add("motcua: MOTCUA_JWT_ISSUER is required")
		}
		if env("MOTCUA_DEMO_CATALOG") != "never" {
			add("motcua: MOTCUA_DEMO_CATALOG must be never")
		}
		if keys != "" && !slices.ContainsFunc(motcua.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == keys && v.ReadOnly }) {
			add("motcua: MOTCUA_JWT_KEYS_FILE %s is not mounted read-only", keys)
		}
		if !motcua.ReadOnly {
			add("motcua: read_only root filesystem expected")
		}
		// The replicas must believe Envoy's X-Forwarded-For, and only its.
		if proxies, problem := trustedProxies(env("MOTCUA_TRUSTED_PROXIES")); problem != "" {
			add("motcua: %s", problem)
		} else if envoy != nil {
			addr := ""
			for _, n := range envoy.Networks {
				if n != nil && n.Ipv4Address != "" {
					addr = n.Ipv4Address
				}
			}
			if !containsAddr(proxies, addr) {
				add("motcua: MOTCUA_TRUSTED_PROXIES must contain envoy's fixed address (networks.<net>.ipv4_address), got %q", addr)
			}
		}
	}
	if envoy != nil {
		want, _ := filepath.Abs(envoyPath)
		if !slices.ContainsFunc(envoy.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Source == want }) {
			add("envoy: does not mount %s (the file deploycheck validates)", envoyPath)
		}
		if dep, ok := envoy.DependsOn["motcua"]; !ok || dep.Condition != types.ServiceConditionHealthy {
			add("envoy: must depend on motcua being healthy")
		}
	}
	for _, s := range proj.Services {
		if s.Image == "" && s.Build == nil {
			add("%s: no image", s.Name)
		}
		if strings.HasSuffix(s.Image, ":latest") {
			add("%s: image %s: name a version", s.Name, s.Image)
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind && !strings.HasPrefix(v.Source, "/") {
				add("%s: bind source %s is not resolved", s.Name, v.Source)
			}
			if v.Type == types.VolumeTypeBind && strings.HasSuffix(v.Source, ".yaml") {
				if _, err := os.Stat(v.Source); err != nil {
					add("%s: %v", s.Name, err)
				}
			}
		}
	}
	return p
}
