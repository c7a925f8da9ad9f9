package topology

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func TestLoadFillsDefaults(t *testing.T) {
	top, err := Load("testdata/nat-structured.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if top.Source != "testdata/nat-structured.yaml" {
		t.Errorf("source %q", top.Source)
	}
	director := top.Host("director")
	// Interfaces are named by position and take their network's prefix length.
	if got := describeInterfaces(director); got != "eth0 bridged 192.168.0.75/24, eth1 hostonly 172.16.0.10/16" {
		t.Errorf("director interfaces %q", got)
	}
	if s := director.Sysctls; len(s) != 1 || s[0].Value != "1" {
		t.Errorf("sysctl true became %v", s)
	}
	if h := top.Host("rs2").HTTP; h == nil || h.Port != DefaultHTTPPort || h.Body != "RS2.magedu.com" {
		t.Errorf("rs2 http %+v", h)
	}
}

func TestStructuredServicesBuildTheSameTableAsRules(t *testing.T) {
	top, err := Load("testdata/nat-structured.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := top.IPVS.Services, Default().IPVS.Services; !reflect.DeepEqual(got, want) {
		t.Errorf("structured %+v\nrules      %+v", got[0], want[0])
	}
}

func TestStructuredServicesComeBeforeRules(t *testing.T) {
	src := edited(t, "  rules: |\n", `  services:
    - {fwmark: 1, scheduler: rr, persistent: true, sched-flags: [flag-1], servers: [{address: 172.16.0.45, method: dr}]}
  rules: |
`)
	svcs := mustParse(t, src).IPVS.Services
	if len(svcs) != 2 || svcs[0].FWMark != 1 || svcs[1].Addr.String() != "192.168.0.75:80" {
		t.Fatalf("services %+v", svcs)
	}
	fw := svcs[0]
	if fw.Scheduler != "rr" || !fw.Persistent || fw.Timeout != ipvsadm.DefaultPersistence || len(fw.Dests) != 1 || fw.Dests[0].Method != ipvsadm.Route {
		t.Errorf("fwmark service %+v", fw)
	}
}

func TestSysctlValues(t *testing.T) {
	src := edited(t, "{net.ipv4.ip_forward: 1}", `{net.ipv4.ip_forward: 1, net.ipv4.conf.all.rp_filter: false, net.ipv4.ip_local_port_range: "1024 65000"}`)
	got := mustParse(t, src).Host("director").Sysctls
	want := []Sysctl{{"net.ipv4.ip_forward", "1"}, {"net.ipv4.conf.all.rp_filter", "0"}, {"net.ipv4.ip_local_port_range", "1024 65000"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sysctls %v, want %v", got, want)
	}
}

func TestEmptyHTTPSectionServesTheHostName(t *testing.T) {
	h := mustParse(t, edited(t, "http: {body: RS1}", "http: {}")).Host("rs1").HTTP
	if h == nil || h.Port != 80 || h.Body != "rs1" {
		t.Errorf("http %+v", h)
	}
}

func TestAServiceWithoutRealServersIsAllowed(t *testing.T) {
	top := mustParse(t, edited(t, "    -a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3\n", ""))
	if s := top.IPVS.Services; len(s) != 1 || len(s[0].Dests) != 0 {
		t.Errorf("services %+v", s)
	}
}

func TestAnchorsAndAliases(t *testing.T) {
	src := edited(t, "    http: {body: RS1}\n", "    http: &page {port: 8080}\n  rs2:\n    interfaces: [{network: hostonly, address: 172.16.0.55}]\n    http: *page\n")
	if h := mustParse(t, src).Host("rs2").HTTP; h == nil || h.Port != 8080 || h.Body != "rs2" {
		t.Errorf("rs2 http %+v", h)
	}
}

// Errors of the structured form point at the field that holds the bad value.
func TestStructuredServiceErrors(t *testing.T) {
	cases := []struct{ service, at string }{
		{"{address: 192.168.0.75:81, scheduler: wrx}", "20:45: ipvs.services[0].scheduler: "},
		{"{protocol: tcpp, address: 192.168.0.75:81}", "20:18: ipvs.services[0].protocol: unknown protocol \"tcpp\"; allowed: tcp, udp, sctp; did you mean tcp?"},
		{"{fwmark: 1, address: 192.168.0.75:81}", "20:16: ipvs.services[0].fwmark: give either fwmark or protocol and address, not both"},
		{"{scheduler: rr}", "20:7: ipvs.services[0]: a service needs an address"},
		{"{address: 192.168.0.75:81, servers: [{address: 172.16.0.45:81, method: natt}]}", "20:78: ipvs.services[0].servers[0].method: unknown method \"natt\"; allowed: nat, dr, tun; did you mean nat?"},
		{"{address: 192.168.0.75:81, servers: [{address: 172.16.0.99:81}]}", "20:54: ipvs.services[0].servers[0].address: no host has 172.16.0.99; add a host with that address or drop the real server"},
		{"{address: 192.168.0.75:81, servers: [{address: 172.16.0.45:81, weight: heavy}]}", "20:78: ipvs.services[0].servers[0].weight: weight \"heavy\""},
		{"{address: 192.168.0.75:81, ops: maybe}", "20:39: ipvs.services[0].ops: expected true or false, found \"maybe\""},
		{"{address: 192.168.0.75:81, schedular: rr}", "20:34: ipvs.services[0]: unknown field \"schedular\"; allowed: protocol, address, fwmark, scheduler, persistent, netmask, sched-flags, ops, servers; did you mean scheduler?"},
		{"{address: 192.168.0.75:80}", "22:5: ipvs.rules: service TCP 192.168.0.75:80 already exists"}, // structured services come first
	}
	for _, c := range cases {
		src := edited(t, "  rules: |\n", "  services:\n    - "+c.service+"\n  rules: |\n")
		errs := parseErrors(t, src)
		if got := errs[0].Error(); !strings.HasPrefix(got, "lab.yaml:"+c.at) {
			t.Errorf("%s:\ngot  %s\nwant lab.yaml:%s...", c.service, got, c.at)
		}
	}
}

func TestEveryProblemIsReportedInFileOrder(t *testing.T) {
	src := strings.NewReplacer("name: lab", "name: Lab", "gateway: 172.16.0.10", "gatway: 172.16.0.10", "on: director", "on: nobody", "192.168.0.100/24", "192.168.0.100/16").Replace(base)
	errs := parseErrors(t, src)
	var at []string
	for _, e := range errs {
		at = append(at, strings.Join(strings.SplitN(e.Error(), ":", 4)[1:3], ":"))
	}
	if got, want := strings.Join(at, " "), "1:7 7:46 15:5 18:7"; got != want {
		t.Errorf("positions %s, want %s\n%v", got, want, errs)
	}
}

func TestWholeFileProblemsHaveNoPosition(t *testing.T) {
	for _, src := range []string{"", "# nothing but a comment\n", "---\n"} {
		errs := parseErrors(t, src)
		if len(errs) != 1 || errs[0].Line != 0 || errs[0].Error() != "lab.yaml: the file is empty; a topology needs name, networks and hosts" {
			t.Errorf("%q: %v", src, errs)
		}
	}
	_, err := Load("testdata/no-such-file.yaml")
	if err == nil || err.Error() != "testdata/no-such-file.yaml: cannot read the topology: no such file or directory" {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	cases := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Col: 5, Field: "hosts.rs1", Msg: "bad"}, "a.yaml:3:5: hosts.rs1: bad"},
		{Error{File: "a.yaml", Msg: "empty"}, "a.yaml: empty"},
		{Error{Field: "hosts.rs1.gateway", Msg: "bad"}, "hosts.rs1.gateway: bad"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	errs := Errors{&cases[0].e, &cases[1].e}
	if got := errs.Error(); got != "a.yaml:3:5: hosts.rs1: bad\na.yaml: empty" {
		t.Errorf("Errors print %q", got)
	}
}

func TestAddressWithoutPrefixTakesTheNetworks(t *testing.T) {
	top := mustParse(t, edited(t, "172.16.0.45/16", "172.16.0.45"))
	if got := top.Host("rs1").Interfaces[0].Address; got != netip.MustParsePrefix("172.16.0.45/16") {
		t.Errorf("address %v", got)
	}
}

func TestATopologyIsAMapping(t *testing.T) {
	errs := parseErrors(t, "- client\n- director\n")
	want := "lab.yaml:1:1: expected a mapping of name, networks, hosts, ipvs, found a list"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("got %v\nwant %s", errs, want)
	}
}
