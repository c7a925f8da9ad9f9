package loadgen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
)

// localPorts hands a run's connections their local ports in turn, each port once before any comes back.
//
// Left to itself, connect advances through the port range by a random step (Linux 5.18 and later: up to
// 16 ports at a time, 9 on average), so ten thousand connections to one service come back to ports used
// earlier in the run. A connection from a client address and port whose entry the director still holds is
// taken by IPVS for the earlier connection, unscheduled and uncounted, unless that entry is in TIME_WAIT:
// the servers then see a connection more than IPVS scheduled. In turn, a run reuses a port only after the
// whole range.
type localPorts struct {
	lo, n    uint32
	next     atomic.Uint32
	reserved map[uint32]bool // ip_local_reserved_ports: connect never picks them, nor does this
	// fixed are the ports Options.LocalPorts gives, taken in turn instead of the range's: a port in use
	// is then an error, not a reason to take the next.
	fixed []uint16
}

// The range connect chooses from, and the ports it leaves alone, in the network namespace of the process
// that reads them.
const (
	portRangePath    = "/proc/sys/net/ipv4/ip_local_port_range"
	reservedPortPath = "/proc/sys/net/ipv4/ip_local_reserved_ports"
)

// testHookPortRange, when set, replaces the namespace's port range: tests make it small.
var testHookPortRange func() (lo, hi uint32)

// newLocalPorts starts at a random port of the range, so that runs one after another do not start alike.
func newLocalPorts() (*localPorts, error) {
	lo, hi, err := readPortRange()
	if err != nil {
		return nil, err
	}
	p := &localPorts{lo: lo, n: hi - lo + 1}
	if p.reserved, err = readReservedPorts(); err != nil {
		return nil, err
	}
	p.next.Store(rand.Uint32N(p.n))
	return p, nil
}

// fixedPorts are local ports given, in turn from the first.
func fixedPorts(ports []uint16) *localPorts {
	return &localPorts{fixed: ports}
}

// readReservedPorts reads the kernel's list of ports it keeps for services: "8080,9000-9100", or empty.
func readReservedPorts() (map[uint32]bool, error) {
	data, err := os.ReadFile(reservedPortPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the reserved local ports: %w", err)
	}
	reserved := map[uint32]bool{}
	for _, item := range strings.Split(strings.TrimSpace(string(data)), ",") {
		if item == "" {
			continue
		}
		var lo, hi uint32
		from, to, isRange := strings.Cut(item, "-")
		_, err1 := fmt.Sscan(from, &lo)
		hi, err2 := lo, error(nil)
		if isRange {
			_, err2 = fmt.Sscan(to, &hi)
		}
		if err1 != nil || err2 != nil || hi > 65535 || lo > hi {
			return nil, fmt.Errorf("the reserved local ports %s: %q, expected ports and ranges separated by commas", reservedPortPath, item)
		}
		for port := lo; port <= hi; port++ {
			reserved[port] = true
		}
	}
	return reserved, nil
}

func readPortRange() (lo, hi uint32, err error) {
	if testHookPortRange != nil {
		lo, hi = testHookPortRange()
		return lo, hi, nil
	}
	data, err := os.ReadFile(portRangePath)
	if err != nil {
		return 0, 0, fmt.Errorf("the local port range: %w", err)
	}
	if _, err := fmt.Sscan(strings.TrimSpace(string(data)), &lo, &hi); err != nil || lo == 0 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("the local port range %s: %q, expected two ports, the lower first", portRangePath, strings.TrimSpace(string(data)))
	}
	return lo, hi, nil
}

// take is the next port that is not reserved (0, connect's choice, when the whole range is).
func (p *localPorts) take() int {
	if len(p.fixed) > 0 {
		return int(p.fixed[(p.next.Add(1)-1)%uint32(len(p.fixed))])
	}
	for range p.n {
		port := p.lo + (p.next.Add(1)-1)%p.n
		if !p.reserved[port] {
			return int(port)
		}
	}
	return 0
}

// maxPortTries bounds the ports one connection tries: a port in use here (bind) or towards the same
// server (connect) is skipped. An earlier run with a thousand kept-alive connections leaves a thousand
// ports in a row in TIME_WAIT for a minute.
const maxPortTries = 4096

// portTaken reports an error that another port may not have.
func portTaken(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EADDRNOTAVAIL)
}
