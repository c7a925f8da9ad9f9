package scenarios

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"

	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

const udpRules = "topology: nat-udp\nrules: '-A -u 192.168.0.75:53 -s rr'\n"

func TestUDPLoadDefaults(t *testing.T) {
	sc, err := Parse("t.yaml", []byte("name: x\n"+udpRules+"load: {protocol: UDP}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := sc.Phases[0].Load; l.Protocol != ProtocolUDP || l.Datagrams != 1 || l.Connections != 100 {
		t.Errorf("load %+v, want protocol udp, 1 datagram per socket, 100 sockets", l)
	}
	sc, err = Parse("t.yaml", []byte("name: x\nrules: '-A -t 192.168.0.75:80 -s rr'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := sc.Phases[0].Load; l.Protocol != ProtocolTCP || l.Datagrams != 0 {
		t.Errorf("load %+v, want protocol tcp and no datagrams", l)
	}
}

func TestUDPLoadErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"load: {protocol: sctp}", `load.protocol: unknown protocol "sctp"; allowed: tcp, udp`},
		{"load: {datagrams: 3}", "load.datagrams: 3, but datagrams are for protocol: udp"},
		{"load: {url: 'udp://192.168.0.75:53'}", `load.url: "udp://192.168.0.75:53" is not an http:// URL; for datagrams say protocol: udp`},
		{"load: {protocol: udp, url: 'http://192.168.0.75/'}", `load.url: "http://192.168.0.75/" is not a udp:// URL`},
		{"load: {protocol: udp, datagrams: -1}", "t.yaml:4:34: load.datagrams: -1: want 1 to 1000"},
		{"load: {protocol: udp, hold: true}", "load.hold: holds TCP connections open"},
		{"load: {protocol: udp}\nexpect: {split: {client: 1}}", `t.yaml:5:18: expect.split.client: "client" is not a real server of embedded:nat-udp.yaml with a UDP server`},
	} {
		_, err := Parse("t.yaml", []byte("name: x\n"+udpRules+tc.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "t.yaml") {
			t.Errorf("%q: got %v, want an error naming t.yaml and %q", tc.yaml, err, tc.want)
		}
	}
}

func TestMeasureCountsUDPInSchedulingUnits(t *testing.T) {
	before := map[string]realserver.Stats{"rs1": {Datagrams: 5, Connections: 7}}
	after := map[string]realserver.Stats{"rs1": {Datagrams: 35, Connections: 9}, "rs2": {Datagrams: 30}}
	res := &loadgen.Result{Connections: 2, Requests: 60}
	udp := Load{Protocol: ProtocolUDP, Datagrams: 30}

	// Without -o each socket's 30 datagrams went to one server: the servers saw one socket each.
	m := measure(udp, res, before, after, false)
	if m.sent != 2 || !reflect.DeepEqual(m.seen, map[string]int{"rs1": 1, "rs2": 1}) || !reflect.DeepEqual(m.split, map[string]int{"rs1": 30, "rs2": 30}) {
		t.Errorf("without -o: %+v", m)
	}
	// With -o every datagram is a connection to IPVS.
	m = measure(udp, res, before, after, true)
	if m.sent != 60 || !reflect.DeepEqual(m.seen, map[string]int{"rs1": 30, "rs2": 30}) || !m.onePacket {
		t.Errorf("with -o: %+v", m)
	}
	// TCP counts the connections the servers accepted.
	m = measure(Load{Protocol: ProtocolTCP}, res, before, after, false)
	if m.sent != 2 || !reflect.DeepEqual(m.seen, map[string]int{"rs1": 2}) || !reflect.DeepEqual(m.split, m.seen) {
		t.Errorf("tcp: %+v", m)
	}
}

func TestOnePacketFollowsTheTargetService(t *testing.T) {
	var table ipvsadm.Snapshot
	for _, rule := range []string{"-A -u 192.168.0.75:53 -s rr -o", "-A -u 192.168.0.75:54 -s rr", "-A -t 192.168.0.75:53 -s rr"} {
		cmds, errs := ipvsadm.ParseRules(rule)
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		if err := table.Apply(cmds[0]); err != nil {
			t.Fatal(err)
		}
	}
	udp := Load{Protocol: ProtocolUDP}
	for _, c := range []struct {
		load Load
		url  string
		want bool
	}{
		{udp, "udp://192.168.0.75:53", true},
		{udp, "udp://192.168.0.75:54", false},
		{udp, "udp://192.168.0.76:53", false},
		{Load{Protocol: ProtocolTCP}, "http://192.168.0.75:53/", false},
	} {
		if got := onePacket(&topology.Topology{}, &table, c.load, c.url); got != c.want {
			t.Errorf("%s: one-packet %t, want %t", c.url, got, c.want)
		}
	}
	if onePacket(&topology.Topology{}, nil, udp, "udp://192.168.0.75:53") {
		t.Error("no table: one-packet, want not")
	}
}

func TestPerDatagramRepeatsEachSocketsServer(t *testing.T) {
	got := perDatagram([]string{"rs3", "rs2"}, Load{Protocol: ProtocolUDP, Datagrams: 3})
	if want := []string{"rs3", "rs3", "rs3", "rs2", "rs2", "rs2"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := perDatagram([]string{"rs1"}, Load{Protocol: ProtocolTCP}); !slices.Equal(got, []string{"rs1"}) {
		t.Errorf("tcp: got %v", got)
	}
}

func TestUDPScenariosUseUDPTopologies(t *testing.T) {
	suite, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range suite {
		for i, p := range sc.Phases {
			if p.Load.Protocol != ProtocolUDP {
				continue
			}
			names = append(names, sc.Name)
			for _, h := range sc.Topology.Hosts {
				if h.Name == "rs1" && h.UDP == nil {
					t.Errorf("%s phase %d: rs1 of %s has no UDP server", sc.Name, i+1, sc.Topology.Source)
				}
			}
			if to, err := netip.ParseAddrPort(strings.TrimPrefix(p.Load.URL, "udp://")); err != nil || to.Port() != 53 {
				t.Errorf("%s phase %d: url %q, want udp://VIP:53", sc.Name, i+1, p.Load.URL)
			}
		}
	}
	if names = slices.Compact(names); !slices.Equal(names, []string{"dr-udp-removed-server", "udp-expire-nodest", "udp-ops", "udp-removed-server", "udp-rr", "udp-wrr"}) {
		t.Errorf("UDP scenarios %v, want dr-udp-removed-server, udp-expire-nodest, udp-ops, udp-removed-server, udp-rr, udp-wrr", names)
	}
}
