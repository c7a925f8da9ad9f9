package topology

import (
	"net/netip"
	"testing"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// The default topology is the tutorial's NAT lab, fact by fact.
func TestDefaultIsTheNATWalkthrough(t *testing.T) {
	top := Default()
	if top.Name != "nat-walkthrough" || top.Source != "embedded:nat-walkthrough.yaml" {
		t.Errorf("name %q, source %q", top.Name, top.Source)
	}
	nets := map[string]string{}
	for _, n := range top.Networks {
		nets[n.Name] = n.Subnet.String()
	}
	if len(nets) != 2 || nets["bridged"] != "192.168.0.0/24" || nets["hostonly"] != "172.16.0.0/16" {
		t.Errorf("networks %v", nets)
	}

	wantHosts := []struct {
		name, addrs, gateway, body string
	}{
		{"client", "eth0 bridged 192.168.0.100/24", "", ""},
		{"director", "eth0 bridged 192.168.0.75/24, eth1 hostonly 172.16.0.10/16", "", ""},
		{"rs1", "eth0 hostonly 172.16.0.45/16", "172.16.0.10", "RS1.magedu.com"},
		{"rs2", "eth0 hostonly 172.16.0.55/16", "172.16.0.10", "RS2.magedu.com"},
		{"rs3", "eth0 hostonly 172.16.0.65/16", "172.16.0.10", "RS3.magedu.com"},
	}
	if len(top.Hosts) != len(wantHosts) {
		t.Fatalf("%d hosts, want %d", len(top.Hosts), len(wantHosts))
	}
	for i, want := range wantHosts {
		h := top.Hosts[i]
		if h.Name != want.name {
			t.Errorf("host %d is %q, want %q", i, h.Name, want.name)
			continue
		}
		if got := describeInterfaces(h); got != want.addrs {
			t.Errorf("%s interfaces %q, want %q", h.Name, got, want.addrs)
		}
		if got := addrString(h.Gateway); got != want.gateway {
			t.Errorf("%s gateway %q, want %q", h.Name, got, want.gateway)
		}
		switch {
		case want.body == "" && h.HTTP != nil:
			t.Errorf("%s serves HTTP", h.Name)
		case want.body != "" && (h.HTTP == nil || h.HTTP.Port != 80 || h.HTTP.Body != want.body):
			t.Errorf("%s http %+v, want port 80 body %s", h.Name, h.HTTP, want.body)
		}
	}
	if s := top.Host("director").Sysctls; len(s) != 1 || s[0] != (Sysctl{"net.ipv4.ip_forward", "1"}) {
		t.Errorf("director sysctls %v", s)
	}

	if top.IPVS == nil || top.IPVS.On != "director" || len(top.IPVS.Services) != 1 {
		t.Fatalf("ipvs %+v", top.IPVS)
	}
	svc := top.IPVS.Services[0]
	if svc.Protocol != ipvsadm.TCP || svc.Addr != netip.MustParseAddrPort("192.168.0.75:80") || svc.Scheduler != "wrr" {
		t.Errorf("service %v %s", svc.ServiceKey, svc.Scheduler)
	}
	// -a puts each new real server at the head, as the kernel does: rs2 was added last.
	want := []ipvsadm.Dest{
		{Addr: netip.MustParseAddrPort("172.16.0.55:80"), Method: ipvsadm.Masq, Weight: 1},
		{Addr: netip.MustParseAddrPort("172.16.0.45:80"), Method: ipvsadm.Masq, Weight: 3},
	}
	if len(svc.Dests) != len(want) {
		t.Fatalf("dests %+v", svc.Dests)
	}
	for i := range want {
		if svc.Dests[i] != want[i] {
			t.Errorf("dest %d = %+v, want %+v", i, svc.Dests[i], want[i])
		}
	}
}

func TestDefaultReturnsAFreshCopy(t *testing.T) {
	a, b := Default(), Default()
	a.Hosts[0].Name = "changed"
	if b.Hosts[0].Name != "client" {
		t.Error("Default shares its model between calls")
	}
}

func describeInterfaces(h *Host) string {
	var s string
	for i, ifc := range h.Interfaces {
		if i > 0 {
			s += ", "
		}
		s += ifc.Name + " " + ifc.Network + " " + ifc.Address.String()
	}
	return s
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
