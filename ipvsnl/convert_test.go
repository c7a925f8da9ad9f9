//go:build linux

package ipvsnl

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// What lvslab sends through moby/ipvs reads back as the same service and real server.
func TestServiceAndDestRoundTrip(t *testing.T) {
	for _, rule := range []string{
		"-A -t 192.168.0.75:80 -s wrr",
		"-A -t 10.0.0.100:443 -s wlc -p 360 -M 255.255.255.0",
		"-A -u 10.0.0.100:53 -s sh -b sh-fallback,sh-port -o",
		"-A -t [fd00::75]:80 -s mh -b mh-port -p 120 -M 64",
		"-A -f 7 -s rr",
		"-A -f 8 -6 -s lc",
	} {
		cmds, errs := ipvsadm.ParseRules(rule)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		want := cmds[0].Service
		m := mobyService(&want)
		m.Flags |= svcHashed // as the kernel reports it
		got := fromMobyService(m)
		if got.Netmask == (netip.Addr{}) && want.Netmask == (netip.Addr{}) {
			got.Netmask = want.Netmask
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s:\n sent %+v\n read %+v", rule, want, *got)
		}
	}
	d := ipvsadm.Dest{Addr: netip.MustParseAddrPort("172.16.0.45:8080"), Method: ipvsadm.Masq, Weight: 3, UThreshold: 100, LThreshold: 50}
	if got := fromMobyDest(mobyDest(&d)); got != d {
		t.Errorf("dest sent %+v, read %+v", d, got)
	}
}

// A real server's tunnel options, as the kernel nests them in its dump, are read back.
func TestParseTunnelDest(t *testing.T) {
	dest := nl.NewRtAttr(ipvsCmdAttrDest|unix.NLA_F_NESTED, nil)
	dest.AddRtAttr(ipvsDestAttrAddr, addrBytes(netip.MustParseAddr("10.0.0.2")))
	dest.AddRtAttr(ipvsDestAttrPort, be16(80))
	dest.AddRtAttr(ipvsDestAttrAF, nl.Uint16Attr(unix.AF_INET))
	dest.AddRtAttr(ipvsDestAttrTunType, []byte{tunTypeGUE})
	dest.AddRtAttr(ipvsDestAttrTunPort, be16(6080))
	dest.AddRtAttr(ipvsDestAttrTunFlags, nl.Uint16Attr(tunChecksums["remcsum"]))
	b := dest.Serialize()
	addr, opts, err := parseTunnelDest(b[unix.SizeofRtAttr:])
	want := ipvsadm.TunnelOptions{Type: "gue", Port: 6080, Checksum: "remcsum"}
	if err != nil || addr != netip.MustParseAddrPort("10.0.0.2:80") || opts != want {
		t.Errorf("got %v %+v %v; want 10.0.0.2:80 %+v", addr, opts, err, want)
	}
}
