package loadgen

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// connector opens TCP connections to the target, from each source address in turn,
// and counts the connections it opened.
type connector struct {
	address string
	ports   *localPorts  // nil: connect chooses
	dialers []net.Dialer // one per source; a single one without LocalAddr when there are none
	next    atomic.Uint64
	opened  atomic.Int64
}

func newConnector(to netip.AddrPort, sources []netip.Addr) (*connector, error) {
	ports, err := newLocalPorts()
	if err != nil {
		return nil, err
	}
	// No TCP keep-alive probes: they cost setsockopt calls per connection and the
	// connections live for milliseconds.
	base := net.Dialer{KeepAlive: -1}
	c := &connector{address: to.String(), dialers: []net.Dialer{base}, ports: ports}
	if len(sources) > 0 {
		c.dialers = make([]net.Dialer, len(sources))
		for i, s := range sources {
			c.dialers[i] = base
			c.dialers[i].LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(s, 0))
		}
	}
	return c, nil
}

// dial connects unless ctx ends first. It sets no deadline of its own: a deadline
// costs a timer and a context per connection, and callers bound their requests anyway.
func (c *connector) dial(ctx context.Context) (net.Conn, error) {
	d := c.dialers[0]
	if len(c.dialers) > 1 {
		d = c.dialers[(c.next.Add(1)-1)%uint64(len(c.dialers))]
	}
	conn, err := c.dialFrom(ctx, d)
	if err == nil {
		c.opened.Add(1)
	}
	return conn, err
}

// dialFrom connects from d's address (any, when it has none) and the run's next local port, skipping
// ports in use.
func (c *connector) dialFrom(ctx context.Context, d net.Dialer) (net.Conn, error) {
	var ip net.IP
	if a, ok := d.LocalAddr.(*net.TCPAddr); ok {
		ip = a.IP
	}
	var err error
	for range maxPortTries {
		d.LocalAddr = &net.TCPAddr{IP: ip, Port: c.ports.take()}
		var conn net.Conn
		if conn, err = d.DialContext(ctx, "tcp", c.address); err == nil || !portTaken(err) {
			return conn, err
		}
	}
	return nil, err
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
	r.addAddrPort(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
}

func (r *localRecord) addAddrPort(ap netip.AddrPort) {
	if r == nil {
		return
	}
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
