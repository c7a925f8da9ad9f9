package realserver

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// startEcho runs the UDP echo server of host on a free port of this namespace, and returns the port and its
// counters.
func startEcho(t *testing.T, host string) (uint16, *counters) {
	t.Helper()
	f, err := ListenUDP(0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		t.Fatal(err)
	}
	conn := pc.(*net.UDPConn)
	t.Cleanup(func() { conn.Close() })
	c := &counters{}
	serveUDP(conn, host, c, func() bool { return true })
	return conn.LocalAddr().(*net.UDPAddr).AddrPort().Port(), c
}

// exchange sends one datagram from a socket connected to to and returns the reply.
func exchange(t *testing.T, to netip.AddrPort) (string, netip.AddrPort) {
	t.Helper()
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no reply from %s: %v", to, err)
	}
	return string(buf[:n]), conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

func TestUDPEchoNamesTheServerAndTheClient(t *testing.T) {
	port, c := startEcho(t, "rs1")
	to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	for range 3 {
		reply, local := exchange(t, to)
		want := fmt.Sprintf("rs1 127.0.0.1:%d\n", local.Port())
		if reply != want {
			t.Errorf("reply %q, want %q", reply, want)
		}
	}
	if got := c.snapshot(); got.Datagrams != 3 || got.Connections != 0 || got.Requests != 0 {
		t.Errorf("counted %+v, want 3 datagrams and nothing else", got)
	}
}

// A datagram to 127.0.0.2 comes from 127.0.0.1 (routing picks the source), so a reply left to routing would
// come from 127.0.0.1 too, and the client's connected socket would drop it: the reply must come from the
// address the datagram was sent to, as a DR real server must answer from the VIP on its lo.
func TestUDPEchoRepliesFromTheAddressItWasSentTo(t *testing.T) {
	port, _ := startEcho(t, "rs1")
	for _, addr := range []string{"127.0.0.2", "127.0.0.77"} {
		reply, _ := exchange(t, netip.AddrPortFrom(netip.MustParseAddr(addr), port))
		if !strings.HasPrefix(reply, "rs1 127.0.0.1:") {
			t.Errorf("%s: reply %q", addr, reply)
		}
	}
}

func TestUDPEchoServesIPv6(t *testing.T) {
	probe, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	probe.Close()
	port, _ := startEcho(t, "rs2")
	reply, local := exchange(t, netip.AddrPortFrom(netip.IPv6Loopback(), port))
	if want := fmt.Sprintf("rs2 [::1]:%d\n", local.Port()); reply != want {
		t.Errorf("reply %q, want %q", reply, want)
	}
}

func TestReplySourceIgnoresOtherControlMessages(t *testing.T) {
	if got := replySource(nil); got != nil {
		t.Errorf("no control message gave %x", got)
	}
	if got := replySource([]byte{1, 2, 3}); got != nil {
		t.Errorf("a truncated control message gave %x", got)
	}
}
