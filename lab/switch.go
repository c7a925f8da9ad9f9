//go:build linux

package lab

import (
	"fmt"
	"net"

	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/topology"
)

// buildSwitch runs inside the switch namespace: one bridge per network, and one veth pair per host
// interface whose bridge end stays here and whose other end is created directly inside the host's
// namespace under the interface's name. Nothing passes through the root namespace, not even briefly.
func buildSwitch(t *topology.Topology, hostNS map[string]ns.NetNS) error {
	nl, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer nl.Close()
	if err := writeSysctl("net.ipv6.conf.all.disable_ipv6", "1"); err != nil {
		return err // bridges need no addresses; this keeps them from soliciting routers
	}
	bridges := map[string]int{}
	for i, n := range t.Networks {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("br%d", i), Alias: n.Name, Flags: net.FlagUp},
			MulticastSnooping: &noSnooping}
		if err := nl.LinkAdd(br); err != nil {
			return fmt.Errorf("creating bridge for network %s: %w", n.Name, err)
		}
		bridges[n.Name] = br.Index
	}
	for hi, h := range t.Hosts {
		for ii, ifc := range h.Interfaces {
			port := &netlink.Veth{
				LinkAttrs: netlink.LinkAttrs{
					Name:        fmt.Sprintf("p%d.%d", hi, ii),
					Alias:       h.Name + ":" + ifc.Name,
					Flags:       net.FlagUp,
					MasterIndex: bridges[ifc.Network],
				},
				PeerName:         ifc.Name,
				PeerHardwareAddr: macFor(ifc),
				PeerNamespace:    netlink.NsFd(int(hostNS[h.Name].Fd())),
			}
			if err := nl.LinkAdd(port); err != nil {
				return fmt.Errorf("creating %s %s on network %s: %w", h.Name, ifc.Name, ifc.Network, err)
			}
		}
	}
	return nil
}

// noSnooping: the lab's bridges flood multicast, as a plain switch. One that snooped would learn groups
// from the MLD reports the switch drops (quietSwitch), and once a host acted as querier it would keep
// neighbour solicitations from the hosts they are for.
var noSnooping = false

// macFor derives a stable, locally administered MAC from the interface's address, so captures and
// neighbour tables read the same on every run and every laptop.
func macFor(ifc *topology.Interface) net.HardwareAddr {
	a := ifc.Address.Addr().As16()
	return net.HardwareAddr{0x02, 0x00, a[12], a[13], a[14], a[15]}
}
