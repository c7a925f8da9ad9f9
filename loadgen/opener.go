//go:build linux

package loadgen

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// socketOpener opens one poller's TCP connections to the run's target on non-blocking sockets, from the
// run's local ports in turn. Its addresses are built once and reused: the kernel's sockaddr of each is
// rewritten in place, so each poller has its own.
type socketOpener struct {
	loop   *closedLoop
	to     sockaddr
	from   sockaddr
	scopes map[netip.Addr]uint32 // the sources' interfaces, for IPv6 addresses with a zone
}

func newSocketOpener(loop *closedLoop) *socketOpener {
	o := &socketOpener{loop: loop}
	o.to.set(loop.to.Addr(), loop.to.Port(), scopeOf(loop.to.Addr()))
	o.from.is4 = o.to.is4
	o.scopes = map[netip.Addr]uint32{}
	for _, a := range loop.sources {
		o.scopes[a] = scopeOf(a)
	}
	return o
}

// open starts connecting a new socket: connected says the connection is up already, otherwise the socket
// becomes writable once it is, or reports its error. It skips the ports in use here (bind) or towards the
// target (connect), up to maxPortTries of them in a row: a stretch that another run's connections hold
// in TIME_WAIT, say. A port taken here costs one more bind on the same socket.
func (o *socketOpener) open() (fd int, local netip.AddrPort, connected bool, err error) {
	from := o.loop.source()
	fd = -1
	for range maxPortTries {
		if fd < 0 {
			if fd, err = nbSocket(o.to.family()); err != nil {
				return -1, local, false, fmt.Errorf("dial tcp %s: socket: %w", o.loop.to, err)
			}
		}
		port := o.loop.ports.take()
		if port != 0 || from.IsValid() {
			o.from.set(from, uint16(port), o.scopes[from])
			if err = nbBind(fd, &o.from); errors.Is(err, unix.EADDRINUSE) && o.loop.ports.fixed == nil {
				continue
			} else if err != nil {
				nbClose(fd, false)
				return -1, local, false, fmt.Errorf("dial tcp %s->%s: bind: %w", localName(from, port), o.loop.to, err)
			}
		}
		switch err = nbConnect(fd, &o.to); err {
		case nil:
			return fd, o.local(fd, from, port), true, nil
		case unix.EINPROGRESS:
			return fd, o.local(fd, from, port), false, nil
		case unix.EADDRNOTAVAIL: // the port is taken towards the target: the next, on a new socket
			nbClose(fd, false)
			fd = -1
			if o.loop.ports.fixed != nil {
				return -1, local, false, fmt.Errorf("dial tcp %s->%s: the port given is in use towards the target (a connection of this run in TIME_WAIT?): %w", localName(from, port), o.loop.to, err)
			}
		default:
			local = o.local(fd, from, port)
			nbClose(fd, false)
			return -1, local, false, &connectError{to: o.loop.to, errno: err.(unix.Errno)}
		}
	}
	if fd >= 0 {
		nbClose(fd, false)
	}
	return -1, local, false, fmt.Errorf("dial tcp %s: %d local ports in a row are in use (connections of an earlier run in TIME_WAIT?): %w",
		o.loop.to, maxPortTries, err)
}

// localName is where a connection is bound: the source and port, or the port alone when the kernel
// chooses the address.
func localName(from netip.Addr, port int) string {
	if from.IsValid() {
		return netip.AddrPortFrom(from, uint16(port)).String()
	}
	return "port " + strconv.Itoa(port)
}

// local is the connection's own address, when the run records them: the source and port it was bound
// to, or, where the kernel chose, what the socket says.
func (o *socketOpener) local(fd int, from netip.Addr, port int) netip.AddrPort {
	if o.loop.locals == nil {
		return netip.AddrPort{}
	}
	if from.IsValid() && port != 0 {
		return netip.AddrPortFrom(from, uint16(port))
	}
	switch sa, _ := unix.Getsockname(fd); sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// scopeOf is the index of the interface an IPv6 address's zone names (fe80::1%eth0); 0 for none, or for a
// zone no interface has (connect then refuses the address).
func scopeOf(a netip.Addr) uint32 {
	zone := a.Zone()
	if zone == "" {
		return 0
	}
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	if ifc, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifc.Index)
	}
	return 0
}

// connectError is a connection that could not be made.
type connectError struct {
	to    netip.AddrPort
	errno unix.Errno
}

func (e *connectError) Error() string { return fmt.Sprintf("dial tcp %s: connect: %s", e.to, e.errno) }
func (e *connectError) Unwrap() error { return e.errno }
