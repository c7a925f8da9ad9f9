package loadgen

import (
	"fmt"
	"net"
	"slices"
	"testing"
)

// A run takes its local ports in turn over the whole range, and comes back to a port only after every
// other: left to connect, Linux steps through the range at random (up to 16 ports at a time), and ten
// thousand connections to one VIP reuse ports the director still holds entries for. The range is made
// small here, so that 300 connections go round it more than twice.
func TestRunTakesLocalPortsInTurn(t *testing.T) {
	const lo, hi = 41000, 41099
	testHookPortRange = func() (uint32, uint32) { return lo, hi }
	defer func() { testHookPortRange = nil }()
	rs1 := startServer(t, "rs1", nil)
	res := measure(t, Run, Options{URL: rs1.url, Requests: 300, Concurrency: 4, Sequence: true})
	wantNoFailures(t, res)
	if len(res.Locals) != 300 {
		t.Fatalf("%d locals recorded, want 300", len(res.Locals))
	}
	last := map[uint16]int{}
	firstReuse := -1
	for i, l := range res.Locals {
		p := l.Port()
		if p < lo || p > hi {
			t.Fatalf("connection %d from port %d, outside the range %d-%d", i, p, lo, hi)
		}
		if _, ok := last[p]; ok && firstReuse < 0 {
			firstReuse = i
		}
		last[p] = i
	}
	// In turn, a port comes back once the others were used; a few are skipped, still closing. (Linux's own
	// steps, 9 ports on average, would come back to one after a dozen connections.)
	if firstReuse < (hi-lo+1)*3/4 {
		t.Errorf("connection %d reused a port already, want no port again before most of the %d were used", firstReuse, hi-lo+1)
	}
	if len(last) < (hi-lo+1)*3/4 {
		t.Errorf("%d ports used, want most of the %d", len(last), hi-lo+1)
	}
}

// Ports the kernel keeps for services (ip_local_reserved_ports) are never taken, as connect never takes them.
func TestLocalPortsSkipReserved(t *testing.T) {
	p := &localPorts{lo: 100, n: 5, reserved: map[uint32]bool{101: true, 103: true}}
	var got []int
	for range 6 {
		got = append(got, p.take())
	}
	if want := []int{100, 102, 104, 100, 102, 104}; !slices.Equal(got, want) {
		t.Errorf("took %v, want %v", got, want)
	}
	all := &localPorts{lo: 100, n: 2, reserved: map[uint32]bool{100: true, 101: true}}
	if got := all.take(); got != 0 {
		t.Errorf("a range all reserved: took %d, want 0 (connect's choice)", got)
	}
}

// A long stretch of ports in use (an earlier run's thousand kept-alive connections in TIME_WAIT) is
// skipped, however long, rather than failing the connections that meet it.
func TestRunSkipsALongStretchOfPortsInUse(t *testing.T) {
	const lo, hi, free = 42000, 42499, 10
	testHookPortRange = func() (uint32, uint32) { return lo, hi }
	defer func() { testHookPortRange = nil }()
	for port := lo + free; port <= hi; port++ { // all but the first few ports of the range taken
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Skipf("port %d is not free here: %v", port, err)
		}
		t.Cleanup(func() { ln.Close() })
	}
	rs1 := startServer(t, "rs1", nil)
	res := measure(t, Run, Options{URL: rs1.url, Requests: 30, Concurrency: 2, Sequence: true})
	wantNoFailures(t, res)
	for _, l := range res.Locals {
		if l.Port() >= lo+free {
			t.Errorf("a connection from port %d, which another socket holds", l.Port())
		}
	}
}
