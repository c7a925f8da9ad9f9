package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// target is where the requests go, resolved once per run (as ab does).
type target struct {
	udp  bool // a udp:// URL: datagrams to a UDP echo server
	addr netip.AddrPort
	host string // the Host header: host[:port] as the URL gives it
	path string // the request target: path and query
}

// prepare validates o with check, which also fills in the defaults of its loop,
// and resolves the target.
func prepare(ctx context.Context, o Options, check func(Options) (Options, error)) (Options, target, error) {
	o, err := check(o)
	if err != nil {
		return o, target{}, err
	}
	to, err := resolveTarget(ctx, o.URL, o.Sources)
	return o, to, err
}

func resolveTarget(ctx context.Context, rawURL string, sources []netip.Addr) (target, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return target{}, err
	}
	port := uint64(80)
	if u.Scheme == "udp" {
		port = defaultUDPPort
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.ParseUint(p, 10, 16); err != nil || port == 0 {
			return target{}, invalid("URL port", p, "1 to 65535")
		}
	}
	ip, err := resolveHost(ctx, u.Hostname(), sources)
	if err != nil {
		return target{}, err
	}
	for _, s := range sources {
		if s.Is4() != ip.Is4() {
			return target{}, fmt.Errorf("loadgen: source %s cannot reach %s: the address families differ", s, ip)
		}
	}
	return target{udp: u.Scheme == "udp", addr: netip.AddrPortFrom(ip, uint16(port)), host: u.Host, path: u.RequestURI()}, nil
}

// resolveHost prefers an address of the sources' family, so that a name with both
// A and AAAA records works with IPv4 or IPv6 sources.
func resolveHost(ctx context.Context, host string, sources []netip.Addr) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap(), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("loadgen: cannot resolve %q: %w", host, err)
	}
	for _, ip := range ips {
		if len(sources) == 0 || ip.Unmap().Is4() == sources[0].Is4() {
			return ip.Unmap(), nil
		}
	}
	return ips[0].Unmap(), nil
}

// request is the one GET that Run sends, prebuilt.
func (t target) request(keepAlive bool) []byte {
	connection := "close"
	if keepAlive {
		connection = "keep-alive"
	}
	return fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lvslab-loadgen\r\nAccept: */*\r\nConnection: %s\r\n\r\n",
		t.path, t.host, connection)
}
