package lab

import (
	"net"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
)

// A dump the kernel marks interrupted holds what it got so far, maybe not the VIP: it is read again, so
// that a lab coming up under load is not told its director lacks its VIP.
func TestVipLinksReadsAnInterruptedDumpAgain(t *testing.T) {
	oldLinks, oldAddrs := linkList, addrList
	t.Cleanup(func() { linkList, addrList = oldLinks, oldAddrs })
	eth := &netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Name: "eth0", Index: 2}}
	linkList = func() ([]netlink.Link, error) { return []netlink.Link{eth}, nil }
	vip := netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP("192.168.0.75").To4(), Mask: net.CIDRMask(24, 32)}, LinkIndex: 2}
	dumps := 0
	addrList = func(netlink.Link, int) ([]netlink.Addr, error) {
		if dumps++; dumps == 1 {
			return nil, netlink.ErrDumpInterrupted
		}
		return []netlink.Addr{vip}, nil
	}
	if got := vipLinks()[netip.MustParseAddr("192.168.0.75")]; got != "eth0" {
		t.Errorf("after an interrupted dump, the VIP is on %q, want eth0 (%d dumps)", got, dumps)
	}
}
