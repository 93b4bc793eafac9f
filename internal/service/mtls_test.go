package service_test

import (
	"context"
	"crypto/tls"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/testenv"
)

// TestMutualTLSForIntegrations: with client CAs configured, an integration
// token is accepted only over a connection whose verified client certificate
// names the token's subject; other principals need no certificate.
func TestMutualTLSForIntegrations(t *testing.T) {
	ca := testenv.NewCA(t, "motcua test CA")
	rogue := testenv.NewCA(t, "rogue CA")
	serverCfg := &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, "motcua", true)}, ClientCAs: ca.Pool, MinVersion: tls.VersionTLS12}
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{TLS: serverCfg,
		ClientTLS: &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}})
	dial := func(cert *tls.Certificate) pb.CatalogServiceClient {
		cfg := &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}
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
	good := ca.Issue(t, "portal-1", false)
	other := ca.Issue(t, "portal-2", false)
	if err := call(dial(&good), portal); err != nil {
		t.Fatalf("integration with its certificate: %v", err)
	}
	wantStatus(t, call(dial(nil), portal), codes.Unauthenticated, "")
	wantStatus(t, call(dial(&other), portal), codes.Unauthenticated, "")
	// A certificate from an unknown CA does not even complete the handshake.
	forged := rogue.Issue(t, "portal-1", false)
	if err := call(dial(&forged), portal); err == nil {
		t.Fatal("a certificate from an untrusted CA was accepted")
	}
	// Citizens and staff need no client certificate.
	if err := call(e.Catalog, e.As(t, testenv.Clerk)); err != nil {
		t.Fatalf("clerk over TLS without a client certificate: %v", err)
	}
}
