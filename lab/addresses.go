//go:build linux

package lab

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// AddAddresses gives host n more addresses on its first interface, the next free ones of its network
// (skipping every address the topology uses), and returns them: a client with many addresses lets
// schedulers that hash the client (sh, dh, mh, persistence) be seen at work. They go with the namespace.
func (l *Lab) AddAddresses(host string, n int) ([]netip.Addr, error) {
	h := l.Topology.Host(host)
	if h == nil || len(h.Interfaces) == 0 {
		return nil, fmt.Errorf("lab %s has no host %q with an interface", l.Name, host)
	}
	ifc := h.Interfaces[0]
	used := map[netip.Addr]bool{}
	for _, other := range l.Topology.Hosts {
		for _, i := range other.Interfaces {
			used[i.Address.Addr()] = true
		}
		if other.Gateway.IsValid() {
			used[other.Gateway] = true
		}
	}
	if l.Topology.IPVS != nil {
		for _, s := range l.Topology.IPVS.Services {
			used[s.Addr.Addr()] = true // a VIP the lab adds to the director
		}
	}
	subnet := ifc.Address.Masked()
	var addrs []netip.Addr
	for a := ifc.Address.Addr().Next(); len(addrs) < n; a = a.Next() {
		if !subnet.Contains(a) || a == lastAddr(subnet) {
			return nil, fmt.Errorf("%s's network %s has room for %d more addresses, not %d", host, subnet, len(addrs), n)
		}
		if !used[a] {
			addrs = append(addrs, a)
		}
	}
	prefixes := make([]netip.Prefix, len(addrs))
	for i, a := range addrs {
		prefixes[i] = netip.PrefixFrom(a, ifc.Address.Bits())
	}
	err := l.inHost(host, func(nl *netlink.Handle) error {
		_, err := addAddrs(nl, ifc.Name, prefixes...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return addrs, nil
}

// addAddrs adds prefixes to the interface ifname of the handle's namespace and returns the interface.
func addAddrs(nl *netlink.Handle, ifname string, prefixes ...netip.Prefix) (netlink.Link, error) {
	link, err := nl.LinkByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ifname, err)
	}
	for _, p := range prefixes {
		if err := nl.AddrAdd(link, labAddr(p)); err != nil {
			return nil, fmt.Errorf("adding %s to %s: %w", p, ifname, err)
		}
	}
	return link, nil
}

// hostPrefixes are the addresses as /32 (/128): a VIP held beside an interface's own address, or on lo.
func hostPrefixes(addrs []netip.Addr) []netip.Prefix {
	out := make([]netip.Prefix, len(addrs))
	for i, a := range addrs {
		out[i] = netip.PrefixFrom(a, a.BitLen())
	}
	return out
}

// lastAddr is a prefix's broadcast address.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	out := netip.AddrFrom16(a)
	if p.Addr().Is4() {
		return out.Unmap()
	}
	return out
}
