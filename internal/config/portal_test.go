package config

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPortalAgencies: the per-agency file resolves passwords from a file or
// the environment, refuses unknown keys and duplicates, and no password
// reaches a log line or a formatted value.
func TestPortalAgencies(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pwFile := write("pw", "file-secret\n")
	t.Setenv("PORTAL_PW_TEST", "env-secret")
	p := DefaultPortal()
	p.ConfigFile = write("portal.json", `{"agencies":[
  {"agency":"000.00.01.H55","base_url":"https://dvcqg.example/sync","password_file":"`+pwFile+`"},
  {"agency":"000.00.01.H56","base_url":"http://127.0.0.1:8790","username":"u56","password_env":"PORTAL_PW_TEST"}]}`)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	as, err := p.Agencies()
	if err != nil || len(as) != 2 || as[0].Password != "file-secret" || as[0].Username != "000.00.01.H55" ||
		as[1].Password != "env-secret" || as[1].Username != "u56" {
		t.Fatalf("%+v %v", as, err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("endpoint", "endpoint", as[0], "other", as[1])
	if out := buf.String() + as[0].String(); strings.Contains(out, "secret") || !strings.Contains(out, "dvcqg.example") {
		t.Fatalf("a password was logged: %s", out)
	}
	for name, body := range map[string]string{
		"unknown key": `{"agencies":[{"agency":"A","base_url":"http://x","pasword":"typo"}]}`,
		"duplicate":   `{"agencies":[{"agency":"A","base_url":"http://x"},{"agency":"A","base_url":"http://y"}]}`,
		"bad url":     `{"agencies":[{"agency":"A","base_url":"ftp://x"}]}`,
		"url creds":   `{"agencies":[{"agency":"A","base_url":"https://u:p@x"}]}`,
		"empty env":   `{"agencies":[{"agency":"A","base_url":"http://x","password_env":"PORTAL_PW_UNSET_TEST"}]}`,
	} {
		q := DefaultPortal()
		q.ConfigFile = write("bad.json", body)
		if err := q.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	q := DefaultPortal()
	q.URL = "not a url"
	if err := q.Validate(); err == nil {
		t.Error("--portal-url not a URL: accepted")
	}
}
