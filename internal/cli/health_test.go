package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// startServer runs a real server (gRPC and HTTP on loopback) on a SQLite
// store, migrated or not, until the test ends.
func startServer(t *testing.T, migrate bool) *server.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "motcua.db"))
	if err != nil {
		t.Fatal(err)
	}
	if migrate {
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, verifier, err := auth.NewEphemeralDevKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(app.New(st), st, server.Options{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Verifier: verifier, SchemaPoll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return srv
}

func runCLI(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	root := NewRoot(&out, &errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestHealthCommand(t *testing.T) {
	serving := startServer(t, true)
	behind := startServer(t, false) // schema not migrated: NOT_SERVING

	out, _, err := runCLI("health", "--addr", serving.GRPCAddr())
	if err != nil || !strings.Contains(out, "SERVING") {
		t.Fatalf("serving server: %q, %v", out, err)
	}
	out, _, err = runCLI("health", "--addr", behind.GRPCAddr(), "--service", "")
	if err == nil || !strings.Contains(out, "NOT_SERVING") {
		t.Fatalf("server behind its schema: %q, %v; want NOT_SERVING and an error (exit 1)", out, err)
	}

	// Nobody listening: fails within the timeout, not after a default one.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := lis.Addr().String()
	lis.Close()
	start := time.Now()
	if _, _, err := runCLI("health", "--addr", dead, "--timeout", "300ms"); err == nil {
		t.Fatal("health of a closed port succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("health of a closed port took %s with --timeout 300ms", took)
	}

	// TLS against a plaintext server is a failure, not a hang or a pass.
	if _, _, err := runCLI("health", "--addr", serving.GRPCAddr(), "--tls", "--tls-insecure-skip-verify", "--timeout", "1s"); err == nil {
		t.Error("a TLS health check of a plaintext server succeeded")
	}
	// Misuse is a usage error (exit 2).
	var ue usageError
	for _, args := range [][]string{{"health", "--tls-ca-file", "x.pem"}, {"health", "--timeout", "0s"}} {
		if _, _, err := runCLI(args...); !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}

func TestServesOpenAPIDocument(t *testing.T) {
	srv := startServer(t, true)
	resp, err := http.Get("http://" + srv.HTTPAddr() + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /v1/openapi.json: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, motcua.OpenAPI) {
		t.Error("the served document is not the embedded one")
	}
	var doc struct {
		Info                struct{ Title, Version string }
		SecurityDefinitions map[string]struct{ Type, In, Name string }
		Security            []map[string][]string
		Paths               map[string]any
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.Title != "motcua API" || doc.Info.Version == "" || strings.Contains(doc.Info.Version, "not set") {
		t.Errorf("info = %+v, want a real title and version", doc.Info)
	}
	if b := doc.SecurityDefinitions["bearer"]; b.In != "header" || b.Name != "Authorization" || len(doc.Security) == 0 {
		t.Errorf("bearer security not declared: %+v %v", doc.SecurityDefinitions, doc.Security)
	}
	if _, ok := doc.Paths["/v1/dossiers"]; !ok {
		t.Error("the document lacks /v1/dossiers")
	}
}
