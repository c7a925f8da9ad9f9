//go:build linux

package lab

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"

	"github.com/lvslab/lvslab/internal/kmod"

	"github.com/vishvananda/netlink"
	nlpkg "github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// realServerRole is what the director's rules ask of one real server host: the VIPs it must accept
// packets for, by forwarding method.
type realServerRole struct {
	host    *topology.Host
	direct  []netip.Addr // VIPs of services that reach it by direct routing (-g)
	tunnel  []netip.Addr // VIPs of services that reach it through an IP-in-IP tunnel (-i), GUE's included
	gre     []netip.Addr // VIPs of services that reach it through a GRE tunnel (-i --tun-type gre)
	gue     []uint16     // UDP ports it receives GUE on (-i --tun-type gue --tun-port N)
	masq    []netip.Addr // VIPs of services that reach it by NAT (-m)
	servers []string     // "TCP 192.168.0.75:80" of each service it serves, for messages
}

// realServerRoles reads the director's table: which lab host serves which VIP by which method. Real
// servers outside the lab are not its business.
func realServerRoles(t *topology.Topology) []*realServerRole {
	if t.IPVS == nil {
		return nil
	}
	roles := map[string]*realServerRole{}
	for _, s := range t.IPVS.Services {
		if s.IsFWMark() {
			continue // a firewall-mark service has no single VIP to derive from
		}
		vip := s.Addr.Addr()
		for _, d := range s.Dests {
			h, _ := t.HostByAddr(d.Addr.Addr())
			if h == nil || h.Name == t.IPVS.On {
				continue
			}
			r := roles[h.Name]
			if r == nil {
				r = &realServerRole{host: h}
				roles[h.Name] = r
			}
			switch d.Method {
			case ipvsadm.Route:
				r.direct = appendOnce(r.direct, vip)
			case ipvsadm.Tunnel:
				switch d.Tunnel.Type {
				case "gre":
					r.gre = appendOnce(r.gre, vip)
				case "gue":
					r.tunnel = appendOnce(r.tunnel, vip)
					r.gue = appendPortOnce(r.gue, d.Tunnel.Port)
				default:
					r.tunnel = appendOnce(r.tunnel, vip)
				}
			case ipvsadm.Masq:
				r.masq = appendOnce(r.masq, vip)
			}
			r.servers = append(r.servers, s.ServiceKey.String())
		}
	}
	var out []*realServerRole
	for _, r := range roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].host.Name < out[j].host.Name })
	return out
}

func appendPortOnce(s []uint16, p uint16) []uint16 {
	for _, x := range s {
		if x == p {
			return s
		}
	}
	return append(s, p)
}

func appendOnce(s []netip.Addr, a netip.Addr) []netip.Addr {
	for _, x := range s {
		if x == a {
			return s
		}
	}
	return append(s, a)
}

// Sysctls that direct routing and tunnelling need on a real server holding the VIP: answer ARP only for
// addresses of the interface asked on, and announce the interface's own address, so that the real
// servers never claim the VIP on the LAN; no reverse-path filter on the tunnel, whose packets arrive
// from the director with the client's address inside.
var (
	directSysctls = []topology.Sysctl{
		{Key: "net.ipv4.conf.all.arp_ignore", Value: "1"},
		{Key: "net.ipv4.conf.all.arp_announce", Value: "2"},
	}
	tunnelSysctls = []topology.Sysctl{
		{Key: "net.ipv4.conf.all.rp_filter", Value: "0"},
		{Key: "net.ipv4.conf.tunl0.rp_filter", Value: "0"},
	}
)

// deriveRealServers sets the director and each real server up for the forwarding methods of the rules,
// when the topology asks for it.
func (l *Lab) deriveRealServers() error {
	if l.Topology.IPVS == nil || !l.Topology.IPVS.Derive {
		return nil
	}
	if err := l.deriveDirectorVIPs(); err != nil {
		return err
	}
	if err := l.deriveConnReuse(); err != nil {
		return err
	}
	for _, r := range realServerRoles(l.Topology) {
		if len(r.direct) == 0 && len(r.tunnel) == 0 && len(r.gre) == 0 {
			continue
		}
		if len(r.tunnel) > 0 {
			if err := loadModule("ipip", "tunnelling (-i)"); err != nil {
				return err
			}
		}
		if len(r.gue) > 0 {
			if err := loadModule("fou", "GUE tunnelling (--tun-type gue)"); err != nil {
				return err
			}
		}
		if len(r.gre) > 0 {
			if err := loadModule("ip_gre", "GRE tunnelling (--tun-type gre)"); err != nil {
				return err
			}
		}
		path, err := l.Namespace(r.host.Name)
		if err != nil {
			return err
		}
		if err := inNamespace(path, func() error { return r.setUp() }); err != nil {
			return fmt.Errorf("setting up %s for %s: %w", r.host.Name, methodsOf(r), err)
		}
	}
	return nil
}

// deriveDirectorVIPs gives the director each VIP it does not hold yet, as a /32 beside its own address on
// the interface of the VIP's network, as `ip addr add VIP/32 dev eth0` does in the tutorials: its own
// address (the DIP) stays the source of what it sends, above all of its ARP requests, which real servers
// holding the VIP on lo would drop as coming from one of their own addresses.
func (l *Lab) deriveDirectorVIPs() error {
	d := l.Topology.Host(l.Topology.IPVS.On)
	if d == nil {
		return nil
	}
	missing := map[string][]netip.Addr{}
	for _, s := range l.Topology.IPVS.Services {
		if s.IsFWMark() {
			continue
		}
		vip := s.Addr.Addr()
		if h, _ := l.Topology.HostByAddr(vip); h == d {
			continue
		}
		for _, ifc := range d.Interfaces {
			if ifc.Address.Masked().Contains(vip) {
				missing[ifc.Name] = appendOnce(missing[ifc.Name], vip)
				break
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return l.inHost(d.Name, func(nl *netlink.Handle) error {
		for ifname, vips := range missing {
			if _, err := addAddrs(nl, ifname, hostPrefixes(vips)...); err != nil {
				return fmt.Errorf("the director: %w", err)
			}
		}
		return nil
	})
}

// deriveConnReuse has the director schedule a new connection that reuses the client port of a finished one,
// under direct routing and tunnelling too. The director sees only the client's half of those connections,
// so their entries end in FIN_WAIT rather than TIME_WAIT, where conn_reuse_mode 1 (the default) keeps
// sending the new connection to the old real server unscheduled: clients reuse ports at once, having
// closed second, and a 3:1 split drifts. Bit 2 (ip_vs_core.c, is_new_conn_expected) covers that case.
func (l *Lab) deriveConnReuse() error {
	for _, r := range realServerRoles(l.Topology) {
		if len(r.direct) > 0 || len(r.tunnel) > 0 || len(r.gre) > 0 {
			path, err := l.Namespace(l.Topology.IPVS.On)
			if err != nil {
				return err
			}
			return inNamespace(path, func() error { return writeSysctl("net.ipv4.vs.conn_reuse_mode", "3") })
		}
	}
	return nil
}

func (r *realServerRole) setUp() error {
	nl, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer nl.Close()
	add := func(ifname string, vips []netip.Addr) error {
		link, err := addAddrs(nl, ifname, hostPrefixes(vips)...)
		if err != nil {
			return err
		}
		return nl.LinkSetUp(link)
	}
	if len(r.direct) > 0 {
		if err := add("lo", r.direct); err != nil {
			return err
		}
		if err := writeSysctls(directSysctls); err != nil {
			return err
		}
	}
	if len(r.tunnel) > 0 {
		if err := add("tunl0", r.tunnel); err != nil {
			return err
		}
		if err := writeSysctls(append(directSysctls, tunnelSysctls...)); err != nil {
			return err
		}
	}
	for _, port := range r.gue {
		// ip fou add port PORT gue: unwrap GUE arriving on PORT, and hand the IP-in-IP inside to tunl0.
		if err := addGUEPort(port); err != nil {
			return fmt.Errorf("receiving GUE on port %d: %w", port, err)
		}
	}
	if len(r.gre) > 0 {
		if err := add("gre0", r.gre); err != nil {
			return err
		}
		greSysctls := append(directSysctls, topology.Sysctl{Key: "net.ipv4.conf.all.rp_filter", Value: "0"},
			topology.Sysctl{Key: "net.ipv4.conf.gre0.rp_filter", Value: "0"})
		if err := writeSysctls(greSysctls); err != nil {
			return err
		}
	}
	return nil
}

func writeSysctls(ss []topology.Sysctl) error {
	for _, s := range ss {
		if err := writeSysctl(s.Key, s.Value); err != nil {
			return err
		}
	}
	return nil
}

func methodsOf(r *realServerRole) string {
	switch {
	case len(r.direct) > 0 && len(r.tunnel) > 0:
		return "direct routing and tunnelling"
	case len(r.tunnel) > 0 || len(r.gre) > 0:
		return "tunnelling"
	}
	return "direct routing"
}

// loadModule loads a kernel module the lab needs (ipip, fou, ip_gre create their devices and families in
// every namespace), saying what for when it cannot.
func loadModule(name, what string) error {
	if err := kmod.Load(name); err != nil {
		return fmt.Errorf("%s needs the %s module, and %w", what, name, err)
	}
	return nil
}

// addGUEPort is `ip fou add port PORT gue` in this thread's namespace. netlink.FouAdd sends an IP protocol
// of 0 along with GUE, which kernels since 6.1 refuse (FOU_ATTR_IPPROTO must be at least 1): GUE names the
// protocol in each packet, so the attribute is left out here.
func addGUEPort(port uint16) error {
	fam, err := netlink.GenlFamilyGet("fou")
	if err != nil {
		return err
	}
	const fouCmdAdd, fouAttrPort, fouAttrAF, fouAttrType = 1, 1, 2, 4
	req := nlpkg.NewNetlinkRequest(int(fam.ID), unix.NLM_F_ACK)
	req.AddData(&nlpkg.Genlmsg{Command: fouCmdAdd, Version: 1})
	req.AddData(nlpkg.NewRtAttr(fouAttrPort, binary.BigEndian.AppendUint16(nil, port)))
	req.AddData(nlpkg.NewRtAttr(fouAttrType, []byte{netlink.FOU_ENCAP_GUE}))
	req.AddData(nlpkg.NewRtAttr(fouAttrAF, []byte{unix.AF_INET}))
	_, err = req.Execute(unix.NETLINK_GENERIC, 0)
	return err
}
