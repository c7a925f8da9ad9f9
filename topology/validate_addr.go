package topology

import (
	"fmt"
	"net/netip"
	"strings"
)

// cidr reports a missing prefix or one with host bits set; it returns whether the prefix is usable.
func (v *validator) cidr(field string, p netip.Prefix, example string) bool {
	if !p.IsValid() {
		v.add(field, "a CIDR such as %s is required", example)
		return false
	}
	if m := p.Masked(); m != p {
		v.add(field, "%s has host bits set; did you mean %s?", p, m)
		return false
	}
	return true
}

// addresses checks every interface address against its network, and that no two interfaces share one.
func (v *validator) addresses() {
	owner := map[netip.Addr]string{} // address -> field of the interface that has it first
	for i, h := range v.t.Hosts {
		for j, ifc := range h.Interfaces {
			field := childField(itemField(childField(namedField("hosts", i, h.Name), "interfaces"), j), "address")
			n := v.t.Network(ifc.Network)
			if !v.hostAddress(field, ifc.Address, n) {
				continue
			}
			a := ifc.Address.Addr()
			if first, taken := owner[a]; taken {
				v.add(field, "%s is already the address of %s%s; every address must be unique", a, parentField(first), v.where(first))
				continue
			}
			owner[a] = field
		}
	}
}

// hostAddress checks one interface address against its network (when that is known); it returns whether the
// address is usable.
func (v *validator) hostAddress(field string, p netip.Prefix, n *Network) bool {
	if !p.IsValid() {
		v.add(field, "an address such as 172.16.0.45/16 is required")
		return false
	}
	if n == nil || !n.Subnet.IsValid() {
		return true
	}
	a, subnet := p.Addr(), n.Subnet.Masked()
	switch {
	case !subnet.Contains(a):
		v.add(field, "%s is outside network %s (%s); use an address in %s", a, n.Name, subnet, subnet)
	case p.Bits() != subnet.Bits():
		v.add(field, "prefix length /%d differs from network %s's /%d; write %s/%d or leave the length out", p.Bits(), n.Name, subnet.Bits(), a, subnet.Bits())
	case a == subnet.Addr() && hostBits(subnet) >= 2:
		v.add(field, "%s is the network address of %s (%s); use a host address from %s to %s", a, n.Name, subnet, firstHost(subnet), lastHost(subnet))
	case a.Is4() && a == lastAddr(subnet) && hostBits(subnet) >= 2:
		v.add(field, "%s is the broadcast address of %s (%s); use a host address from %s to %s", a, n.Name, subnet, firstHost(subnet), lastHost(subnet))
	default:
		return true
	}
	return false
}

// nextHop checks a gateway or a route's via: the address of another lab host on one of h's networks.
func (v *validator) nextHop(h *Host, field string, via netip.Addr, what string) {
	var onLink []string
	reachable := false
	for _, ifc := range h.Interfaces {
		if ifc.Address.Addr() == via {
			v.add(field, "%s %s is %s's own address; use another host's, such as the director's", what, via, h.Name)
			return
		}
		if n := v.t.Network(ifc.Network); n != nil && n.Subnet.IsValid() {
			onLink = append(onLink, fmt.Sprintf("%s %s", n.Name, n.Subnet))
			reachable = reachable || n.Subnet.Contains(via)
		}
	}
	switch {
	case len(onLink) == 0:
		// the host's interfaces are missing or on unknown networks, which is reported already
	case !reachable:
		v.add(field, "%s %s is not on any of %s's networks (%s); it must be directly reachable", what, via, h.Name, strings.Join(onLink, ", "))
	case !v.ownedByHost(via):
		v.add(field, "no host has %s; a %s must be the address of a lab host", via, what)
	}
}

func (v *validator) ownedByHost(a netip.Addr) bool {
	h, _ := v.t.HostByAddr(a)
	return h != nil
}

func hostBits(p netip.Prefix) int { return p.Addr().BitLen() - p.Bits() }

// lastAddr is the highest address of a prefix: for IPv4, its broadcast address.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := range b {
		keep := min(max(p.Bits()-8*i, 0), 8)
		b[i] |= byte(0xff >> keep)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func firstHost(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next() }

func lastHost(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		return lastAddr(p).Prev()
	}
	return lastAddr(p)
}
