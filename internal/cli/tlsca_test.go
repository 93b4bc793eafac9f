package cli

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// TestClientTrustsAPrivateCA: the client commands reach a server whose
// certificate a province's private CA signed, given --tls-ca-file; without
// it the system roots refuse the certificate.
func TestClientTrustsAPrivateCA(t *testing.T) {
	ca := testenv.NewCA(t, "Sở TTTT test CA")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	cert := ca.Issue(t, "motcua", true)
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	tok := e.Token(t, auth.TokenSpec{Subject: "clerk-1", Role: domain.RoleClerk, Agency: "000.00.01.H55"})

	out, errOut, err := runCLI("dossier", "list", "--addr", e.Addr, "--token", tok, "--tls", "--tls-ca-file", caFile, "--purpose", "tls test")
	if err != nil {
		t.Fatalf("list over TLS with the private CA: %v\n%s%s", err, out, errOut)
	}
	_, errOut, err = runCLI("dossier", "list", "--addr", e.Addr, "--token", tok, "--tls", "--purpose", "tls test")
	if err == nil || !strings.Contains(errOut, "Unavailable") && !strings.Contains(strings.ToLower(errOut), "certificate") {
		t.Fatalf("list over TLS with the system roots: %v %q; want a certificate failure", err, errOut)
	}
	if _, _, err := runCLI("dossier", "list", "--addr", e.Addr, "--token", tok, "--tls-ca-file", caFile); err == nil {
		t.Fatal("--tls-ca-file without --tls was accepted")
	}
}
