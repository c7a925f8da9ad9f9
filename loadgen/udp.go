package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// runUDP is Run for a udp:// URL: o.Requests sockets, o.Concurrency at a time, each new (a source port of
// its own, so IPVS schedules it as a new connection), each sending o.Datagrams datagrams one after another
// and awaiting every reply for at most o.Timeout. Every socket stays open until the run ends, so that no
// two sockets of a run share a source port: a socket reusing a port would find the IPVS entry of the
// earlier one (UDP entries outlive their sockets by minutes) instead of being scheduled. A run therefore
// has at most one socket per port of the local port range (about 64,000) for each source address.
func runUDP(ctx context.Context, o Options, to target) (*Result, error) {
	runCtx, cancel := runContext(ctx, o.TimeLimit)
	defer cancel()

	loop := &udpLoop{run: runCtx, to: net.UDPAddrFromAddrPort(to.addr), datagrams: o.Datagrams, timeout: o.Timeout, ports: fixedPorts(o.LocalPorts)}
	for _, s := range o.Sources {
		loop.sources = append(loop.sources, net.UDPAddrFromAddrPort(netip.AddrPortFrom(s, 0)))
	}
	if o.Sequence {
		loop.locals = &localRecord{}
	}
	defer loop.closeAll()
	loop.remaining.Store(int64(o.Requests))
	var c crew
	for range o.Concurrency {
		w := &udpWorker{loop: loop, dog: newWatchdog(runCtx), buf: make([]byte, 2048), names: map[string]string{},
			tally: newTally().recording(o.Sequence).recordingEveryRequest()}
		c.add(w.dog.stop, w.run, w.tally)
	}
	elapsed, stopped := c.drive(runCtx, o.Progress, o.Requests*o.Datagrams, &loop.counters)
	total := newTally().recording(o.Sequence).recordingEveryRequest().merged(c.tallies)
	res := total.result(loop.opened.Load(), elapsed)
	res.URL, res.Concurrency, res.Datagrams = o.URL, o.Concurrency, o.Datagrams
	res.Locals = loop.locals.list()
	return res, endOfRun(ctx, stopped, res)
}

// udpPayload is what every datagram carries; the echo server ignores it.
var udpPayload = []byte("lvslab-loadgen\n")

// udpLoop is what runUDP's workers share.
type udpLoop struct {
	run       context.Context
	to        *net.UDPAddr
	sources   []*net.UDPAddr // bound in turn; none: the kernel picks
	ports     *localPorts    // Options.LocalPorts, bound in turn; none: the kernel picks
	datagrams int
	timeout   time.Duration
	remaining atomic.Int64
	next      atomic.Uint64
	opened    atomic.Int64
	locals    *localRecord // nil unless asked
	counters  counters

	mu    sync.Mutex
	socks []*net.UDPConn // every socket opened, kept open until the run ends
}

// claim takes one of the remaining sockets.
func (l *udpLoop) claim() bool { return l.remaining.Add(-1) >= 0 }

// open makes a new socket connected to the target, from the next source address if there are any.
// Connected, it receives only the target's replies, and an ICMP port unreachable as ECONNREFUSED.
func (l *udpLoop) open() (*net.UDPConn, error) {
	var local *net.UDPAddr
	if len(l.sources) > 0 {
		local = l.sources[(l.next.Add(1)-1)%uint64(len(l.sources))]
	}
	if len(l.ports.fixed) > 0 {
		port := l.ports.take()
		if local == nil {
			local = &net.UDPAddr{Port: port}
		} else {
			local = &net.UDPAddr{IP: local.IP, Port: port, Zone: local.Zone}
		}
	}
	conn, err := net.DialUDP("udp", local, l.to)
	if err != nil {
		return nil, err
	}
	l.opened.Add(1)
	l.locals.add(conn.LocalAddr())
	l.mu.Lock()
	l.socks = append(l.socks, conn)
	l.mu.Unlock()
	return conn, nil
}

func (l *udpLoop) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.socks {
		c.Close()
	}
	l.socks = nil
}

// udpWorker sends on one socket after another.
type udpWorker struct {
	loop  *udpLoop
	dog   *watchdog
	buf   []byte
	names map[string]string // server names interned
	tally *tally
}

func (w *udpWorker) run() {
	defer w.dog.close()
	for w.loop.claim() {
		if !w.socket() {
			return
		}
	}
}

// socket opens a socket and sends its datagrams; false: the run is over. After a failed datagram the
// socket sends no more: a late reply to it could be taken for the next one's.
func (w *udpWorker) socket() bool {
	conn, err := w.loop.open()
	if err != nil {
		if w.loop.run.Err() != nil {
			return false
		}
		w.record(outcome{failure: classify(err), err: err, freshConn: true})
		return true
	}
	if !w.dog.watch(conn) {
		return false
	}
	defer w.dog.watch(nil)
	for i := range w.loop.datagrams {
		o, counted, usable := w.exchange(conn, i == 0)
		if !counted {
			return false
		}
		w.record(o)
		if !usable {
			break
		}
	}
	return true
}

func (w *udpWorker) record(o outcome) {
	w.tally.add(o)
	w.loop.counters.record(o)
}

// exchange sends one datagram and reads its reply. Not counted: the end of the run cut it off. Not usable:
// the socket must send no more (it failed, or its deadline was spent).
func (w *udpWorker) exchange(conn *net.UDPConn, first bool) (o outcome, counted, usable bool) {
	start := time.Now()
	if !w.dog.start(w.loop.timeout) {
		return outcome{}, false, false
	}
	server, client, err := w.roundTrip(conn)
	timedOut := w.dog.finish()
	if timedOut && err != nil {
		err = fmt.Errorf("no reply within %s: %w", w.loop.timeout, os.ErrDeadlineExceeded)
	}
	if err != nil {
		if w.loop.run.Err() != nil {
			return outcome{}, false, false
		}
		local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
		return outcome{failure: classify(err), err: err, latency: time.Since(start), freshConn: first, local: local}, true, false
	}
	o = outcome{answered: true, server: server, client: client, freshConn: first, latency: time.Since(start)}
	return o, true, !timedOut
}

func (w *udpWorker) roundTrip(conn *net.UDPConn) (server, client string, err error) {
	if _, err := conn.Write(udpPayload); err != nil {
		return "", "", err
	}
	n, err := conn.Read(w.buf)
	if err != nil {
		return "", "", err
	}
	if n == len(w.buf) {
		return "", "", badResponsef("a reply of %d bytes or more; the echo server sends one short line", n)
	}
	return parseUDPReply(w.buf[:n], w.intern)
}

func (w *udpWorker) intern(b []byte) string {
	if s, ok := w.names[string(b)]; ok {
		return s
	}
	s := string(b)
	w.names[s] = s
	return s
}
