package topology

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// ParseLoadURL reads the URL a load goes to, as lvslab load and scenario files give it, and returns the
// virtual service it names: http://ADDR[:PORT]/ is TCP, udp://ADDR:PORT UDP, port 80 when none is given.
// The host must be an address: a name would be looked up in DNS, outside the lab (*NameError).
func ParseLoadURL(raw string) (ipvsadm.ServiceKey, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return ipvsadm.ServiceKey{}, ErrNotLoadURL
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return ipvsadm.ServiceKey{}, &NameError{Host: u.Hostname()}
	}
	proto, port := ipvsadm.TCP, uint16(80)
	if u.Scheme == "udp" {
		proto = ipvsadm.UDP
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return ipvsadm.ServiceKey{}, ErrNotLoadURL
		}
		port = uint16(n)
	}
	return ipvsadm.ServiceKey{Protocol: proto, Addr: netip.AddrPortFrom(a.Unmap(), port)}, nil
}

// ErrNotLoadURL is a load URL that is not one: no host, user information, a port out of range.
var ErrNotLoadURL = errors.New("not a URL such as http://192.168.0.75/ or udp://192.168.0.75:53")

// NameError is a load URL whose host is a name, not an address.
type NameError struct{ Host string }

func (e *NameError) Error() string {
	return e.Host + " is a name, which would be looked up in DNS, outside the lab"
}

// HasAddress tells whether a load may go to a: an address of one of the lab's hosts, of one of its
// virtual services or firewall-marked addresses, or one of vips (a scenario's own rules).
func (t *Topology) HasAddress(a netip.Addr, vips ...netip.Addr) bool {
	a = a.Unmap()
	if h, _ := t.HostByAddr(a); h != nil {
		return true
	}
	for _, v := range vips {
		if v.Unmap() == a {
			return true
		}
	}
	if t.IPVS == nil {
		return false
	}
	for _, s := range t.IPVS.Services {
		if s.Addr.Addr() == a {
			return true
		}
	}
	for _, m := range t.IPVS.Marks {
		if m.Addr == a {
			return true
		}
	}
	return false
}
