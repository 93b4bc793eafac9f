package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/testenv"
)

// portalClient is an HTTP client that remembers the local address of its
// last connection: the address the server must record as the caller's.
type portalClient struct {
	*http.Client
	mu    sync.Mutex
	local string
}

func newPortalClient(cfg *tls.Config) *portalClient {
	c := &portalClient{}
	d := &net.Dialer{}
	c.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if err == nil {
				c.mu.Lock()
				c.local = conn.LocalAddr().String()
				c.mu.Unlock()
			}
			return conn, err
		}}}
	return c
}

func (c *portalClient) Local() string { c.mu.Lock(); defer c.mu.Unlock(); return c.local }

// call sends method path with the headers and a JSON body (or none) and
// returns the status and the raw body.
func (c *portalClient) call(t *testing.T, method, url string, headers map[string]string, body []byte) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func submitJSON(t *testing.T, requestID, citizen string) []byte {
	t.Helper()
	b, err := protojson.Marshal(&pb.SubmitDossierRequest{RequestId: requestID, Dossier: testenv.Draft(citizen)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func portalSpec(subject string) auth.TokenSpec {
	return auth.TokenSpec{Subject: subject, Role: domain.RoleIntegration}
}

// A portal acting for a citizen over the JSON gateway is the same principal
// as over gRPC: it files for the citizen and lists the citizen's dossiers.
func TestPortalActsForCitizenOverHTTP(t *testing.T) {
	forEachStore(t, testenv.Options{HTTP: true}, func(t *testing.T, e *testenv.Env) {
		citizen := testenv.CitizenID(71)
		c := newPortalClient(nil)
		hdr := map[string]string{"Authorization": "Bearer " + e.Token(t, portalSpec("portal-json")),
			"X-Motcua-Citizen-Id": citizen, "X-Motcua-Citizen-Assurance": "VNEID_2", "Content-Type": "application/json"}
		code, raw := c.call(t, "POST", e.HTTPURL+"/v1/dossiers:submit", hdr, submitJSON(t, "portal-http-1", citizen))
		if code != http.StatusOK {
			t.Fatalf("submit for a citizen over HTTP: %d %s", code, raw)
		}
		var sub pb.SubmitDossierResponse
		if err := protojson.Unmarshal(raw, &sub); err != nil {
			t.Fatal(err)
		}
		at := sub.GetEvent().GetAttribution()
		if at.GetOnBehalfOf() != "" || at.GetSourceSystem() == "" || sub.GetDossier().GetApplicant().GetIdNumber() != citizen {
			t.Fatalf("attribution of a portal filing over HTTP: %v", at)
		}
		code, raw = c.call(t, "GET", e.HTTPURL+"/v1/dossiers", hdr, nil)
		var list pb.ListDossiersResponse
		if code != http.StatusOK || protojson.Unmarshal(raw, &list) != nil || len(list.GetDossiers()) != 1 ||
			list.GetDossiers()[0].GetId() != sub.GetDossier().GetId() {
			t.Fatalf("list for a citizen over HTTP: %d %s", code, raw)
		}
		// Polling for changes over JSON: since the filing's change, it is
		// listed; after it, nothing.
		upd := sub.GetDossier().GetUpdateTime().AsTime()
		for since, want := range map[time.Time]int{upd: 1, upd.Add(time.Microsecond): 0} {
			code, raw = c.call(t, "GET", e.HTTPURL+"/v1/dossiers?updated_since="+since.Format(time.RFC3339Nano), hdr, nil)
			list.Reset()
			if code != http.StatusOK || protojson.Unmarshal(raw, &list) != nil || len(list.GetDossiers()) != want {
				t.Fatalf("updated_since %s over HTTP: %d %s, want %d dossiers", since, code, raw, want)
			}
		}
		// The assurance header is required with the citizen header, as over gRPC.
		delete(hdr, "X-Motcua-Citizen-Assurance")
		if code, raw = c.call(t, "GET", e.HTTPURL+"/v1/dossiers", hdr, nil); code != http.StatusUnauthorized {
			t.Fatalf("citizen id without assurance: %d %s, want 401", code, raw)
		}
	})
}

// The address recorded for an HTTP filing is the HTTP client's, not the
// gateway's own loopback connection; X-Forwarded-For counts only from a
// configured trusted proxy, and then its right-most untrusted entry.
func TestGatewayRecordsTheCallersAddress(t *testing.T) {
	counter := netip.MustParsePrefix("10.57.0.0/16")
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			t.Run("untrusted peer", func(t *testing.T) {
				e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{HTTP: true, CounterNetworks: []netip.Prefix{counter}})
				citizen := testenv.CitizenID(72)
				c := newPortalClient(nil)
				hdr := map[string]string{"Authorization": "Bearer " + e.Token(t, testenv.Citizen(citizen)),
					"X-Forwarded-For": "10.57.1.20", "Forwarded": "for=10.57.1.21"}
				code, raw := c.call(t, "POST", e.HTTPURL+"/v1/dossiers:submit", hdr, submitJSON(t, "addr-1", citizen))
				if code != http.StatusOK {
					t.Fatalf("submit: %d %s", code, raw)
				}
				var sub pb.SubmitDossierResponse
				if err := protojson.Unmarshal(raw, &sub); err != nil {
					t.Fatal(err)
				}
				if got := sub.GetEvent().GetAttribution().GetClientAddress(); got != c.Local() {
					t.Fatalf("recorded client address %q, want the HTTP client's %q (a spoofed X-Forwarded-For from an untrusted peer must be ignored)", got, c.Local())
				}
				if n := counterFilings(t, e); n != 0 {
					t.Fatalf("a spoofed X-Forwarded-For made %d counter-network filings", n)
				}
			})
			t.Run("trusted proxy", func(t *testing.T) {
				e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{HTTP: true, CounterNetworks: []netip.Prefix{counter},
					ServerOptions: func(o *server.Options) {
						o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24")}
					}})
				citizen := testenv.CitizenID(73)
				c := newPortalClient(nil)
				// The left-most entries are the client's to write; the proxies
				// (192.0.2.x, then the peer) appended the rest.
				hdr := map[string]string{"Authorization": "Bearer " + e.Token(t, testenv.Citizen(citizen)),
					"X-Forwarded-For": "203.0.113.66, 10.57.1.20, 192.0.2.7"}
				code, raw := c.call(t, "POST", e.HTTPURL+"/v1/dossiers:submit", hdr, submitJSON(t, "addr-2", citizen))
				if code != http.StatusOK {
					t.Fatalf("submit: %d %s", code, raw)
				}
				var sub pb.SubmitDossierResponse
				if err := protojson.Unmarshal(raw, &sub); err != nil {
					t.Fatal(err)
				}
				if got := sub.GetEvent().GetAttribution().GetClientAddress(); got != "10.57.1.20" {
					t.Fatalf("recorded client address %q behind a trusted proxy, want 10.57.1.20", got)
				}
				if n := counterFilings(t, e); n != 1 {
					t.Fatalf("an HTTP filing from a counter network: %d counter-network filings, want 1", n)
				}
			})
		})
	}
}

func counterFilings(t *testing.T, e *testenv.Env) int {
	t.Helper()
	resp, err := pb.NewAuditServiceClient(e.Conn).ListCounterNetworkFilings(e.As(t, testenv.Auditor), &pb.ListCounterNetworkFilingsRequest{
		AgencyCode: seed.Province, FromTime: timestamppb.New(time.Now().Add(-time.Hour)), ToTime: timestamppb.New(time.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.GetFilings())
}

// The metadata by which the gateway tells the gRPC side who called it is
// believed only on the gateway's in-process connection: a gRPC caller
// sending it is refused, and an HTTP caller cannot smuggle it through.
func TestGatewayMetadataIsNotBelievedFromOutside(t *testing.T) {
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{HTTP: true,
		CounterNetworks: []netip.Prefix{netip.MustParsePrefix("10.57.0.0/16")}})
	citizen := testenv.CitizenID(74)
	for _, kv := range [][2]string{{auth.MDGatewayClientAddress, "10.57.1.20:4000"}, {auth.MDGatewayClientCert, "portal-1"}} {
		ctx := metadata.AppendToOutgoingContext(e.As(t, testenv.Citizen(citizen)), kv[0], kv[1])
		_, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "forged-" + kv[0], Dossier: testenv.Draft(citizen)})
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("gRPC call with %s: %v, want UNAUTHENTICATED", kv[0], err)
		}
	}
	c := newPortalClient(nil)
	hdr := map[string]string{"Authorization": "Bearer " + e.Token(t, testenv.Citizen(citizen)),
		"Grpc-Metadata-" + auth.MDGatewayClientAddress: "10.57.1.20:4000", auth.MDGatewayClientAddress: "10.57.1.20:4000"}
	code, raw := c.call(t, "POST", e.HTTPURL+"/v1/dossiers:submit", hdr, submitJSON(t, "smuggled", citizen))
	var sub pb.SubmitDossierResponse
	if code != http.StatusOK || protojson.Unmarshal(raw, &sub) != nil {
		t.Fatalf("submit: %d %s", code, raw)
	}
	if got := sub.GetEvent().GetAttribution().GetClientAddress(); got != c.Local() {
		t.Fatalf("an HTTP header set the recorded address to %q (want %q)", got, c.Local())
	}
}

// An integration under mTLS works over HTTPS exactly as over gRPC: its
// verified client certificate must name its token's subject.
func TestMutualTLSIntegrationOverHTTPS(t *testing.T) {
	ca := testenv.NewCA(t, "motcua test CA")
	serverCfg := &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, "motcua", true)}, ClientCAs: ca.Pool, MinVersion: tls.VersionTLS12}
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{HTTP: true, TLS: serverCfg,
				ClientTLS: &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}})
			client := func(cert *tls.Certificate) *portalClient {
				cfg := &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}
				if cert != nil {
					cfg.Certificates = []tls.Certificate{*cert}
				}
				return newPortalClient(cfg)
			}
			citizen := testenv.CitizenID(75)
			hdr := map[string]string{"Authorization": "Bearer " + e.Token(t, portalSpec("portal-1")),
				"X-Motcua-Citizen-Id": citizen, "X-Motcua-Citizen-Assurance": "VNEID_2"}
			good, other := ca.Issue(t, "portal-1", false), ca.Issue(t, "portal-2", false)
			code, raw := client(&good).call(t, "POST", e.HTTPURL+"/v1/dossiers:submit", hdr, submitJSON(t, "mtls-1", citizen))
			if code != http.StatusOK {
				t.Fatalf("integration with its certificate over HTTPS: %d %s", code, raw)
			}
			for name, c := range map[string]*portalClient{"no certificate": client(nil), "another's certificate": client(&other)} {
				code, raw := c.call(t, "GET", e.HTTPURL+"/v1/dossiers", hdr, nil)
				if code != http.StatusUnauthorized {
					t.Fatalf("%s over HTTPS: %d %s, want 401", name, code, raw)
				}
			}
			// The gateway's word about a certificate is not taken from a
			// gRPC caller without one.
			conn, err := grpc.NewClient(e.Addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12})))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx := metadata.AppendToOutgoingContext(e.As(t, portalSpec("portal-1")), auth.MDGatewayClientCert, "portal-1")
			_, err = pb.NewCatalogServiceClient(conn).ListAgencies(ctx, &pb.ListAgenciesRequest{})
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("gRPC caller claiming a gateway-verified certificate: %v, want UNAUTHENTICATED", err)
			}
			// Staff need no certificate over HTTPS either.
			code, raw = client(nil).call(t, "GET", e.HTTPURL+"/v1/agencies", map[string]string{"Authorization": "Bearer " + e.Token(t, testenv.Clerk)}, nil)
			if code != http.StatusOK {
				t.Fatalf("clerk over HTTPS: %d %s", code, raw)
			}
		})
	}
}
