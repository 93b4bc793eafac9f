package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// privateCA makes a CA and a server certificate for 127.0.0.1 it signed;
// the CA certificate is written as PEM to the returned path.
func privateCA(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Sở TTTT test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "motcua"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

// TestClientTrustsAPrivateCA: the client commands reach a server whose
// certificate a province's private CA signed, given --tls-ca-file; without
// it the system roots refuse the certificate.
func TestClientTrustsAPrivateCA(t *testing.T) {
	cert, caFile := privateCA(t)
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
