package loadgen

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// resetAfterResponseError is a connection the server reset after its whole response and its FIN had
// arrived: the server no longer knew the connection when the client's next segment (an acknowledgement,
// a retransmission) reached it. A Linux server forgets a connection it closed first when its TIME_WAIT
// table is full (nstat: TcpExtTCPTimeWaitOverflow). A read past the FIN returns end of file whatever
// came after it, so only the socket's pending error tells; ab, which polls the socket, counts these
// among its "Exceptions".
type resetAfterResponseError struct{ errno syscall.Errno }

func (e *resetAfterResponseError) Error() string {
	return "the server reset the connection after its whole response (" + e.errno.Error() +
		"): it had already forgotten the connection; on a Linux real server, see whether its TIME_WAIT table overflowed (nstat -az TcpExtTCPTimeWaitOverflow) against net.ipv4.tcp_max_tw_buckets"
}

func (e *resetAfterResponseError) Unwrap() error { return e.errno }

// pendingError is the error the kernel holds for conn and no read has reported, if any: a reset that
// came after the server's FIN, as a resetAfterResponseError.
func pendingError(conn net.Conn) error {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var soErr int
	var getErr error
	if err := rc.Control(func(fd uintptr) {
		soErr, getErr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
	}); err != nil {
		return err
	}
	if getErr != nil || soErr == 0 {
		return getErr
	}
	errno := syscall.Errno(soErr)
	if errors.Is(errno, syscall.ECONNRESET) || errors.Is(errno, syscall.EPIPE) {
		return &resetAfterResponseError{errno}
	}
	return errno
}
