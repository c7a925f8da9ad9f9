// Package topology is the lab model: networks, hosts with their interfaces, routes, sysctls and servers, and
// the IPVS services of the director. It loads and validates topology files; it has no side effects.
package topology

import (
	"net/netip"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Topology is a whole lab as requested. Hosts and Networks keep the order of the file.
type Topology struct {
	Name     string
	Networks []*Network
	Hosts    []*Host
	IPVS     *IPVS // nil when the lab has no load balancer

	// Source names where the topology came from (a file path, or "embedded:nat-walkthrough.yaml").
	Source string
}

// Network is one L2 segment, built as a bridge.
type Network struct {
	Name   string
	Subnet netip.Prefix
}

// Host is one machine of the lab, built as a network namespace.
type Host struct {
	Name       string
	Interfaces []*Interface
	Gateway    netip.Addr // default route; zero for none
	Routes     []Route
	Sysctls    []Sysctl // per-namespace settings only (net.*)
	HTTP       *HTTPServer
	UDP        *UDPServer
}

// Interface is a host's port on a network.
type Interface struct {
	Name    string // as seen inside the host, at most 15 bytes ("eth0")
	Network string
	Address netip.Prefix // the host's address with its network's prefix length
	Shape   Shape        // how the interface shapes what the host sends on it; the zero Shape: not at all
}

// Route is an extra static route.
type Route struct {
	To  netip.Prefix
	Via netip.Addr
}

// Sysctl is one setting under /proc/sys, keyed by its dotted name ("net.ipv4.ip_forward").
type Sysctl struct {
	Key   string
	Value string
}

// HTTPServer is the tiny web server a real server runs. It answers every request with Body and names
// itself and the client address it saw in its headers.
type HTTPServer struct {
	Port  uint16
	Body  string
	Think Think // how long it thinks before each answer
	// Fail is the per cent of its requests it fails, answering 503 Service Unavailable: evenly spread,
	// request k failing when k×Fail/100 passes a whole number, so n requests fail ⌊n×Fail/100⌋ times.
	Fail float64
}

// UDPServer is the tiny UDP echo server a real server runs. It answers every datagram with one that names
// the host and the client address it saw, "rs1 192.168.0.100:40000\n", sent from the address the datagram
// was sent to (the VIP under direct routing and tunnelling).
type UDPServer struct {
	Port uint16
}

// IPVS is the load balancer: the host it runs on and its virtual services, in the order they were defined.
type IPVS struct {
	On       string
	Services []*ipvsadm.Service
	// Derive has the lab set up each real server for its forwarding method: for direct routing the VIP on
	// lo with arp_ignore 1 and arp_announce 2, for tunnelling the VIP on tunl0 with rp_filter 0. Off (ipvs:
	// derive: false) the topology's own settings stand, to show what breaks without them.
	Derive bool
	// Marks set firewall marks on the director's incoming packets, for firewall-mark services (-f): a mark
	// joins several ports (80 and 443, say) into one service.
	Marks []FWMark
}

// FWMark marks the packets to Addr on any of Ports with Mark, in the director's namespace (nftables, in
// the prerouting hook at mangle priority).
type FWMark struct {
	Mark     uint32
	Protocol ipvsadm.Protocol
	Addr     netip.Addr
	Ports    []uint16
}

// FirstService is the first virtual service of the protocol, in the order they were defined: where load
// goes when no address is given. Nil when there is none (firewall-mark services have no protocol).
func (t *Topology) FirstService(p ipvsadm.Protocol) *ipvsadm.Service {
	if t.IPVS == nil {
		return nil
	}
	for _, s := range t.IPVS.Services {
		if s.Protocol == p && s.Addr.IsValid() {
			return s
		}
	}
	return nil
}

// Host returns the host with the given name, or nil.
func (t *Topology) Host(name string) *Host {
	for _, h := range t.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Network returns the network with the given name, or nil.
func (t *Topology) Network(name string) *Network {
	for _, n := range t.Networks {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// HostByAddr returns the host owning addr and the interface that carries it, or nils.
func (t *Topology) HostByAddr(addr netip.Addr) (*Host, *Interface) {
	for _, h := range t.Hosts {
		for _, ifc := range h.Interfaces {
			if ifc.Address.Addr() == addr {
				return h, ifc
			}
		}
	}
	return nil, nil
}

// Interface returns the host's interface with the given name, or nil.
func (h *Host) Interface(name string) *Interface {
	for _, ifc := range h.Interfaces {
		if ifc.Name == name {
			return ifc
		}
	}
	return nil
}
