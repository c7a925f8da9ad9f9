package topology

import (
	"errors"
	"strings"
	"testing"
)

// base is a small valid lab; the error tests change one thing in it. Its lines, for reading positions:
// 1 name, 3-4 the subnets, 7 client's interface, 10-11 director's, 12 its sysctls, 14 rs1's interface,
// 15 its gateway, 16 its http, 18 ipvs.on, 19 "rules: |", 20 the -A rule, 21 the -a rule.
const base = `name: lab
networks:
  bridged: {subnet: 192.168.0.0/24}
  hostonly: {subnet: 172.16.0.0/16}
hosts:
  client:
    interfaces: [{network: bridged, address: 192.168.0.100/24}]
  director:
    interfaces:
      - {name: eth0, network: bridged, address: 192.168.0.75/24}
      - {name: eth1, network: hostonly, address: 172.16.0.10/16}
    sysctls: {net.ipv4.ip_forward: 1}
  rs1:
    interfaces: [{network: hostonly, address: 172.16.0.45/16}]
    gateway: 172.16.0.10
    http: {body: RS1}
ipvs:
  on: director
  rules: |
    -A -t 192.168.0.75:80 -s wrr
    -a -t 192.168.0.75:80 -r 172.16.0.45:80 -m -w 3
`

// edited returns base with old replaced by new; old must occur exactly once.
func edited(t testing.TB, old, new string) string {
	t.Helper()
	if n := strings.Count(base, old); n != 1 {
		t.Fatalf("%q occurs %d times in base", old, n)
	}
	return strings.Replace(base, old, new, 1)
}

func mustParse(t testing.TB, src string) *Topology {
	t.Helper()
	top, err := Parse("lab.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return top
}

// parseErrors parses src, which must fail, and returns its problems.
func parseErrors(t testing.TB, src string) Errors {
	t.Helper()
	top, err := Parse("lab.yaml", []byte(src))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("Parse returned %v, %v; want Errors", top, err)
	}
	if top != nil {
		t.Errorf("Parse returned a topology along with errors")
	}
	return errs
}
