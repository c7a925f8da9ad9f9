//go:build linux

package realserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/wire"
)

// A real server's UDP echo server answers every datagram with the line wire.AppendUDPReply writes: the
// server's name and the client address it saw. The reply leaves from the address the datagram was sent
// to. Under NAT that is the real server's own address (IPVS rewrote the destination, and rewrites the
// reply's source back to the VIP); under direct routing and tunnelling it is the VIP, which sits on lo or
// tunl0, where routing alone would pick the real server's own address and the client would drop the
// reply. So the socket reports each datagram's destination (IP_PKTINFO, or IPV6_PKTINFO on a dual-stack
// socket, which reports IPv4 destinations as v4-mapped addresses) and each reply names it as its source.

// pktinfoSpace is room for the one control message either family's socket receives.
var pktinfoSpace = max(unix.CmsgSpace(unix.SizeofInet4Pktinfo), unix.CmsgSpace(unix.SizeofInet6Pktinfo))

// ListenUDP opens a host's UDP echo server socket on all its addresses, in the calling thread's
// namespace, with the datagrams' destinations reported. The server process inherits the returned file.
func ListenUDP(port uint16) (*os.File, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{Port: int(port)})
	if err != nil {
		return nil, fmt.Errorf("UDP server: binding port %d: %w", port, err)
	}
	defer conn.Close()
	if err := reportDestinations(conn); err != nil {
		return nil, fmt.Errorf("UDP server on port %d: %w", port, err)
	}
	return conn.File()
}

// reportDestinations asks the kernel for each datagram's destination address, by the socket's family.
func reportDestinations(conn *net.UDPConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	err = raw.Control(func(fd uintptr) {
		family, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN)
		switch {
		case err != nil:
			opErr = fmt.Errorf("reading the socket's family: %w", err)
		case family == unix.AF_INET6:
			opErr = os.NewSyscallError("setsockopt IPV6_RECVPKTINFO", unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1))
		default:
			opErr = os.NewSyscallError("setsockopt IP_PKTINFO", unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1))
		}
	})
	return errors.Join(err, opErr)
}

// serveUDP answers conn's datagrams until conn is closed, counting them in c; gate holds each datagram
// while the server is hung and says false once it is stopped. A few readers share the socket, so one slow
// reply does not hold up the others.
func serveUDP(conn *net.UDPConn, host string, c *counters, gate func() bool) {
	for range max(1, min(4, runtime.NumCPU())) {
		go echoUDP(conn, host, c, gate)
	}
}

func echoUDP(conn *net.UDPConn, host string, c *counters, gate func() bool) {
	buf := make([]byte, 64<<10)
	oob := make([]byte, pktinfoSpace)
	var reply []byte
	for {
		_, oobn, _, from, err := conn.ReadMsgUDPAddrPort(buf, oob)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // an ICMP error queued on the socket, say: it concerns one datagram, not the server
		}
		if !gate() {
			return
		}
		c.datagrams.Add(1)
		reply = wire.AppendUDPReply(reply[:0], host, from)
		source := replySource(oob[:oobn])
		if _, _, err := conn.WriteMsgUDPAddrPort(reply, source, from); err != nil && source != nil {
			// The destination cannot be a source (a broadcast address, say): let routing choose one.
			conn.WriteMsgUDPAddrPort(reply, nil, from)
		}
	}
}

// replySource turns a received datagram's destination (its IP_PKTINFO or IPV6_PKTINFO control message)
// into the control message that sends a reply from that address; nil when there is none.
func replySource(oob []byte) []byte {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo:
			var info unix.Inet4Pktinfo
			copy(info.Spec_dst[:], m.Data[8:12]) // ipi_addr, the header's destination
			return unix.PktInfo4(&info)
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			var info unix.Inet6Pktinfo
			copy(info.Addr[:], m.Data[:16])
			return unix.PktInfo6(&info)
		}
	}
	return nil
}
