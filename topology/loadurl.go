package topology

import (
	"errors"
	"net/netip"
	"net/url"
	"slices"
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

// ServiceAt is the virtual service of the kernel's table (snap) that a load to rawURL reaches: the
// service itself, or the firewall-mark service whose packets the topology marks for that protocol, address
// and port; nil if none, or if rawURL is no load URL.
func (t *Topology) ServiceAt(snap *ipvsadm.Snapshot, rawURL string) *ipvsadm.Service {
	key, err := ParseLoadURL(rawURL)
	if err != nil || snap == nil {
		return nil
	}
	for _, s := range snap.Services {
		if s.ServiceKey == key {
			return s
		}
	}
	if t.IPVS == nil {
		return nil
	}
	for _, m := range t.IPVS.Marks {
		if m.Protocol != key.Protocol || m.Addr != key.Addr.Addr() || !slices.Contains(m.Ports, key.Addr.Port()) {
			continue
		}
		for _, s := range snap.Services {
			if s.FWMark == m.Mark {
				return s
			}
		}
	}
	return nil
}

// FirstServiceURL is the load URL of the topology's first virtual service of protocol p: http://VIP[:PORT]/
// for TCP, udp://VIP:PORT for UDP; "" if it has none.
func (t *Topology) FirstServiceURL(p ipvsadm.Protocol) string {
	s := t.FirstService(p)
	switch {
	case s == nil:
		return ""
	case p == ipvsadm.UDP:
		return "udp://" + s.Addr.String()
	}
	return "http://" + s.Addr.String() + "/"
}

// NameOf names the lab host with the address, or gives the address.
func (t *Topology) NameOf(a netip.AddrPort) string {
	if h, _ := t.HostByAddr(a.Addr()); h != nil {
		return h.Name
	}
	return a.String()
}
