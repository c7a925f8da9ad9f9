package topology

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func TestParseLoadURL(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want ipvsadm.ServiceKey
		err  error
	}{
		{"http://192.168.0.75/", ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.MustParseAddrPort("192.168.0.75:80")}, nil},
		{"http://192.168.0.75:8080/x", ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.MustParseAddrPort("192.168.0.75:8080")}, nil},
		{"udp://192.168.0.75:53", ipvsadm.ServiceKey{Protocol: ipvsadm.UDP, Addr: netip.MustParseAddrPort("192.168.0.75:53")}, nil},
		{"http://[fd00::45]/", ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.MustParseAddrPort("[fd00::45]:80")}, nil},
		{"http://[::ffff:192.168.0.75]/", ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.MustParseAddrPort("192.168.0.75:80")}, nil},
		{"192.168.0.75", ipvsadm.ServiceKey{}, ErrNotLoadURL},
		{"http://user@192.168.0.75/", ipvsadm.ServiceKey{}, ErrNotLoadURL},
		{"http://192.168.0.75:99999/", ipvsadm.ServiceKey{}, ErrNotLoadURL},
	} {
		got, err := ParseLoadURL(c.raw)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%s: got %v, %v; want %v, %v", c.raw, got, err, c.want, c.err)
		}
	}
	var name *NameError
	if _, err := ParseLoadURL("http://example.com/"); !errors.As(err, &name) || name.Host != "example.com" {
		t.Errorf("a name: got %v, want a NameError for example.com", err)
	}
}

func TestHasAddress(t *testing.T) {
	topo, err := Embedded("nat-walkthrough")
	if err != nil {
		t.Fatal(err)
	}
	extra := netip.MustParseAddr("10.9.9.9")
	for _, c := range []struct {
		addr string
		want bool
	}{
		{"192.168.0.100", true},       // the client
		{"::ffff:192.168.0.75", true}, // the director, written IPv4-mapped
		{"10.9.9.9", false},
		{"8.8.8.8", false},
	} {
		if got := topo.HasAddress(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("%s: got %v, want %v", c.addr, got, c.want)
		}
	}
	if !topo.HasAddress(extra, extra) {
		t.Error("a VIP of the scenario's own rules is not the lab's")
	}
}

// A load reaches the service its URL names, or the firewall-mark service the topology marks that address
// and port for; anything else reaches no service.
func TestServiceAtFindsTheServiceOrItsFirewallMark(t *testing.T) {
	vip := netip.MustParseAddr("192.168.0.75")
	web := &ipvsadm.Service{ServiceKey: ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.AddrPortFrom(vip, 80)}, Scheduler: "wrr"}
	marked := &ipvsadm.Service{ServiceKey: ipvsadm.ServiceKey{FWMark: 7}, Scheduler: "rr"}
	dns := &ipvsadm.Service{ServiceKey: ipvsadm.ServiceKey{Protocol: ipvsadm.UDP, Addr: netip.AddrPortFrom(vip, 53)}, Scheduler: "rr"}
	snap := &ipvsadm.Snapshot{Table: ipvsadm.Table{Services: []*ipvsadm.Service{web, marked, dns}}}
	topo := &Topology{IPVS: &IPVS{Marks: []FWMark{{Mark: 7, Protocol: ipvsadm.TCP, Addr: vip, Ports: []uint16{443, 8443}}}}}
	for url, want := range map[string]*ipvsadm.Service{
		"http://192.168.0.75/":      web,
		"http://192.168.0.75:8443/": marked,
		"udp://192.168.0.75:8443":   nil, // the mark is for TCP
		"udp://192.168.0.75:53":     dns,
		"http://192.168.0.75:81/":   nil,
		"http://192.168.0.76/":      nil,
		"192.168.0.75":              nil,
	} {
		if got := topo.ServiceAt(snap, url); got != want {
			t.Errorf("ServiceAt(%s) = %v, want %v", url, got, want)
		}
	}
	if got := (&Topology{}).ServiceAt(snap, "http://192.168.0.75:443/"); got != nil {
		t.Errorf("a topology without marks: ServiceAt = %v, want none", got)
	}
	if got := topo.FirstServiceURL(ipvsadm.UDP); got != "" {
		t.Errorf("FirstServiceURL of a topology without services = %q, want none", got)
	}
}
