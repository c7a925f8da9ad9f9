//go:build linux

package loadgen

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Run makes o.Requests requests with o.Concurrency in flight, as ab -n -c does
// (ab -k with o.KeepAlive), and stops early at o.TimeLimit. When ctx ends first,
// it returns what was measured so far together with an error. A udp:// URL sends
// datagrams instead (see Options.Datagrams).
//
// Over TCP the requests are shared by a few pollers, one per core at most, each driving its connections
// on non-blocking sockets of its own, as ab and wrk do: a connection costs the system calls TCP needs
// and no more.
func Run(ctx context.Context, o Options) (*Result, error) {
	o, to, err := prepare(ctx, o, Options.closedLoop)
	if err != nil {
		return nil, err
	}
	if err := checkOpenFiles(o, to.udp); err != nil {
		return nil, err
	}
	if to.udp {
		return runUDP(ctx, o, to)
	}
	ports := fixedPorts(o.LocalPorts)
	if len(o.LocalPorts) == 0 {
		if ports, err = newLocalPorts(); err != nil {
			return nil, err
		}
	}
	runCtx, cancel := runContext(ctx, o.TimeLimit)
	defer cancel()

	loop := &closedLoop{
		to:        to.addr,
		sources:   o.Sources,
		ports:     ports,
		request:   to.request(o.KeepAlive || o.Hold),
		timeout:   o.Timeout,
		keepAlive: o.KeepAlive,
		hold:      o.Hold,
		reset:     o.Reset,
	}
	if o.Sequence {
		loop.locals = &localRecord{}
	}
	defer loop.releaseHeld()
	var c crew
	defer c.close()
	for _, slots := range shares(o.Concurrency, pollersFor(o.Concurrency)) {
		p, err := newPoller(loop, slots, newTally().recording(o.Sequence))
		if err != nil {
			return nil, err
		}
		c.add(p.stop, p.run, p.tally)
		c.closers = append(c.closers, p.close)
	}
	elapsed, stopped, pauseErr := loop.stages(runCtx, &c, o)
	total := newTally().recording(o.Sequence).merged(c.tallies)
	res := total.result(loop.opened.Load(), elapsed)
	res.URL, res.Concurrency, res.KeepAlive = o.URL, o.Concurrency, o.KeepAlive
	res.Locals = loop.locals.list()
	if pauseErr != nil {
		return res, pauseErr
	}
	return res, endOfRun(ctx, stopped, res)
}

// stages runs the crew through the requests, stopping at each of o.Pauses until the connections started
// have ended, to call o.Pause. elapsed is the time the crew ran, the pauses left out.
func (l *closedLoop) stages(run context.Context, c *crew, o Options) (elapsed time.Duration, stopped bool, err error) {
	done := 0
	for _, upTo := range append(slices.Clip(o.Pauses), o.Requests) {
		if done > 0 {
			if err := o.Pause(run, done); err != nil {
				if run.Err() != nil {
					return elapsed, true, nil
				}
				return elapsed, false, fmt.Errorf("loadgen: at the pause after %d connections: %w", done, err)
			}
		}
		l.remaining.Store(int64(upTo - done))
		took, s := c.drive(run, o.Progress, o.Requests, &l.counters)
		if elapsed += took; s {
			return elapsed, true, nil
		}
		done = upTo
	}
	return elapsed, false, nil
}

// checkOpenFiles refuses a run that would hold more sockets at once than the process may open: each of
// its connections would fail, one after another, with "too many open files". A run holds a socket per
// request in flight; with Hold, and over UDP, every socket until the end.
func checkOpenFiles(o Options, udp bool) error {
	held := o.Concurrency
	if o.Hold || udp {
		held = o.Requests
	}
	var limit unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &limit); err != nil {
		return nil // the kernel will say
	}
	const spare = 64 // the process's own files, the pollers' epoll and eventfd
	if uint64(held)+spare > limit.Cur {
		return fmt.Errorf("loadgen: the run would hold %d sockets open at once, and this process may open %d files (ulimit -n): lower the concurrency, or raise the limit (ulimit -n %d)",
			held, limit.Cur, held+spare)
	}
	return nil
}

// testHookPollers, when set, says how many pollers a run of that concurrency gets.
var testHookPollers func(concurrency int) int

// startCores is how many cores the process was given to run Go code on, before anyone changed it (see
// Cores).
var startCores = runtime.GOMAXPROCS(0)

// pollersFor is one poller for every two cores the process may use, and no more than there are
// connections at a time: the lab's servers answer on the same cores, and one poller keeps a core busy
// with the kernel's share of its connections. (On two cores, a second poller made 5-10% fewer requests
// a second at 50 and 200 connections.)
func pollersFor(concurrency int) int {
	if testHookPollers != nil {
		return testHookPollers(concurrency)
	}
	return max(1, min(concurrency, startCores/2))
}

// Cores is how many cores a process whose only work is this load had best let Go's runtime run on
// (runtime.GOMAXPROCS): for a closed loop over TCP, one per poller, since a poller never waits in a
// system call and more cores only wake idle threads (on two cores the load generator's process took 10%
// less CPU time per request with one than with two); for the others, every core.
func Cores(o Options) int {
	if o.Rate > 0 || isUDP(o.URL) {
		return startCores
	}
	return pollersFor(max(o.Concurrency, 1))
}

// shares splits n into k nearly equal parts.
func shares(n, k int) []int {
	parts := make([]int, k)
	for i := range parts {
		parts[i] = n / k
		if i < n%k {
			parts[i]++
		}
	}
	return parts
}

// closedLoop is what Run's pollers share.
type closedLoop struct {
	to        netip.AddrPort
	sources   []netip.Addr // bound in turn, one per connection; none: the kernel picks the address
	nextFrom  atomic.Uint64
	ports     *localPorts
	request   []byte
	remaining atomic.Int64
	timeout   time.Duration
	keepAlive bool
	hold      bool
	reset     bool
	counters  counters
	opened    atomic.Int64
	locals    *localRecord // nil unless asked

	heldMu sync.Mutex
	held   []int // with hold: the socket of every answered connection, open until the run ends
}

// claim takes one of the remaining requests. Once none remain, a poller's every wake-up asks again: a
// load, not a write to the counter all pollers share.
func (l *closedLoop) claim() bool { return l.remaining.Load() > 0 && l.remaining.Add(-1) >= 0 }

// source is the address the next connection comes from; the zero Addr when the kernel chooses.
func (l *closedLoop) source() netip.Addr {
	switch len(l.sources) {
	case 0:
		return netip.Addr{}
	case 1:
		return l.sources[0]
	}
	return l.sources[(l.nextFrom.Add(1)-1)%uint64(len(l.sources))]
}

func (l *closedLoop) keep(fd int) {
	l.heldMu.Lock()
	l.held = append(l.held, fd)
	l.heldMu.Unlock()
}

func (l *closedLoop) releaseHeld() {
	l.heldMu.Lock()
	defer l.heldMu.Unlock()
	for _, fd := range l.held {
		nbClose(fd, false) // held connections end as they always did, with a FIN: Reset is for those that end each request
	}
	l.held = nil
}
