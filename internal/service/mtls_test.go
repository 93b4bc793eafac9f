package service_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T, name string) *testCA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func (ca *testCA) issue(t *testing.T, cn string, server bool) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestMutualTLSForIntegrations: with client CAs configured, an integration
// token is accepted only over a connection whose verified client certificate
// names the token's subject; other principals need no certificate.
func TestMutualTLSForIntegrations(t *testing.T) {
	ca := newCA(t, "motcua test CA")
	rogue := newCA(t, "rogue CA")
	serverCfg := &tls.Config{Certificates: []tls.Certificate{ca.issue(t, "motcua", true)}, ClientCAs: ca.pool, MinVersion: tls.VersionTLS12}
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{TLS: serverCfg,
		ClientTLS: &tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12}})
	dial := func(cert *tls.Certificate) pb.CatalogServiceClient {
		cfg := &tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		conn, err := grpc.NewClient(e.Addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return pb.NewCatalogServiceClient(conn)
	}
	portal := e.As(t, auth.TokenSpec{Subject: "portal-1", Role: domain.RoleIntegration})
	call := func(c pb.CatalogServiceClient, ctx context.Context) error {
		_, err := c.ListAgencies(ctx, &pb.ListAgenciesRequest{})
		return err
	}
	good := ca.issue(t, "portal-1", false)
	other := ca.issue(t, "portal-2", false)
	if err := call(dial(&good), portal); err != nil {
		t.Fatalf("integration with its certificate: %v", err)
	}
	wantStatus(t, call(dial(nil), portal), codes.Unauthenticated, "")
	wantStatus(t, call(dial(&other), portal), codes.Unauthenticated, "")
	// A certificate from an unknown CA does not even complete the handshake.
	forged := rogue.issue(t, "portal-1", false)
	if err := call(dial(&forged), portal); err == nil {
		t.Fatal("a certificate from an untrusted CA was accepted")
	}
	// Citizens and staff need no client certificate.
	if err := call(e.Catalog, e.As(t, testenv.Clerk)); err != nil {
		t.Fatalf("clerk over TLS without a client certificate: %v", err)
	}
}
