package auth

import (
	"net/netip"
	"testing"
)

func TestClientAddress(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, c := range []struct {
		name, peer string
		xff        []string
		trusted    []netip.Prefix
		want       string
	}{
		{"no trusted proxies: the header is ignored", "10.1.1.1:5000", []string{"203.0.113.9"}, nil, "10.1.1.1:5000"},
		{"untrusted peer: the header is ignored", "198.51.100.1:5000", []string{"203.0.113.9"}, trusted, "198.51.100.1:5000"},
		{"trusted peer without a header", "10.1.1.1:5000", nil, trusted, "10.1.1.1:5000"},
		{"trusted peer: its client", "10.1.1.1:5000", []string{"203.0.113.9"}, trusted, "203.0.113.9"},
		{"right-most untrusted, client-written entries skipped", "10.1.1.1:5000", []string{"192.0.2.66, 203.0.113.9", "10.2.2.2"}, trusted, "203.0.113.9"},
		{"entry with a port", "10.1.1.1:5000", []string{"203.0.113.9:4711"}, trusted, "203.0.113.9:4711"},
		{"IPv6 peer and entry", "[2001:db8::1]:443", []string{"2001:db8::2, 2001:db9::7"}, trusted, "2001:db9::7"},
		{"garbage stops at the last trusted hop", "10.1.1.1:5000", []string{"203.0.113.9, evil, 10.2.2.2"}, trusted, "10.2.2.2"},
		{"all trusted: the left-most", "10.1.1.1:5000", []string{"10.3.3.3, 10.2.2.2"}, trusted, "10.3.3.3"},
		{"mapped IPv4 peer", "[::ffff:10.1.1.1]:5000", []string{"203.0.113.9"}, trusted, "203.0.113.9"},
	} {
		if got := ClientAddress(c.peer, c.xff, c.trusted); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
