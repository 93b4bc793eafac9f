package auth

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// Metadata the server's own JSON gateway adds to each call it relays: what
// it verified about its HTTP caller. The gRPC side believes these keys only
// on a connection accepted from GatewayListener — an in-process listener no
// network peer can reach — and refuses any call from elsewhere that carries
// them (docs/security.md, "The JSON gateway's identity").
const (
	// MDGatewayClientAddress is the HTTP caller's address ("ip:port" of the
	// TCP peer, or the address a trusted proxy forwarded).
	MDGatewayClientAddress = "x-motcua-gateway-client-address"
	// MDGatewayClientCert holds the common name and each DNS name of the
	// HTTP caller's verified TLS client certificate, one value each.
	MDGatewayClientCert = "x-motcua-gateway-client-cert"
)

// IsGatewayMetadata reports whether a metadata key is reserved to the
// gateway (lower case, as gRPC delivers keys).
func IsGatewayMetadata(key string) bool {
	return strings.HasPrefix(strings.ToLower(key), "x-motcua-gateway-")
}

// gatewayAddr is the remote address of every connection accepted through
// GatewayListener; its type, not its text, marks the connection.
type gatewayAddr struct{ net.Addr }

type gatewayListener struct{ net.Listener }

type gatewayConn struct{ net.Conn }

func (c gatewayConn) RemoteAddr() net.Addr { return gatewayAddr{c.Conn.RemoteAddr()} }

// GatewayListener marks every connection accepted from l as the in-process
// gateway's. Wrap only a listener that nothing outside the process can dial
// (an in-memory one): its callers are trusted to state their HTTP caller's
// address and certificate.
func GatewayListener(l net.Listener) net.Listener { return gatewayListener{l} }

func (l gatewayListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return gatewayConn{c}, nil
}

// fromGateway reports whether the call came over the in-process gateway's
// connection.
func fromGateway(ctx context.Context) bool {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return false
	}
	_, ok = pr.Addr.(gatewayAddr)
	return ok
}

// clientAddress is the address to record as the caller's: what the gateway
// says on its own connection; otherwise the TCP peer, or — when the peer is
// a trusted proxy — the right-most untrusted X-Forwarded-For entry. A call
// that is not the gateway's and carries gateway metadata is refused.
func (a *Authenticator) clientAddress(ctx context.Context, md metadata.MD) (string, error) {
	peerAddr := ""
	if pr, ok := peer.FromContext(ctx); ok && pr.Addr != nil {
		peerAddr = pr.Addr.String()
	}
	if fromGateway(ctx) {
		if v := md.Get(MDGatewayClientAddress); len(v) == 1 {
			return v[0], nil
		}
		return peerAddr, nil
	}
	for k := range md {
		if IsGatewayMetadata(k) {
			return peerAddr, errors.New("metadata " + k + " is reserved to the server's own gateway")
		}
	}
	return ClientAddress(peerAddr, md.Get("x-forwarded-for"), a.TrustedProxies), nil
}

// gatewayCertNames are the names of the HTTP caller's verified client
// certificate as the gateway reported them, if the call is the gateway's.
func gatewayCertNames(ctx context.Context, md metadata.MD) ([]string, bool) {
	if !fromGateway(ctx) {
		return nil, false
	}
	return md.Get(MDGatewayClientCert), true
}

// ClientAddress returns the address to record for a caller whose TCP peer
// is peerAddr ("ip:port") and who sent the X-Forwarded-For values xff. The
// header is honoured only when the peer is within trusted: then its entries
// are read right to left, skipping trusted proxies, and the first untrusted
// one is the caller (everything left of it the caller could have written).
// Without a trusted peer, or if an entry is not an address, what is known
// for sure is returned: the peer, or the last trusted hop.
func ClientAddress(peerAddr string, xff []string, trusted []netip.Prefix) string {
	if len(trusted) == 0 || len(xff) == 0 {
		return peerAddr
	}
	ap, err := netip.ParseAddrPort(peerAddr)
	if err != nil || !inAny(trusted, ap.Addr()) {
		return peerAddr
	}
	var hops []string
	for _, v := range xff {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	last := peerAddr
	for _, h := range slices.Backward(hops) {
		ip, ok := parseHop(h)
		if !ok {
			return last
		}
		if !inAny(trusted, ip) {
			return h
		}
		last = h
	}
	return last
}

// parseHop reads an X-Forwarded-For entry: an IP address, optionally with a
// port ("ip:port", "[v6]:port").
func parseHop(h string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip, true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr(), true
	}
	return netip.Addr{}, false
}

func inAny(nets []netip.Prefix, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
