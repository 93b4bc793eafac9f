package cli

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/seed"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeMountsTheConsole: `motcua serve` with the defaults serves the web
// console under /console/ with the development sign-in, and the signed-in
// page comes from the API; --console-path "" turns it off.
func TestServeMountsTheConsole(t *testing.T) {
	for _, path := range []string{"/console/", ""} {
		t.Run("path="+path, func(t *testing.T) {
			dir := t.TempDir()
			cfg := config.DefaultConfig()
			cfg.DataDir, cfg.DatabaseURL = dir, "sqlite:"+filepath.Join(dir, "motcua.db")
			cfg.GRPCAddr, cfg.HTTPAddr, cfg.AdminAddr = "127.0.0.1:0", freeAddr(t), freeAddr(t)
			cfg.Console.Path = path
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve: %v", err)
				}
			})
			base := "http://" + cfg.HTTPAddr
			var resp *http.Response
			var err error
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if resp, err = http.Get("http://" + cfg.AdminAddr + "/readyz"); err == nil && resp.StatusCode == http.StatusOK {
					break
				}
			}
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("server not ready: %v", err)
			}
			resp, err = http.Get(base + "/console/signin")
			if err != nil {
				t.Fatal(err)
			}
			if path == "" {
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("console disabled but /console/signin answers %d", resp.StatusCode)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/console/signin: %d", resp.StatusCode)
			}
			jar, _ := cookiejar.New(nil)
			cl := &http.Client{Jar: jar}
			resp, err = cl.PostForm(base+"/console/signin/dev", url.Values{"role": {"auditor"}, "subject": {"auditor-1"},
				"agency": {seed.Province}, "purpose": {"serve test"}})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/indicators" || !strings.Contains(string(b), `id="fig-on_time"`) {
				t.Fatalf("after sign-in: %d %s\n%s", resp.StatusCode, resp.Request.URL, b)
			}
		})
	}
}
