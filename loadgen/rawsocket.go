package loadgen

import (
	"errors"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// socketOpener opens one poller's TCP connections to the run's target on non-blocking sockets, from the
// run's local ports in turn. Its addresses are built once and reused: the kernel's sockaddr of each is
// rewritten in place, so each poller has its own.
type socketOpener struct {
	loop   *closedLoop
	family int
	to     unix.Sockaddr
	from4  unix.SockaddrInet4
	from6  unix.SockaddrInet6
}

func newSocketOpener(loop *closedLoop) *socketOpener {
	o := &socketOpener{loop: loop, family: unix.AF_INET6}
	if loop.to.Addr().Is4() {
		o.family = unix.AF_INET
		o.to = &unix.SockaddrInet4{Addr: loop.to.Addr().As4(), Port: int(loop.to.Port())}
	} else {
		o.to = &unix.SockaddrInet6{Addr: loop.to.Addr().As16(), Port: int(loop.to.Port())}
	}
	return o
}

// open starts connecting a new socket: connected says the connection is up already, otherwise the socket
// becomes writable once it is, or reports its error. It skips a port in use, here or towards the target.
func (o *socketOpener) open() (fd int, local netip.AddrPort, connected bool, err error) {
	from := o.loop.source()
	for range maxPortTries {
		port := o.loop.ports.take()
		fd, connected, err = o.openFrom(from, port)
		if err == nil {
			o.loop.opened.Add(1)
			return fd, o.local(fd, from, port), connected, nil
		}
		if !errors.Is(err, unix.EADDRINUSE) && !(errors.Is(err, unix.EADDRNOTAVAIL) && isConnectError(err)) {
			return -1, local, false, err
		}
	}
	return -1, local, false, err
}

func (o *socketOpener) openFrom(from netip.Addr, port int) (fd int, connected bool, err error) {
	fd, err = unix.Socket(o.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, false, fmt.Errorf("dial tcp %s: socket: %w", o.loop.to, err)
	}
	if port != 0 || from.IsValid() {
		if err := unix.Bind(fd, o.bindAddress(from, port)); err != nil {
			unix.Close(fd)
			return -1, false, fmt.Errorf("dial tcp %s->%s: bind: %w", netip.AddrPortFrom(from, uint16(port)), o.loop.to, err)
		}
	}
	switch err := unix.Connect(fd, o.to); err {
	case nil:
		return fd, true, nil
	case unix.EINPROGRESS:
		return fd, false, nil
	default:
		unix.Close(fd)
		return -1, false, &connectError{to: o.loop.to, errno: err.(unix.Errno)}
	}
}

func (o *socketOpener) bindAddress(from netip.Addr, port int) unix.Sockaddr {
	if o.family == unix.AF_INET {
		o.from4.Port = port
		o.from4.Addr = [4]byte{}
		if from.IsValid() {
			o.from4.Addr = from.As4()
		}
		return &o.from4
	}
	o.from6.Port = port
	o.from6.Addr = [16]byte{}
	if from.IsValid() {
		o.from6.Addr = from.As16()
	}
	return &o.from6
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

// connectError is a connection that could not be made.
type connectError struct {
	to    netip.AddrPort
	errno unix.Errno
}

func (e *connectError) Error() string { return fmt.Sprintf("dial tcp %s: connect: %s", e.to, e.errno) }
func (e *connectError) Unwrap() error { return e.errno }

func isConnectError(err error) bool {
	var c *connectError
	return errors.As(err, &c)
}

// socketError is the error a socket holds, if any: how a connection in progress failed.
func socketError(fd int) error {
	n, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return unix.Errno(n)
}

// send writes what it can of p without waiting, and without the SIGPIPE a write to a reset connection
// would raise.
func send(fd int, p []byte) (int, error) {
	for {
		n, _, errno := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
		if errno != unix.EINTR {
			if errno != 0 {
				return 0, errno
			}
			return int(n), nil
		}
	}
}

// receive reads what has arrived, without waiting: 0 and no error at the end of the stream.
func receive(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err != unix.EINTR {
			return n, err
		}
	}
}

var lingerNone = unix.Linger{Onoff: 1, Linger: 0}

// closeSocket closes fd, with a reset instead of a FIN when asked (SO_LINGER 0).
func closeSocket(fd int, reset bool) {
	if reset {
		unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &lingerNone)
	}
	unix.Close(fd)
}
