package loadgen

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// udpServer is a UDP echo server on 127.0.0.1 that answers as the lab's do, "<name> <client>\n" (or with
// reply, when set), and counts on its side the datagrams and the client ports they came from.
type udpServer struct {
	name  string
	addr  netip.AddrPort
	url   string
	reply func(from netip.AddrPort) []byte // nil: the lab's answer; returning nil: no answer

	mu        sync.Mutex
	datagrams int
	ports     map[netip.AddrPort]int // datagrams by client address and port
}

func startUDPServer(t testing.TB, name string, reply func(netip.AddrPort) []byte) *udpServer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &udpServer{name: name, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(), reply: reply, ports: map[netip.AddrPort]int{}}
	s.url = "udp://" + s.addr.String()
	go func() {
		buf := make([]byte, 2048)
		for {
			_, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.datagrams++
			s.ports[from]++
			s.mu.Unlock()
			out := fmt.Appendf(nil, "%s %s\n", name, from)
			if reply != nil {
				out = reply(from)
			}
			if out != nil {
				conn.WriteToUDPAddrPort(out, from)
			}
		}
	}()
	return s
}

func (s *udpServer) counts() (datagrams, sockets int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.datagrams, len(s.ports)
}

// udpFrom counts the datagrams the server saw from ip.
func (s *udpServer) udpFrom(ip string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for from, c := range s.ports {
		if from.Addr().String() == ip {
			n += c
		}
	}
	return n
}

// udpDirector stands in for IPVS with UDP: it forwards each client's datagrams to a real server chosen in
// turn and relays the replies. A flow (client address and port) sticks to its first server; with onePacket
// every datagram is scheduled on its own, as ipvsadm -o does.
type udpDirector struct {
	url string
}

func startUDPDirector(t testing.TB, onePacket bool, servers ...*udpServer) *udpDirector {
	t.Helper()
	front, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { front.Close() })
	var mu sync.Mutex
	flows := map[netip.AddrPort]*udpServer{}
	next := 0
	pick := func(client netip.AddrPort) *udpServer {
		mu.Lock()
		defer mu.Unlock()
		if s := flows[client]; s != nil && !onePacket {
			return s
		}
		s := servers[next%len(servers)]
		next++
		flows[client] = s
		return s
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			n, client, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			rs := pick(client)
			back, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(rs.addr))
			if err != nil {
				continue
			}
			back.Write(buf[:n])
			reply := make([]byte, 2048)
			if m, err := back.Read(reply); err == nil {
				front.WriteToUDPAddrPort(reply[:m], client)
			}
			back.Close()
		}
	}()
	return &udpDirector{url: "udp://" + front.LocalAddr().String()}
}
