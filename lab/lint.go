//go:build linux

package lab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/lvslab/lvslab/topology"
)

// Lint reads each real server's live set-up and names every setting its forwarding method needs and
// lacks, before any traffic: the VIP on lo (direct routing) or tunl0 (tunnelling), arp_ignore and
// arp_announce, rp_filter, the director on the same segment (direct routing), replies routed back
// through the director (NAT).
func (l *Lab) Lint() []string {
	problems := l.lintDirector()
	roles := realServerRoles(l.Topology)
	for _, r := range roles {
		path, err := l.Namespace(r.host.Name)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		var found []string
		err = inNamespace(path, func() error {
			found = l.lintHost(r, roles)
			return nil
		})
		if err != nil {
			found = append(found, fmt.Sprintf("%s: cannot read its set-up: %v", r.host.Name, err))
		}
		problems = append(problems, found...)
	}
	return problems
}

// lintDirector checks that the director holds every VIP, so that clients reach it.
func (l *Lab) lintDirector() []string {
	d := l.Topology.Host(l.Topology.IPVS.On)
	if d == nil {
		return nil
	}
	path, err := l.Namespace(d.Name)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	inNamespace(path, func() error {
		have := vipLinks()
		for _, s := range l.Topology.IPVS.Services {
			if !s.IsFWMark() && have[s.Addr.Addr()] == "" {
				out = append(out, fmt.Sprintf("%s: the director needs the VIP %s on the interface facing the clients; it has no such address",
					d.Name, s.Addr.Addr()))
			}
		}
		return nil
	})
	return out
}

func (l *Lab) lintHost(r *realServerRole, roles []*realServerRole) []string {
	name := r.host.Name
	var out []string
	say := func(format string, args ...any) { out = append(out, name+": "+fmt.Sprintf(format, args...)) }
	where := vipLinks()
	// vipsOn names each VIP that is not on the interface the method needs, or nowhere.
	vipsOn := func(method, ifname, hint string, vips []netip.Addr) {
		for _, vip := range vips {
			switch on := where[vip]; {
			case on == "":
				say("%s needs the VIP %s/32 on %s%s; %s does not have it", method, vip, ifname, hint, name)
			case on != ifname:
				say("%s needs the VIP %s/32 on %s; %s has it on %s", method, vip, ifname, name, on)
			}
		}
	}
	vipsOn("DR", "lo", "", r.direct)
	if len(r.direct) > 0 {
		lan := l.sharedNetworkInterface(r.host)
		if lan == nil {
			say("DR needs %s on one of the director's networks (%s); %s is not", name, strings.Join(l.directorNetworks(), ", "), name)
		}
		ifname := ""
		if lan != nil {
			ifname = lan.Name
		}
		if v := confValue("arp_ignore", ifname); v < 1 {
			say("arp_ignore is %d; DR needs 1 (else %s answers ARP for the VIP)", v, name)
		}
		if v := confValue("arp_announce", ifname); v < 2 {
			say("arp_announce is %d; DR needs 2 (else %s announces the VIP as its source)", v, name)
		}
	}
	if len(r.tunnel) > 0 {
		if _, err := netlink.LinkByName("tunl0"); err != nil {
			say("TUN needs tunl0 (load the ipip module: modprobe ipip)")
		}
		vipsOn("TUN", "tunl0", "", r.tunnel)
		for _, ifname := range []string{"all", "tunl0"} {
			if v, err := readConf(ifname, "rp_filter"); err == nil && v != 0 {
				say("rp_filter is %d on %s; TUN needs 0 on tunl0 and all (the kernel applies the larger)", v, ifname)
			}
		}
	}
	vipsOn("GRE tunnelling", "gre0", " (modprobe ip_gre)", r.gre)
	if len(r.masq) > 0 {
		out = append(out, l.lintNATReturn(r, roles)...)
	}
	return out
}

// lintNATReturn checks that the real server sends replies to the clients through the director, which
// must undo its address translation on the way back.
func (l *Lab) lintNATReturn(r *realServerRole, roles []*realServerRole) []string {
	director := l.Topology.Host(l.Topology.IPVS.On)
	if director == nil {
		return nil
	}
	var out []string
	for _, client := range l.clientAddrs(roles) {
		routes, err := netlink.RouteGet(net.IP(client.AsSlice()))
		if err != nil || len(routes) == 0 {
			out = append(out, fmt.Sprintf("%s: NAT needs a route back to the client %s through the director; %s has none", r.host.Name, client, r.host.Name))
			continue
		}
		gw, _ := netip.AddrFromSlice(routes[0].Gw)
		if h, _ := l.Topology.HostByAddr(gw.Unmap()); h == nil || h != director {
			via := "directly"
			if gw.IsValid() {
				via = "via " + gw.Unmap().String()
			}
			out = append(out, fmt.Sprintf("%s: NAT needs replies to %s to go back through the director %s; %s sends them %s",
				r.host.Name, client, director.Name, r.host.Name, via))
		}
	}
	return out
}

// clientAddrs are the addresses of the lab's hosts that are neither the director nor a real server: who
// the replies go to.
func (l *Lab) clientAddrs(roles []*realServerRole) []netip.Addr {
	servers := map[string]bool{l.Topology.IPVS.On: true}
	for _, r := range roles {
		servers[r.host.Name] = true
	}
	var out []netip.Addr
	for _, h := range l.Topology.Hosts {
		if !servers[h.Name] && h.HTTP == nil {
			for _, i := range h.Interfaces {
				out = append(out, i.Address.Addr())
			}
		}
	}
	return out
}

func (l *Lab) sharedNetworkInterface(h *topology.Host) *topology.Interface {
	director := l.Topology.Host(l.Topology.IPVS.On)
	if director == nil {
		return nil
	}
	for i := range h.Interfaces {
		for _, d := range director.Interfaces {
			if h.Interfaces[i].Network == d.Network {
				return h.Interfaces[i]
			}
		}
	}
	return nil
}

func (l *Lab) directorNetworks() []string {
	var out []string
	if d := l.Topology.Host(l.Topology.IPVS.On); d != nil {
		for _, i := range d.Interfaces {
			out = append(out, i.Network)
		}
	}
	return out
}

// vipLinks maps each address of this namespace to the interface holding it. A dump the kernel marks
// interrupted (an address or link changed meanwhile, as IPv6 brings its link-local addresses up) is read
// again; one that still fails leaves the map as far as it got.
func vipLinks() map[netip.Addr]string {
	out := map[netip.Addr]string{}
	for attempt := 0; attempt < 10; attempt++ {
		links, err := linkList()
		if err != nil {
			continue
		}
		names := map[int]string{}
		for _, link := range links {
			names[link.Attrs().Index] = link.Attrs().Name
		}
		addrs, err := addrList(nil, netlink.FAMILY_ALL)
		if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
			return out
		}
		for _, a := range addrs {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				out[ip.Unmap()] = names[a.LinkIndex]
			}
		}
		if err == nil {
			return out
		}
	}
	return out
}

// The dumps vipLinks reads; tests replace them to interrupt one.
var (
	linkList = netlink.LinkList
	addrList = netlink.AddrList
)

// confValue is the effective value of an ARP sysctl for an interface: the kernel takes the larger of
// "all" and the interface's own.
func confValue(key, ifname string) int {
	v, _ := readConf("all", key)
	if ifname != "" {
		if w, err := readConf(ifname, key); err == nil && w > v {
			v = w
		}
	}
	return v
}

func readConf(ifname, key string) (int, error) {
	data, err := os.ReadFile("/proc/sys/net/ipv4/conf/" + ifname + "/" + key)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}
