package topology

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func TestValidateAcceptsTheDefault(t *testing.T) {
	if err := Validate(Default()); err != nil {
		t.Error(err)
	}
}

// A model built in Go has no file: problems name their field and have no position.
func TestValidateModelBuiltInGo(t *testing.T) {
	top := &Topology{
		Name:     "go-lab",
		Networks: []*Network{{Name: "lan", Subnet: netip.MustParsePrefix("10.1.0.0/24")}, {Name: "lan", Subnet: netip.MustParsePrefix("10.2.0.0/24")}},
		Hosts: []*Host{
			{Name: "a", Interfaces: []*Interface{{Name: "eth0", Network: "lan", Address: netip.MustParsePrefix("10.1.0.1/24")}},
				Sysctls: []Sysctl{{Key: "net.ipv4.ip_forward"}}},
			{Name: "b", Interfaces: []*Interface{{Name: "eth0", Network: "wan", Address: netip.MustParsePrefix("10.1.0.1/24")}},
				HTTP: &HTTPServer{}},
		},
		IPVS: &IPVS{On: "a", Services: []*ipvsadm.Service{{
			ServiceKey: ipvsadm.ServiceKey{Protocol: ipvsadm.TCP, Addr: netip.MustParseAddrPort("10.1.0.1:80")},
			Scheduler:  "fastest",
			Dests:      []ipvsadm.Dest{{Addr: netip.MustParseAddrPort("10.1.0.9:80"), Weight: 1}},
		}}},
	}
	err := Validate(top)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Validate: %v", err)
	}
	want := []string{
		`networks.lan: duplicate network "lan"`,
		"hosts.a.sysctls.net.ipv4.ip_forward: sysctl net.ipv4.ip_forward needs a value",
		`hosts.b.interfaces[0].network: unknown network "wan"; networks: lan, lan`,
		"hosts.b.http.port: port 0 is not allowed",
		"hosts.b.interfaces[0].address: 10.1.0.1 is already the address of hosts.a.interfaces[0]; every address must be unique",
		`ipvs.services[0].scheduler: unknown scheduler "fastest"; allowed: rr, wrr,`,
		"ipvs.services[0].servers[0]: no host has 10.1.0.9; add a host with that address or drop the real server",
	}
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if e.File != "" || e.Line != 0 || !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d: %q (line %d), want %q", i, e.Error(), e.Line, want[i])
		}
	}
}

func TestValidateNamesTheOtherOwnerOfADuplicateAddress(t *testing.T) {
	top := Default()
	top.Host("rs3").Interfaces[0].Address = netip.MustParsePrefix("172.16.0.45/16")
	err := Validate(top)
	want := "hosts.rs3.interfaces[0].address: 172.16.0.45 is already the address of hosts.rs1.interfaces[0]; every address must be unique"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestValidateName(t *testing.T) {
	for name, want := range map[string]string{
		"nat-walkthrough":                   "",
		"lab2":                              "",
		"":                                  "a lab name is required: 1 to 32 lowercase letters",
		"-lab":                              `"-lab" is not a valid name; use 1 to 32 lowercase letters`,
		"Lab":                               `"Lab" is not a valid name`,
		"a23456789012345678901234567890123": `"a23456789012345678901234567890123" is not a valid name`,
	} {
		err := ValidateName(name)
		if want == "" && err != nil || want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)) {
			t.Errorf("ValidateName(%q) = %v, want %q", name, err, want)
		}
	}
}

func TestValidateBoundsTheLab(t *testing.T) {
	many := &Topology{Name: "big", Networks: []*Network{{Name: "lan", Subnet: netip.MustParsePrefix("10.0.0.0/16")}}}
	for i := range 1100 {
		many.Hosts = append(many.Hosts, &Host{Name: fmt.Sprintf("h%d", i), Interfaces: []*Interface{{
			Name: "eth0", Network: "lan", Address: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i / 250), byte(1 + i%250)}), 16)}}})
	}
	err := Validate(many)
	for _, want := range []string{"1100 hosts; a lab has at most 1024", "networks.lan: 1100 interfaces on network lan; its bridge takes at most 1023"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("1100 hosts on one network: got %v, want %q", err, want)
		}
	}
}
