package main

import (
	"fmt"
	"net/netip"
	"strings"
)

// trustedProxies parses MOTCUA_TRUSTED_PROXIES as motcua does (CIDRs,
// comma-separated); the problem is "" when it is set and valid.
func trustedProxies(v string) ([]netip.Prefix, string) {
	if strings.TrimSpace(v) == "" {
		return nil, "MOTCUA_TRUSTED_PROXIES is not set: behind the proxy every event and read would record the proxy's address, not the caller's"
	}
	var out []netip.Prefix
	for _, s := range strings.Split(v, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Sprintf("MOTCUA_TRUSTED_PROXIES %q: %v", s, err)
		}
		out = append(out, p)
	}
	return out, ""
}

func containsAddr(ps []netip.Prefix, addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
