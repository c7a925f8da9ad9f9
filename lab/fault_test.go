package lab

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/realserver"
	"github.com/lvslab/lvslab/topology"
)

// A real server's faults, as a client sees them: stopped, its port refuses; started, it answers again;
// hung, a connection is taken by the kernel but its request waits, and is answered on resume; its link
// down, it is unreachable, and back up, reachable through its routes again.
func TestServerFaultsAsAClientSeesThem(t *testing.T) {
	l := upDefault(t)
	ctx := context.Background()
	const url = "http://172.16.0.45/"
	answers := func(when string) {
		t.Helper()
		if _, body, err := get(l, "director", url); err != nil || body != "RS1.magedu.com\n" {
			t.Fatalf("%s: director → rs1: %q, %v", when, body, err)
		}
	}
	fault := func(action, want string) {
		t.Helper()
		if got, err := l.ServerFault(ctx, "rs1", action); err != nil || got != want {
			t.Fatalf("%s rs1: got %q, %v; want %s", action, got, err, want)
		}
		stats, err := l.ServerStats(ctx)
		if err != nil || stats["rs1"].State != want || stats["rs2"].State != realserver.Serving {
			t.Fatalf("after %s rs1, the counts say rs1 %q, rs2 %q (%v)", action, stats["rs1"].State, stats["rs2"].State, err)
		}
	}
	answers("before any fault")

	fault(realserver.Stop, realserver.Stopped)
	if _, _, err := get(l, "director", url); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("rs1 stopped: got %v, want the connection refused", err)
	}
	fault(realserver.Start, realserver.Serving)
	answers("after start")

	fault(realserver.Hang, realserver.Hung)
	conn := dialFrom(t, l, "director", "172.16.0.45:80") // the kernel completes the handshake
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: rs1\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("rs1 hung: a request got %v, want no answer", err)
	}
	fault(realserver.Resume, realserver.Serving)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("rs1 resumed: the request that waited got %v, %v", resp, err)
	}

	for action, want := range map[string]string{realserver.Resume: "not hung", realserver.Start: "not stopped", "explode": "expected stop"} {
		if _, err := l.ServerFault(ctx, "rs1", action); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s rs1 while serving: got %v, want %q", action, err, want)
		}
	}
	if _, err := l.ServerFault(ctx, "client", realserver.Stop); err == nil || !strings.Contains(err.Error(), "runs no server") {
		t.Errorf("stop client: got %v", err)
	}

	if name, err := l.SetLinkUp("rs1", "", false); err != nil || name != "eth0" {
		t.Fatalf("rs1's link down: %q, %v", name, err)
	}
	if _, _, err := getWithin(l, "director", url, 300*time.Millisecond); err == nil {
		t.Errorf("rs1's link down: director still reaches it")
	}
	if _, err := l.SetLinkUp("rs1", "", true); err != nil {
		t.Fatal(err)
	}
	awaitRS1(t, l, "after its link came back up")
}

// awaitRS1 waits until the director reaches rs1's server again.
func awaitRS1(t *testing.T, l *Lab, when string) {
	t.Helper()
	err := wait.Until(context.Background(), 5*time.Second, func() (bool, string) {
		_, body, err := getWithin(l, "director", "http://172.16.0.45/", 500*time.Millisecond)
		return err == nil && body == "RS1.magedu.com\n", "rs1 unreachable " + when
	})
	if err != nil {
		t.Error(err)
	}
}

// dialFrom opens a TCP connection from host's namespace.
func dialFrom(t *testing.T, l *Lab, host, addr string) net.Conn {
	return connFrom(t, l, host, func() (net.Conn, error) { return net.DialTimeout("tcp", addr, 2*time.Second) })
}

// connFrom opens a connection with dial in host's namespace.
func connFrom(t *testing.T, l *Lab, host string, dial func() (net.Conn, error)) net.Conn {
	t.Helper()
	path, err := l.Namespace(host)
	if err != nil {
		t.Fatal(err)
	}
	var conn net.Conn
	err = inNamespace(path, func() error {
		var err error
		conn, err = dial()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// A UDP echo server's faults: stopped, its port answers with port unreachable; started, it echoes again;
// hung, a datagram waits, and is answered on resume; stopped while hung, what waited is never answered.
func TestUDPServerFaults(t *testing.T) {
	topo, err := topology.Embedded("nat-udp")
	if err != nil {
		t.Fatal(err)
	}
	l := upTopology(t, topo)
	ctx := context.Background()
	rs1 := netip.MustParseAddrPort("172.16.0.45:53")
	if _, err := l.ServerFault(ctx, "rs1", realserver.Stop); err != nil {
		t.Fatal(err)
	}
	if _, err := udpExchange(l, "director", rs1); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("rs1 stopped: %v, want port unreachable (connection refused)", err)
	}
	if _, err := l.ServerFault(ctx, "rs1", realserver.Start); err != nil {
		t.Fatal(err)
	}
	if reply, err := udpExchange(l, "director", rs1); err != nil || !strings.HasPrefix(reply, "rs1 ") {
		t.Fatalf("rs1 started again: %q, %v", reply, err)
	}
	sendHeld := func() net.Conn {
		conn := udpFrom(t, l, "director", rs1)
		if _, err := conn.Write([]byte("hello\n")); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := conn.Read(make([]byte, 512)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("rs1 hung: a datagram got %v, want no answer", err)
		}
		return conn
	}
	if _, err := l.ServerFault(ctx, "rs1", realserver.Hang); err != nil {
		t.Fatal(err)
	}
	conn := sendHeld()
	defer conn.Close()
	if _, err := l.ServerFault(ctx, "rs1", realserver.Resume); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	if n, err := conn.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "rs1 ") {
		t.Fatalf("rs1 resumed: the datagram that waited got %q, %v", buf[:n], err)
	}
	if _, err := l.ServerFault(ctx, "rs1", realserver.Hang); err != nil {
		t.Fatal(err)
	}
	held := sendHeld()
	defer held.Close()
	for _, action := range []string{realserver.Stop, realserver.Start} {
		if _, err := l.ServerFault(ctx, "rs1", action); err != nil {
			t.Fatal(err)
		}
	}
	held.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if n, err := held.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a datagram held by a hang that ended in a stop was answered after all: %q, %v", buf[:n], err)
	}
	if reply, err := udpExchange(l, "director", rs1); err != nil || !strings.HasPrefix(reply, "rs1 ") {
		t.Errorf("rs1 started after a stop while hung: %q, %v", reply, err)
	}
}

// udpFrom opens a UDP socket in host's namespace, connected to to.
func udpFrom(t *testing.T, l *Lab, host string, to netip.AddrPort) net.Conn {
	return connFrom(t, l, host, func() (net.Conn, error) { return net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to)) })
}

// A real server that thinks answers no sooner than its think time, and the others as fast as ever.
func TestThinkingServerAnswersLater(t *testing.T) {
	topo, err := topology.Parse("think.yaml", []byte(`name: think
networks: {lan: {subnet: 10.0.0.0/24}}
hosts:
  client: {interfaces: [{network: lan, address: 10.0.0.100}]}
  slow: {interfaces: [{network: lan, address: 10.0.0.1}], http: {body: SLOW, think: 200ms-250ms}}
  fast: {interfaces: [{network: lan, address: 10.0.0.2}], http: {body: FAST}}
`))
	if err != nil {
		t.Fatal(err)
	}
	l := upTopology(t, topo)
	took := func(url, want string) time.Duration {
		start := time.Now()
		if _, body, err := get(l, "client", url); err != nil || body != want+"\n" {
			t.Fatalf("client → %s: %q, %v", url, body, err)
		}
		return time.Since(start)
	}
	for range 3 {
		slow, fast := took("http://10.0.0.1/", "SLOW"), took("http://10.0.0.2/", "FAST")
		if slow < 200*time.Millisecond || fast >= 200*time.Millisecond {
			t.Errorf("the server that thinks 200-250 ms answered in %v, the other in %v", slow, fast)
		}
	}
}

// A flap takes the link down its times over, each time long enough to be seen, and leaves it up; one
// stopped part-way leaves it up too, and says so.
func TestLinkFlapEndsUp(t *testing.T) {
	l := upDefault(t)
	ctx := context.Background()
	const url = "http://172.16.0.45/"
	var downs []int
	testHookFlapDown = func(i int) {
		if _, _, err := getWithin(l, "director", url, 200*time.Millisecond); err == nil {
			t.Errorf("flap %d: rs1's link is down, and the director still reaches it", i)
		}
		downs = append(downs, i)
	}
	t.Cleanup(func() { testHookFlapDown = nil })
	what, err := l.ApplyFault(ctx, Fault{Host: "rs1", Action: LinkFlap, Period: 300 * time.Millisecond, Times: 2})
	if err != nil || len(downs) != 2 || !strings.Contains(what, "flapped 2 times") {
		t.Fatalf("flap: %q, %v, down %v times; want 2", what, err, downs)
	}
	awaitRS1(t, l, "after the flap")

	stop, cancel := context.WithCancel(ctx)
	testHookFlapDown = func(int) { cancel() }
	_, err = l.ApplyFault(stop, Fault{Host: "rs1", Action: LinkFlap, Period: time.Minute, Times: 3})
	if err == nil || !strings.Contains(err.Error(), "stopped after 0 of 3 times") || !strings.Contains(err.Error(), "the link is up") {
		t.Errorf("a flap stopped part-way: %v", err)
	}
	awaitRS1(t, l, "after a flap stopped part-way")
}
