package loadgen

import (
	"cmp"
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// connector opens TCP connections to the target, from each source address in turn,
// and counts the connections it opened.
type connector struct {
	address string
	dialers []net.Dialer // one per source; a single one without LocalAddr when there are none
	next    atomic.Uint64
	opened  atomic.Int64
	locals  *localRecord // nil unless asked
}

func newConnector(to netip.AddrPort, sources []netip.Addr) *connector {
	// No TCP keep-alive probes: they cost setsockopt calls per connection and the
	// connections live for milliseconds.
	base := net.Dialer{KeepAlive: -1}
	c := &connector{address: to.String(), dialers: []net.Dialer{base}}
	if len(sources) > 0 {
		c.dialers = make([]net.Dialer, len(sources))
		for i, s := range sources {
			c.dialers[i] = base
			c.dialers[i].LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(s, 0))
			c.dialers[i].Control = portAtConnect
		}
	}
	return c
}

// portAtConnect leaves a bound source's port to connect (IP_BIND_ADDRESS_NO_PORT), as for an unbound
// socket. bind would pick a random free port, and a port whose last connection the server closed is free
// at once on the client: two connections of a run could share one, and the second find the director's
// entry of the first (in TIME_WAIT for two minutes) and follow it, unscheduled, where persistence
// controls it. connect walks the ports in turn instead.
func portAtConnect(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	return cmp.Or(err, serr)
}

// dial connects unless ctx ends first. It sets no deadline of its own: a deadline
// costs a timer and a context per connection, and callers bound their requests anyway.
func (c *connector) dial(ctx context.Context) (net.Conn, error) {
	d := c.dialers[0]
	if len(c.dialers) > 1 {
		d = c.dialers[(c.next.Add(1)-1)%uint64(len(c.dialers))]
	}
	conn, err := d.DialContext(ctx, "tcp", c.address)
	if err == nil {
		c.opened.Add(1)
		c.locals.add(conn.LocalAddr())
	}
	return conn, err
}

// localRecord keeps the local address and port of every connection opened, in the order opened.
type localRecord struct {
	mu     sync.Mutex
	locals []netip.AddrPort
}

func (r *localRecord) add(a net.Addr) {
	if r == nil {
		return
	}
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	r.mu.Lock()
	r.locals = append(r.locals, ap)
	r.mu.Unlock()
}

func (r *localRecord) list() []netip.AddrPort {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.locals
}
