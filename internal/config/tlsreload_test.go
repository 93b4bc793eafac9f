package config

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
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 named cn.
func writeCert(t *testing.T, certFile, keyFile, cn string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// served returns the common name of the certificate a TLS server with cfg
// presents to a real client over loopback.
func served(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	lis, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		if c, err := lis.Accept(); err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", lis.Addr().String(), &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // reads the served certificate
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// TestTLSCertificateReload: a renewed certificate is served without a
// restart, and a half-written renewal keeps the previous one in service.
func TestTLSCertificateReload(t *testing.T) {
	old := TLSReloadCheck
	TLSReloadCheck = 0
	t.Cleanup(func() { TLSReloadCheck = old })
	dir := t.TempDir()
	c := DefaultConfig()
	c.TLSCertFile, c.TLSKeyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeCert(t, c.TLSCertFile, c.TLSKeyFile, "first")
	cfg, err := c.TLS()
	if err != nil {
		t.Fatal(err)
	}
	if cn := served(t, cfg); cn != "first" {
		t.Fatalf("served %q, want first", cn)
	}
	writeCert(t, c.TLSCertFile, c.TLSKeyFile, "renewed")
	if cn := served(t, cfg); cn != "renewed" {
		t.Fatalf("after renewal served %q, want renewed", cn)
	}
	if err := os.WriteFile(c.TLSKeyFile, []byte("-----BEGIN PRIVATE KEY-----\ntrunc"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cn := served(t, cfg); cn != "renewed" {
		t.Fatalf("with a broken key file served %q, want the previous certificate", cn)
	}
}
