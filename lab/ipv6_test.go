package lab

import (
	"testing"

	"github.com/lvslab/lvslab/topology"
)

const ipv6Lab = `name: v6
networks:
  lan: {subnet: "fd00:10::/64"}
hosts:
  client: {interfaces: [{network: lan, address: "fd00:10::100/64"}]}
  rs1:
    interfaces: [{network: lan, address: "fd00:10::45/64"}]
    http: {port: 80, body: RS1}
`

// An IPv6 lab is usable the moment Up returns: duplicate address detection once left the addresses
// tentative for a second or two, and the first requests timed out.
func TestIPv6LabAnswersAsSoonAsItIsUp(t *testing.T) {
	topo, err := topology.Parse("v6.yaml", []byte(ipv6Lab))
	if err != nil {
		t.Fatal(err)
	}
	l := upTopology(t, topo)
	failed := 0
	for i := range 20 {
		if _, body, err := get(l, "client", "http://[fd00:10::45]/"); err != nil || body != "RS1\n" {
			failed++
			t.Logf("request %d: %q, %v", i, body, err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of 20 requests made right after Up failed", failed)
	}
}
