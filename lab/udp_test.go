package lab

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/topology"
)

// udpExchange sends one datagram from inside host to to and returns the reply.
func udpExchange(l *Lab, host string, to netip.AddrPort) (string, error) {
	path, err := l.Namespace(host)
	if err != nil {
		return "", err
	}
	var reply string
	err = inNamespace(path, func() error {
		conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := conn.Write([]byte("who are you?\n")); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := conn.Read(buf)
		reply = string(buf[:n])
		return err
	})
	return reply, err
}

func TestUDPServersAnswerWithTheirNameAndTheClientAddress(t *testing.T) {
	topo, err := topology.Embedded("nat-udp")
	if err != nil {
		t.Fatal(err)
	}
	l := upTopology(t, topo)
	for _, rs := range []struct{ host, addr string }{
		{"rs1", "172.16.0.45:53"}, {"rs2", "172.16.0.55:53"}, {"rs3", "172.16.0.65:53"},
	} {
		reply, err := udpExchange(l, "director", netip.MustParseAddrPort(rs.addr))
		if err != nil {
			t.Fatalf("director → %s: %v", rs.addr, err)
		}
		if !strings.HasPrefix(reply, rs.host+" 172.16.0.10:") || !strings.HasSuffix(reply, "\n") {
			t.Errorf("director → %s: reply %q, want %q", rs.addr, reply, rs.host+" 172.16.0.10:PORT\n")
		}
	}
	if _, err := udpExchange(l, "director", netip.MustParseAddrPort("172.16.0.45:54")); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("director → a closed UDP port of rs1: %v, want connection refused", err)
	}
	stats, err := l.ServerStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"rs1", "rs2", "rs3"} {
		if got := stats[host]; got.Datagrams != 1 || got.Connections != 0 {
			t.Errorf("%s counted %+v, want 1 datagram and no connection", host, got)
		}
	}
}
