//go:build linux

package loadgen

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The closed loop's system calls. Every one of them is on a non-blocking descriptor and returns at once,
// so they are raw: the runtime is not told of a system call that cannot block, and so never hands the
// poller's core to another thread in the middle of one. (epoll_wait here never waits: see epollInstance.)

// sockaddr is an IPv4 or IPv6 address and port in the kernel's own form, built once and rewritten in
// place.
type sockaddr struct {
	is4 bool
	v4  unix.RawSockaddrInet4
	v6  unix.RawSockaddrInet6
}

// set makes it a and port; scope is the index of the interface of an IPv6 address with a zone.
func (s *sockaddr) set(a netip.Addr, port uint16, scope uint32) {
	s.is4 = a.Is4() || !a.IsValid() && s.is4
	if s.is4 {
		s.v4 = unix.RawSockaddrInet4{Family: unix.AF_INET}
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&s.v4.Port))[:], port)
		if a.IsValid() {
			s.v4.Addr = a.As4()
		}
		return
	}
	s.v6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Scope_id: scope}
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&s.v6.Port))[:], port)
	if a.IsValid() {
		s.v6.Addr = a.As16()
	}
}

func (s *sockaddr) family() int {
	if s.is4 {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

func (s *sockaddr) raw() (unsafe.Pointer, uintptr) {
	if s.is4 {
		return unsafe.Pointer(&s.v4), unsafe.Sizeof(s.v4)
	}
	return unsafe.Pointer(&s.v6), unsafe.Sizeof(s.v6)
}

func errnoOf(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func nbSocket(family int) (int, error) {
	fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, uintptr(family), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	return int(fd), errnoOf(e)
}

func nbBind(fd int, sa *sockaddr) error {
	p, n := sa.raw()
	_, _, e := unix.RawSyscall(unix.SYS_BIND, uintptr(fd), uintptr(p), n)
	return errnoOf(e)
}

func nbConnect(fd int, sa *sockaddr) error {
	p, n := sa.raw()
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(p), n)
	return errnoOf(e)
}

// nbSend writes what it can of p, without the SIGPIPE a write to a reset connection would raise.
func nbSend(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)),
		unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT, 0, 0)
	return int(n), errnoOf(e)
}

// nbRead reads what has arrived: 0 and no error at the end of the stream.
func nbRead(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errnoOf(e)
}

// nbSocketError is the error a socket holds, if any: how a connection in progress failed, or a reset
// no read has reported.
func nbSocketError(fd int) error {
	var soErr int32
	size := uint32(unsafe.Sizeof(soErr))
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_ERROR,
		uintptr(unsafe.Pointer(&soErr)), uintptr(unsafe.Pointer(&size)), 0)
	if e != 0 {
		return e
	}
	return errnoOf(unix.Errno(soErr))
}

var lingerNone = unix.Linger{Onoff: 1, Linger: 0}

// nbClose closes a socket, with a reset instead of a FIN when asked (SO_LINGER 0, with which close does not
// wait either).
func nbClose(fd int, reset bool) {
	if reset {
		unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_LINGER,
			uintptr(unsafe.Pointer(&lingerNone)), unsafe.Sizeof(lingerNone), 0)
	}
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func nbEpollCtl(epfd, op, fd int, ev *unix.EpollEvent) error {
	_, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), uintptr(op), uintptr(fd), uintptr(unsafe.Pointer(ev)), 0, 0)
	return errnoOf(e)
}

// nbEpollReady fills events with those ready now, without waiting.
func nbEpollReady(epfd int, events []unix.EpollEvent) (int, error) {
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(unsafe.SliceData(events))), uintptr(len(events)), 0, 0, 0)
		if e != unix.EINTR {
			return int(n), errnoOf(e)
		}
	}
}

// pendingError is the error the kernel holds for the socket and no read has reported, if any: a reset that
// came after the server's FIN, as a resetAfterResponseError.
func pendingError(fd int) error {
	err := nbSocketError(fd)
	var errno syscall.Errno
	if errors.As(err, &errno) && (errno == syscall.ECONNRESET || errno == syscall.EPIPE) {
		return &resetAfterResponseError{errno}
	}
	return err
}
