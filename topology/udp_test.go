package topology

import (
	"strings"
	"testing"
)

func TestUDPSectionGivesTheHostAnEchoServer(t *testing.T) {
	for _, c := range []struct {
		section string
		port    uint16
	}{
		{"udp: {port: 5353}", 5353},
		{"udp: {}", DefaultUDPPort},
		{"udp:", DefaultUDPPort},
	} {
		top := mustParse(t, edited(t, "    http: {body: RS1}\n", "    http: {body: RS1}\n    "+c.section+"\n"))
		if u := top.Host("rs1").UDP; u == nil || u.Port != c.port {
			t.Errorf("%s: udp %+v, want port %d", c.section, u, c.port)
		}
		if u := top.Host("client").UDP; u != nil {
			t.Errorf("%s: the client has udp %+v, want none", c.section, u)
		}
	}
}

func TestUDPSectionErrors(t *testing.T) {
	for _, c := range []struct {
		name, section, at string
		says              []string
	}{
		{"port 0", "udp: {port: 0}", "17:17: hosts.rs1.udp.port: ", []string{"0 is out of range", "allowed: 1 to 65535"}},
		{"port too big", "udp: {port: 65536}", "17:17: hosts.rs1.udp.port: ", []string{"65536 is out of range", "allowed: 1 to 65535"}},
		{"port not a number", "udp: {port: dns}", "17:17: hosts.rs1.udp.port: ", []string{`"dns"`}},
		{"unknown field", "udp: {prot: 53}", "17:11: hosts.rs1.udp: ", []string{`unknown field "prot"`, "allowed: port", "did you mean port?"}},
		{"not a mapping", "udp: 53", "17:10: hosts.rs1.udp: ", []string{"expected a mapping of port", "found the number 53"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := parseErrors(t, edited(t, "    http: {body: RS1}\n", "    http: {body: RS1}\n    "+c.section+"\n"))
			got := errs[0].Error()
			if len(errs) != 1 {
				t.Errorf("%d errors, want 1:\n%v", len(errs), errs)
			}
			if want := "lab.yaml:" + c.at; !strings.HasPrefix(got, want) {
				t.Errorf("got  %s\nwant %s...", got, want)
			}
			for _, s := range c.says {
				if !strings.Contains(got, s) {
					t.Errorf("%s\ndoes not say %q", got, s)
				}
			}
		})
	}
}

func TestUDPServerOnAHostWithoutInterfacesIsRefused(t *testing.T) {
	src := edited(t, "interfaces: [{network: bridged, address: 192.168.0.100/24}]", "interfaces: []\n    udp: {port: 53}")
	errs := parseErrors(t, src)
	var found bool
	for _, e := range errs {
		if strings.HasPrefix(e.Error(), "lab.yaml:8:10: hosts.client.udp: host client has a UDP server but no interfaces") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error points at the UDP server of a host without interfaces:\n%v", errs)
	}
}

func TestValidateRefusesUDPPortZero(t *testing.T) {
	top := Default()
	top.Host("rs1").UDP = &UDPServer{}
	err := Validate(top)
	if err == nil || !strings.Contains(err.Error(), "hosts.rs1.udp.port: port 0 is not allowed; allowed: 1 to 65535") {
		t.Errorf("Validate: %v", err)
	}
}
