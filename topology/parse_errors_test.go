package topology

import (
	"strings"
	"testing"
)

// Each case changes base in one way and expects one error: its exact position and field, and words of the
// message that say what was found and what is allowed.
var errorCases = []struct {
	name     string
	old, new string   // the edit to base
	at       string   // "line:col: field: " as printed
	says     []string // words the message must contain
}{
	{"yaml syntax", "  on: director\n", "  on: director: x\n",
		"18:3: ", []string{"YAML syntax", "mapping values are not allowed"}},
	{"yaml unclosed flow sequence", "address: 172.16.0.45/16}]", "address: 172.16.0.45/16}",
		"14:5: ", []string{"YAML syntax", "did not find expected ',' or ']'"}}, // the line of the open [
	{"unknown field", "    gateway: 172.16.0.10\n", "    gatway: 172.16.0.10\n",
		"15:5: hosts.rs1: ", []string{`unknown field "gatway"`, "allowed: interfaces, gateway, routes, sysctls, http", "did you mean gateway?"}},
	{"wrong type", "interfaces: [{network: bridged, address: 192.168.0.100/24}]", "interfaces: eth0",
		"7:17: hosts.client.interfaces: ", []string{"expected a list of interfaces", `found "eth0"`}},
	{"bad lab name", "name: lab\n", "name: Lab_1\n",
		"1:7: name: ", []string{`"Lab_1"`, "lowercase letters, digits and '-'"}},
	{"bad CIDR", "192.168.0.0/24}", "192.168.0.0/33}",
		"3:21: networks.bridged.subnet: ", []string{`bad CIDR "192.168.0.0/33"`, "prefix length", "such as 192.168.0.0/24"}},
	{"subnet with host bits", "192.168.0.0/24}", "192.168.0.1/24}",
		"3:21: networks.bridged.subnet: ", []string{"192.168.0.1/24 has host bits set", "did you mean 192.168.0.0/24?"}},
	{"overlapping networks", "  hostonly: {subnet: 172.16.0.0/16}\n", "  hostonly: {subnet: 172.16.0.0/16}\n  other: {subnet: 172.16.1.0/24}\n",
		"5:19: networks.other.subnet: ", []string{"172.16.1.0/24 overlaps network hostonly (172.16.0.0/16)"}},
	{"duplicate network", "  hostonly: {subnet: 172.16.0.0/16}\n", "  hostonly: {subnet: 172.16.0.0/16}\n  bridged: {subnet: 10.0.0.0/8}\n",
		"5:3: networks: ", []string{`duplicate network "bridged"`, "the first is at 3:3"}},
	{"address outside its network", "192.168.0.100/24", "192.168.1.100/24",
		"7:46: hosts.client.interfaces[0].address: ", []string{"192.168.1.100 is outside network bridged (192.168.0.0/24)"}},
	{"prefix length differs from the network's", "172.16.0.45/16", "172.16.0.45/24",
		"14:47: hosts.rs1.interfaces[0].address: ", []string{"/24 differs from network hostonly's /16", "write 172.16.0.45/16 or leave the length out"}},
	{"network address", "192.168.0.100/24", "192.168.0.0/24",
		"7:46: hosts.client.interfaces[0].address: ", []string{"192.168.0.0 is the network address of bridged", "from 192.168.0.1 to 192.168.0.254"}},
	{"broadcast address", "192.168.0.100/24", "192.168.0.255",
		"7:46: hosts.client.interfaces[0].address: ", []string{"192.168.0.255 is the broadcast address of bridged", "from 192.168.0.1 to 192.168.0.254"}},
	{"duplicate address", "192.168.0.100/24", "192.168.0.75/24",
		"10:49: hosts.director.interfaces[0].address: ", []string{"192.168.0.75 is already the address of hosts.client.interfaces[0] (at 7:46)"}},
	{"unknown network", "network: bridged, address: 192.168.0.100", "network: bridge, address: 192.168.0.100",
		"7:28: hosts.client.interfaces[0].network: ", []string{`unknown network "bridge"`, "networks: bridged, hostonly", "did you mean bridged?"}},
	{"duplicate host", "ipvs:\n", "  rs1: {}\nipvs:\n",
		"17:3: hosts: ", []string{`duplicate host "rs1"`, "the first is at 13:3"}},
	{"reserved host name", "  client:\n", "  switch:\n",
		"6:3: hosts.switch: ", []string{`"switch" is reserved`}},
	{"host without interfaces", "interfaces: [{network: bridged, address: 192.168.0.100/24}]", "interfaces: []",
		"7:17: hosts.client.interfaces: ", []string{"host client has no interfaces", "networks: bridged, hostonly"}},
	{"interface name too long", "name: eth0", "name: eth0-to-the-outside",
		"10:16: hosts.director.interfaces[0].name: ", []string{`"eth0-to-the-outside" is 19 bytes`, "at most 15"}},
	{"interface name with slash", "name: eth0", "name: eth/0",
		"10:16: hosts.director.interfaces[0].name: ", []string{`"eth/0" contains '/', ':' or whitespace`}},
	{"interface name with colon", "name: eth0", "name: 'eth0:1'",
		"10:16: hosts.director.interfaces[0].name: ", []string{`"eth0:1" contains '/', ':' or whitespace`}},
	{"interface name with space", "name: eth0", "name: eth 0",
		"10:16: hosts.director.interfaces[0].name: ", []string{`"eth 0" contains '/', ':' or whitespace`}},
	{"interface named lo", "name: eth0", "name: lo",
		"10:16: hosts.director.interfaces[0].name: ", []string{`"lo" is the loopback`, "such as eth0"}},
	{"interface name repeated in a host", "name: eth1", "name: eth0",
		"11:16: hosts.director.interfaces[1].name: ", []string{`host director already has an interface named "eth0"`}},
	{"gateway off the host's networks", "gateway: 172.16.0.10", "gateway: 10.0.0.1",
		"15:14: hosts.rs1.gateway: ", []string{"gateway 10.0.0.1 is not on any of rs1's networks (hostonly 172.16.0.0/16)"}},
	{"gateway is the host's own address", "gateway: 172.16.0.10", "gateway: 172.16.0.45",
		"15:14: hosts.rs1.gateway: ", []string{"gateway 172.16.0.45 is rs1's own address", "another host's"}},
	{"gateway no host has", "gateway: 172.16.0.10", "gateway: 172.16.0.1",
		"15:14: hosts.rs1.gateway: ", []string{"no host has 172.16.0.1", "must be the address of a lab host"}},
	{"route via off the host's networks", "    http: {body: RS1}\n", "    http: {body: RS1}\n    routes: [{to: 10.0.0.0/8, via: 10.0.0.1}]\n",
		"17:36: hosts.rs1.routes[0].via: ", []string{"route via 10.0.0.1 is not on any of rs1's networks (hostonly 172.16.0.0/16)"}},
	{"route via the host's own address", "    http: {body: RS1}\n", "    http: {body: RS1}\n    routes: [{to: 10.0.0.0/8, via: 172.16.0.45}]\n",
		"17:36: hosts.rs1.routes[0].via: ", []string{"route via 172.16.0.45 is rs1's own address"}},
	{"route via no host has", "    http: {body: RS1}\n", "    http: {body: RS1}\n    routes: [{to: 10.0.0.0/8, via: 172.16.0.1}]\n",
		"17:36: hosts.rs1.routes[0].via: ", []string{"no host has 172.16.0.1", "route via must be the address of a lab host"}},
	{"route to with host bits", "    http: {body: RS1}\n", "    http: {body: RS1}\n    routes: [{to: 10.0.0.1/8, via: 172.16.0.10}]\n",
		"17:19: hosts.rs1.routes[0].to: ", []string{"10.0.0.1/8 has host bits set", "did you mean 10.0.0.0/8?"}},
	{"sysctl outside net", "net.ipv4.ip_forward: 1", "kernel.panic: 1",
		"12:15: hosts.director.sysctls.kernel.panic: ", []string{`"kernel.panic" is not allowed`, "only per-namespace net.*"}},
	{"sysctl with bad characters", "net.ipv4.ip_forward: 1", "net.ipv4.ip*forward: 1",
		"12:15: hosts.director.sysctls.net.ipv4.ip*forward: ", []string{`"net.ipv4.ip*forward" is malformed`, "letters, digits, '_' and '-'"}},
	{"sysctl with slashes", "net.ipv4.ip_forward: 1", "net/ipv4/ip_forward: 1",
		"12:15: hosts.director.sysctls.net/ipv4/ip_forward: ", []string{"write the key with dots", "net.ipv4.ip_forward"}},
	{"http port 0", "http: {body: RS1}", "http: {port: 0, body: RS1}",
		"16:18: hosts.rs1.http.port: ", []string{"0 is out of range", "allowed: 1 to 65535"}},
	{"http port too big", "http: {body: RS1}", "http: {port: 70000, body: RS1}",
		"16:18: hosts.rs1.http.port: ", []string{"70000 is out of range", "allowed: 1 to 65535"}},
	{"ipvs on an unknown host", "on: director", "on: directr",
		"18:7: ipvs.on: ", []string{`unknown host "directr"`, "hosts: client, director, rs1", "did you mean director?"}},
	{"unknown scheduler in a rule", "-m -w 3\n", "-m -w 3\n    -E -t 192.168.0.75:80 -s wrx\n",
		"22:30: ipvs.rules: ", []string{"wrx", "wrr"}},
	{"unknown option in a rule", "-m -w 3", "-q -w 3",
		"21:45: ipvs.rules: ", []string{"-q"}},
	{"rule the table refuses", "-a -t 192.168.0.75:80 -r", "-a -t 192.168.0.76:80 -r",
		"21:5: ipvs.rules: ", []string{"192.168.0.76:80"}},
	{"real server no host has", "-r 172.16.0.45:80", "-r 172.16.0.65:80",
		"21:30: ipvs.rules: ", []string{"no host has 172.16.0.65; add a host with that address or drop the rule"}},
	{"folded rules", "  rules: |\n", "  rules: >\n",
		"19:10: ipvs.rules: ", []string{"folded block (>)", "literal block (|)"}},
	{"sysctl value too long", "net.ipv4.ip_forward: 1", "net.ipv4.ip_forward: " + strings.Repeat("1", 100<<10),
		"12:15: hosts.director.sysctls.net.ipv4.ip_forward: ", []string{"102400 bytes long; at most 256"}},
	{"sysctl key too long", "net.ipv4.ip_forward: 1", "net." + strings.Repeat("x", 200) + ": 1",
		"12:15: hosts.director.sysctls.", []string{"204 bytes long; a key is at most 128"}},
	{"missing name", "name: lab\n", "",
		"1:1: name: ", []string{"a lab name is required"}},
	{"second document", "ipvs:\n", "---\nipvs:\n",
		"17:1: ", []string{"a second YAML document"}},
}

func TestParseErrors(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			errs := parseErrors(t, edited(t, c.old, c.new))
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

func TestParseRefusesAnOversizedFile(t *testing.T) {
	_, err := Parse("big.yaml", []byte("name: x\n#"+strings.Repeat("x", MaxFileBytes)))
	if err == nil || !strings.Contains(err.Error(), "big.yaml: the file is larger than 1048576 bytes") {
		t.Errorf("got %v", err)
	}
}
