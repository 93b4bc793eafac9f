package server

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/freshness"
)

// The JSON gateway relays each HTTP request to this server's gRPC side over
// an in-memory connection (bufconn), never over the network. Connections
// accepted from that listener are marked by auth.GatewayListener, and only
// on them does the gRPC side believe the metadata in which the gateway
// states what it verified about its HTTP caller: the caller's address
// (after the trusted-proxy rule) and the names in its verified TLS client
// certificate. A gRPC caller sending those keys is refused; an HTTP caller
// cannot set them, because the gateway forwards only the headers listed in
// forwardedHeaders and writes the reserved keys itself.

// gatewayTarget is the gateway's dial target; the dialer ignores it.
const gatewayTarget = "passthrough:///motcua-gateway"

// forwardedHeaders are the HTTP headers (canonical form) the gateway passes
// to the gRPC side as metadata of the same (lower-case) name: those the
// gRPC side reads. Authorization is passed by grpc-gateway itself.
var forwardedHeaders = map[string]string{
	textproto.CanonicalMIMEHeaderKey(auth.MDCitizenID):        auth.MDCitizenID,
	textproto.CanonicalMIMEHeaderKey(auth.MDCitizenAssurance): auth.MDCitizenAssurance,
	textproto.CanonicalMIMEHeaderKey(freshness.Metadata):      freshness.Metadata,
}

// headerMatcher forwards the integration headers and, as grpc-gateway does
// by default, the permanent HTTP headers under the "grpcgateway-" prefix
// (which nothing reads); nothing else, and never a gateway-reserved key.
func headerMatcher(key string) (string, bool) {
	if md, ok := forwardedHeaders[textproto.CanonicalMIMEHeaderKey(key)]; ok {
		return md, true
	}
	if auth.IsGatewayMetadata(key) {
		return "", false
	}
	return runtime.DefaultHeaderMatcher(key)
}

// callerMetadata is what the gateway states about its HTTP caller.
func (s *Server) callerMetadata(_ context.Context, r *http.Request) metadata.MD {
	md := metadata.Pairs(auth.MDGatewayClientAddress,
		auth.ClientAddress(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.opts.TrustedProxies))
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		leaf := r.TLS.VerifiedChains[0][0]
		for _, n := range append([]string{leaf.Subject.CommonName}, leaf.DNSNames...) {
			if n != "" && !strings.ContainsFunc(n, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
				md.Append(auth.MDGatewayClientCert, n)
			}
		}
	}
	return md
}

// listenGateway opens the in-memory listener the gateway dials.
func (s *Server) listenGateway() {
	s.gwBuf = bufconn.Listen(1 << 20)
	s.gwLis = auth.GatewayListener(s.gwBuf)
}

// gatewayDial is how the gateway reaches the gRPC side.
func (s *Server) gatewayDial() []grpc.DialOption {
	creds := insecure.NewCredentials()
	if s.opts.TLS != nil {
		// The gRPC server speaks TLS on every listener, the in-memory one
		// too; there is no one in between to authenticate.
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec
	}
	return append([]grpc.DialOption{grpc.WithTransportCredentials(creds),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return s.gwBuf.DialContext(ctx) }),
	}, gatewayDialOptions()...)
}

// httpTLS is the HTTP server's TLS configuration: like gRPC's, it asks for
// and verifies a client certificate when client CAs are configured.
func httpTLS(c *tls.Config) *tls.Config {
	if c == nil || c.ClientCAs == nil {
		return c
	}
	c = c.Clone()
	c.ClientAuth = tls.VerifyClientCertIfGiven
	return c
}
