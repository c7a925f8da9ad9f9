// Package graph draws a lab's topology: who is the client, the director with its VIP and DIP, the real
// servers, the networks between them, and the director's rules as edges to the real servers with their
// forwarding method and weight. A Diagram is plain data (a report keeps one per scenario); it is drawn as
// SVG, mermaid, dot or text. The package is pure: no files, no kernel.
package graph

import (
	"fmt"
	"slices"

	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Diagram is what a picture of a topology shows.
type Diagram struct {
	Name     string    `json:"name"`
	Networks []Network `json:"networks"`
	Hosts    []Host    `json:"hosts"`
	Services []Service `json:"services,omitempty"`
}

// Network is one LAN segment.
type Network struct {
	Name   string `json:"name"`
	Subnet string `json:"subnet"`
}

// Roles of a host.
const (
	Client     = "client"
	Director   = "director"
	RealServer = "real server"
	Server     = "spare server" // serves, but is not in the director's table
	Router     = "router"
	Other      = "host"
)

// Host is one machine with its addresses.
type Host struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Ports []Port `json:"ports"`
	// Notes are further lines under the addresses: a VIP lvslab adds, the server it runs.
	Notes []string `json:"notes,omitempty"`
}

// Port is a host's address on a network. Tag is "VIP" or "DIP" on the director.
type Port struct {
	Network string `json:"network"`
	Iface   string `json:"iface"`
	Addr    string `json:"addr"`
	Tag     string `json:"tag,omitempty"`
}

// Service is one virtual service of the director and its real servers.
type Service struct {
	Name      string `json:"name"` // "TCP 192.168.0.75:80", "FWM 1"
	Scheduler string `json:"scheduler"`
	Persist   string `json:"persist,omitempty"` // "-p 360" when persistent
	Edges     []Edge `json:"edges"`
}

// Edge is the director's rule sending a service's connections to one real server.
type Edge struct {
	To     string `json:"to"`   // a host's name, or "" for an address outside the lab
	Addr   string `json:"addr"` // the real server's address:port
	Method string `json:"method"`
	Weight int    `json:"weight"`
}

// Label is how the edge is written beside its arrow: "NAT w=3".
func (e Edge) Label() string { return fmt.Sprintf("%s w=%d", e.Method, e.Weight) }

// Of is the diagram of a topology, with the director's table as the topology holds it.
func Of(t *topology.Topology) *Diagram {
	d := &Diagram{Name: t.Name, Networks: []Network{}, Hosts: []Host{}}
	for _, n := range t.Networks {
		d.Networks = append(d.Networks, Network{Name: n.Name, Subnet: n.Subnet.String()})
	}
	director := ""
	var vips []string
	if t.IPVS != nil {
		director = t.IPVS.On
		for _, s := range t.IPVS.Services {
			d.Services = append(d.Services, service(t, s))
			if s.Addr.IsValid() && !slices.Contains(vips, s.Addr.Addr().String()) {
				vips = append(vips, s.Addr.Addr().String())
			}
		}
		for _, m := range t.IPVS.Marks { // a firewall-mark service's VIP is the address its packets are marked for
			if m.Addr.IsValid() && !slices.Contains(vips, m.Addr.String()) {
				vips = append(vips, m.Addr.String())
			}
		}
	}
	inTable := map[string]bool{}
	for _, s := range d.Services {
		for _, e := range s.Edges {
			inTable[e.To] = true
		}
	}
	for _, h := range t.Hosts {
		gh := Host{Name: h.Name, Role: role(h, director, inTable[h.Name])}
		held := map[string]bool{}
		for _, ifc := range h.Interfaces {
			p := Port{Network: ifc.Network, Iface: ifc.Name, Addr: ifc.Address.String()}
			held[ifc.Address.Addr().String()] = true
			if h.Name == director {
				p.Tag = directorTag(t, ifc, vips)
			}
			gh.Ports = append(gh.Ports, p)
		}
		if h.Name == director && t.IPVS.Derive {
			for _, v := range vips {
				if !held[v] {
					gh.Notes = append(gh.Notes, "VIP "+v+"/32 (added by lvslab)")
				}
			}
		}
		if gh.Role == RealServer && t.IPVS.Derive {
			gh.Notes = append(gh.Notes, realServerVIPs(t, h.Name)...)
		}
		if h.HTTP != nil {
			gh.Notes = append(gh.Notes, fmt.Sprintf("http :%d %q", h.HTTP.Port, h.HTTP.Body))
		}
		if h.UDP != nil {
			gh.Notes = append(gh.Notes, fmt.Sprintf("udp echo :%d", h.UDP.Port))
		}
		d.Hosts = append(d.Hosts, gh)
	}
	return d
}

func service(t *topology.Topology, s *ipvsadm.Service) Service {
	gs := Service{Name: s.ServiceKey.String(), Scheduler: s.Scheduler, Edges: []Edge{}}
	if s.Persistent {
		gs.Persist = fmt.Sprintf("-p %d", s.Timeout)
	}
	for _, dst := range s.Dests {
		e := Edge{Addr: dst.Addr.String(), Method: method(dst), Weight: dst.Weight}
		if h, _ := t.HostByAddr(dst.Addr.Addr()); h != nil {
			e.To = h.Name
		}
		gs.Edges = append(gs.Edges, e)
	}
	return gs
}

// method names the forwarding method as LVS's documents do: NAT, DR, TUN (with a tunnel type other than
// IP-in-IP after it).
func method(d ipvsadm.Dest) string {
	switch d.Method {
	case ipvsadm.Masq:
		return "NAT"
	case ipvsadm.Tunnel:
		if d.Tunnel.Type != "" && d.Tunnel.Type != "ipip" {
			return "TUN/" + d.Tunnel.Type
		}
		return "TUN"
	case ipvsadm.Local:
		return "local"
	}
	return "DR"
}

// directorTag names a director's address: the VIP clients ask for, or the DIP it reaches the real servers
// from. The DIP is the address on a network the servers are on; where none is (tunnelling, through a
// router), every address that is not a VIP is one.
func directorTag(t *topology.Topology, ifc *topology.Interface, vips []string) string {
	if slices.Contains(vips, ifc.Address.Addr().String()) {
		return "VIP"
	}
	onServerNet := func(network string) bool {
		for _, h := range t.Hosts {
			if h.Name == t.IPVS.On || (h.HTTP == nil && h.UDP == nil) {
				continue
			}
			for _, hi := range h.Interfaces {
				if hi.Network == network {
					return true
				}
			}
		}
		return false
	}
	if onServerNet(ifc.Network) {
		return "DIP"
	}
	for _, other := range t.Host(t.IPVS.On).Interfaces {
		if onServerNet(other.Network) {
			return ""
		}
	}
	return "DIP"
}

func role(h *topology.Host, director string, inTable bool) string {
	switch {
	case h.Name == director:
		return Director
	case inTable:
		return RealServer
	case h.HTTP != nil || h.UDP != nil:
		return Server
	}
	for _, s := range h.Sysctls {
		if s.Key == "net.ipv4.ip_forward" && s.Value == "1" {
			return Router
		}
	}
	return Client
}

// realServerVIPs are the VIPs lvslab gives a real server for direct routing and tunnelling, and where.
func realServerVIPs(t *topology.Topology, host string) []string {
	var out []string
	for _, s := range t.IPVS.Services {
		if !s.Addr.IsValid() {
			continue
		}
		for _, dst := range s.Dests {
			if h, _ := t.HostByAddr(dst.Addr.Addr()); h == nil || h.Name != host {
				continue
			}
			where := ""
			switch {
			case dst.Method == ipvsadm.Route:
				where = "lo"
			case dst.Method == ipvsadm.Tunnel && dst.Tunnel.Type == "gre":
				where = "gre0"
			case dst.Method == ipvsadm.Tunnel:
				where = "tunl0"
			}
			note := "VIP " + s.Addr.Addr().String() + " on " + where
			if where != "" && !slices.Contains(out, note) {
				out = append(out, note)
			}
		}
	}
	return out
}

// Host returns the host of that name, or nil.
func (d *Diagram) Host(name string) *Host {
	for i := range d.Hosts {
		if d.Hosts[i].Name == name {
			return &d.Hosts[i]
		}
	}
	return nil
}
