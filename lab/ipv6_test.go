package lab

import (
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
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

// An IPv6 host whose link went down and came back up still has its address: a pulled cable does not
// unconfigure it (the kernel's default drops IPv6 addresses with the link).
func TestIPv6LinkDownAndUpKeepsTheAddress(t *testing.T) {
	topo, err := topology.Parse("v6.yaml", []byte(ipv6Lab))
	if err != nil {
		t.Fatal(err)
	}
	l := upTopology(t, topo)
	for _, up := range []bool{false, true} {
		if _, err := l.SetLinkUp("rs1", "", up); err != nil {
			t.Fatal(err)
		}
	}
	err = wait.Until(t.Context(), 5*time.Second, func() (bool, string) {
		_, body, err := getWithin(l, "client", "http://[fd00:10::45]/", 500*time.Millisecond)
		return err == nil && body == "RS1\n", "rs1 unreachable over IPv6 after its link came back up"
	})
	if err != nil {
		t.Error(err)
	}
}
