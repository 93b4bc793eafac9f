package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// blocked are the address ranges a webhook may not reach unless the server
// allows private endpoints: a subscriber must not make motcua call its own
// network (SSRF). netip's predicates cover loopback, RFC 1918 and RFC 4193
// private, link-local, multicast and unspecified; these are the rest.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: may map to a private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("100::/64"),       // discard
	netip.MustParsePrefix("2002::/16"),      // 6to4: embeds any IPv4
	netip.MustParsePrefix("::ffff:0:0/96"),  // IPv4-mapped (checked unmapped too)
	netip.MustParsePrefix("2001::/32"),      // Teredo: embeds any IPv4
	netip.MustParsePrefix("169.254.0.0/16"), // link-local (cloud metadata)
	netip.MustParsePrefix("255.255.255.255/32"),
}

// ErrPrivateAddress is an endpoint that resolves to a refused range.
var ErrPrivateAddress = errors.New("the endpoint resolves to a loopback, private or reserved address")

// publicAddr reports whether a webhook may be sent to ip.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckEndpoint validates a subscription's endpoint: an absolute https URL
// (http only when private endpoints are allowed) without credentials or a
// fragment, whose host resolves only to public addresses (unless allowed).
// The dialer checks again at every delivery (DNS rebinding).
func CheckEndpoint(ctx context.Context, raw string, allowPrivate bool, resolver *net.Resolver) error {
	return checkEndpoint(ctx, raw, allowPrivate, resolver, true)
}

// checkEndpoint is CheckEndpoint; without resolve a host name is not looked
// up (literal addresses are still checked).
func checkEndpoint(ctx context.Context, raw string, allowPrivate bool, resolver *net.Resolver, resolve bool) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return errors.New("must be an absolute URL like https://receiver.example/hooks")
	}
	switch {
	case u.Scheme != "https" && !(allowPrivate && u.Scheme == "http"):
		return errors.New("must be an https:// URL")
	case u.User != nil:
		return errors.New("must not carry credentials (the signature authenticates deliveries)")
	case u.Fragment != "":
		return errors.New("must not have a fragment")
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(ip) {
			return ErrPrivateAddress
		}
		return nil
	}
	if !resolve {
		return nil
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("host %q does not resolve", host)
	}
	for _, ip := range ips {
		if !publicAddr(ip) {
			return ErrPrivateAddress
		}
	}
	return nil
}

// guardedDialer refuses, after DNS resolution and before connecting, any
// address CheckEndpoint would refuse: a name that resolved to a public
// address at creation and to a private one now (DNS rebinding) is stopped
// here.
func guardedDialer(allowPrivate bool, timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout}
	if allowPrivate {
		return d
	}
	d.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !publicAddr(ap.Addr()) {
			return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
		}
		return nil
	}
	return d
}

// newHTTPClient is the client deliveries use: guarded dialer, no proxy from
// the environment, no redirects followed (a redirect is a failed delivery,
// so it cannot lead to a private address), bounded by timeout.
func newHTTPClient(allowPrivate bool, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:           guardedDialer(allowPrivate, timeout).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
