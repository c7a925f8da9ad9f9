package loadgen

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
)

// connector opens TCP connections to the target, from each source address in turn,
// and counts the connections it opened.
type connector struct {
	address string
	dialers []net.Dialer // one per source; a single one without LocalAddr when there are none
	next    atomic.Uint64
	opened  atomic.Int64
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
		}
	}
	return c
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
	}
	return conn, err
}
