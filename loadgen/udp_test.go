package loadgen

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunUDPOpensASocketPerRequest(t *testing.T) {
	rs1 := startUDPServer(t, "rs1", nil)
	res := measure(t, Run, Options{URL: rs1.url, Requests: 200, Concurrency: 10})

	wantNoFailures(t, res)
	if res.Requests != 200 || res.Completed != 200 || res.Connections != 200 || res.Datagrams != 1 {
		t.Errorf("requests %d, completed %d, sockets %d, datagrams per socket %d; want 200, 200, 200, 1",
			res.Requests, res.Completed, res.Connections, res.Datagrams)
	}
	if datagrams, sockets := rs1.counts(); datagrams != 200 || sockets != 200 {
		t.Errorf("server saw %d datagrams from %d client ports, want 200 from 200", datagrams, sockets)
	}
	wantServers(t, res, map[string]ServerCount{"rs1": {Connections: 200, Requests: 200}})
	if l := res.Latency; !(0 < l.Min && l.Min <= l.P50 && l.P50 <= l.Max) {
		t.Errorf("latency out of order: %+v", l)
	}
}

func TestRunUDPSendsDatagramsPerSocketAndRecordsEach(t *testing.T) {
	rs1 := startUDPServer(t, "rs1", nil)
	res := measure(t, Run, Options{URL: rs1.url, Requests: 5, Datagrams: 4, Sequence: true})

	wantNoFailures(t, res)
	if res.Requests != 20 || res.Connections != 5 || len(res.Sequence) != 20 || len(res.Clients) != 20 {
		t.Errorf("%d datagrams over %d sockets, sequence of %d, clients %d; want 20 over 5, 20 entries each",
			res.Requests, res.Connections, len(res.Sequence), len(res.Clients))
	}
	rs1.mu.Lock()
	for port, n := range rs1.ports {
		if n != 4 {
			t.Errorf("client port %s sent %d datagrams, want 4", port, n)
		}
	}
	if len(res.Locals) != 5 {
		t.Errorf("locals %v, want the 5 sockets'", res.Locals)
	}
	for _, l := range res.Locals {
		if rs1.ports[l] != 4 {
			t.Errorf("recorded socket %s: the server saw %d datagrams from it, want 4 (it saw %v)", l, rs1.ports[l], rs1.ports)
		}
	}
	rs1.mu.Unlock()
	if res.Clients[0] != "127.0.0.1" {
		t.Errorf("client %q, want the address the server saw, 127.0.0.1", res.Clients[0])
	}
	wantServers(t, res, map[string]ServerCount{"rs1": {Connections: 5, Requests: 20}})
}

// Without one-packet scheduling every datagram of a socket goes where its first went; with it each is
// scheduled on its own. The counts come from the first word of the replies.
func TestRunUDPAttributesEveryDatagram(t *testing.T) {
	for _, c := range []struct {
		onePacket bool
		sequence  []string
		servers   map[string]ServerCount
	}{
		{false, []string{"rs1", "rs1", "rs1", "rs2", "rs2", "rs2"},
			map[string]ServerCount{"rs1": {Connections: 1, Requests: 3}, "rs2": {Connections: 1, Requests: 3}}},
		{true, []string{"rs1", "rs2", "rs1", "rs2", "rs1", "rs2"}, // the second socket's first datagram went to rs2
			map[string]ServerCount{"rs1": {Connections: 1, Requests: 3}, "rs2": {Connections: 1, Requests: 3}}},
	} {
		rs1, rs2 := startUDPServer(t, "rs1", nil), startUDPServer(t, "rs2", nil)
		director := startUDPDirector(t, c.onePacket, rs1, rs2)
		res := measure(t, Run, Options{URL: director.url, Requests: 2, Datagrams: 3, Sequence: true})

		wantNoFailures(t, res)
		if !slices.Equal(res.Sequence, c.sequence) {
			t.Errorf("one-packet %t: sequence %v, want %v", c.onePacket, res.Sequence, c.sequence)
		}
		wantServers(t, res, c.servers)
	}
}

func TestRunUDPUsesSourcesInTurn(t *testing.T) {
	rs1 := startUDPServer(t, "rs1", nil)
	o := Options{URL: rs1.url, Requests: 30, Concurrency: 3}
	sources := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}
	for _, s := range sources {
		o.Sources = append(o.Sources, netip.MustParseAddr(s))
	}
	res := measure(t, Run, o)

	wantNoFailures(t, res)
	for _, s := range sources {
		if got := rs1.udpFrom(s); got != 10 {
			t.Errorf("server saw %d datagrams from %s, want 10", got, s)
		}
	}
}

func TestRunUDPClassifiesFailures(t *testing.T) {
	silent := startUDPServer(t, "silent", func(netip.AddrPort) []byte { return nil })
	garbled := startUDPServer(t, "garbled", func(netip.AddrPort) []byte { return []byte("?\n") })
	closed := closedUDPPort(t)
	for _, c := range []struct {
		name  string
		url   string
		count func(Failures) int
		says  string
	}{
		{"refused", closed, func(f Failures) int { return f.Refused }, "connection refused"},
		{"timeout", silent.url, func(f Failures) int { return f.Timeout }, "no reply within 100ms"},
		{"bad response", garbled.url, func(f Failures) int { return f.BadResponse }, `want "<server> <client-ip>:<port>"`},
	} {
		// A socket sends no more after a failure: three sockets, three failures, not nine.
		res := measure(t, Run, Options{URL: c.url, Requests: 3, Datagrams: 3, Timeout: 100 * time.Millisecond})
		if got := c.count(res.Failures); got != 3 || res.Failures.Total() != 3 || res.Requests != 3 || res.Completed != 0 {
			t.Errorf("%s: failures %+v over %d datagrams; want 3 %s", c.name, res.Failures, res.Requests, c.name)
		}
		if !strings.Contains(res.Failures.Example, c.says) {
			t.Errorf("%s: first failure %q does not say %q", c.name, res.Failures.Example, c.says)
		}
	}
}

// closedUDPPort is a udp:// URL where nothing listens: the kernel answers with ICMP port unreachable.
func closedUDPPort(t testing.TB) string {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := conn.LocalAddr().String()
	conn.Close()
	return "udp://" + addr
}

func TestRunUDPStopsAtTheTimeLimit(t *testing.T) {
	silent := startUDPServer(t, "silent", func(netip.AddrPort) []byte { return nil })
	start := time.Now()
	res := measure(t, Run, Options{URL: silent.url, Requests: 10, TimeLimit: 200 * time.Millisecond})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s, want about the 200ms time limit", took)
	}
	if !res.TimeLimitReached || res.Requests != 0 {
		t.Errorf("time limit reached %t, %d datagrams counted; want true and none (cut off, not failed)", res.TimeLimitReached, res.Requests)
	}
}

func TestRunUDPInterruptedReturnsAnError(t *testing.T) {
	silent := startUDPServer(t, "silent", func(netip.AddrPort) []byte { return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Run(ctx, Options{URL: silent.url, Requests: 5}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("error %v, want one saying the run was interrupted", err)
	}
}

func TestUDPOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		o    Options
		want string // in the error; "" for none
	}{
		{"datagrams with http", Options{URL: "http://127.0.0.1/", Datagrams: 2}, "Datagrams is 2; allowed: 0 for an http:// URL"},
		{"negative datagrams", Options{URL: "udp://127.0.0.1", Datagrams: -1}, "Datagrams is -1; allowed: 0 (the default) or more"},
		{"too many datagrams", Options{URL: "udp://127.0.0.1", Datagrams: 1<<20 + 1}, "Datagrams is 1048577; allowed: at most 1048576 per socket"},
		{"keep-alive", Options{URL: "udp://127.0.0.1", KeepAlive: true}, "KeepAlive, Hold and Reset are for HTTP"},
		{"hold", Options{URL: "udp://127.0.0.1", Hold: true}, "KeepAlive, Hold and Reset are for HTTP"},
		{"path", Options{URL: "udp://127.0.0.1:53/x"}, "udp://host[:port] and nothing more"},
		{"query", Options{URL: "udp://127.0.0.1:53?x=1"}, "udp://host[:port] and nothing more"},
		{"other scheme", Options{URL: "tcp://127.0.0.1:53"}, "or udp://host[:port] for datagrams"},
		{"fine", Options{URL: "UDP://127.0.0.1:53/"}, ""},
	} {
		_, err := c.o.closedLoop()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: error %v, want one with %q", c.name, err, c.want)
		}
	}
	if _, err := RunRate(context.Background(), Options{URL: "udp://127.0.0.1", Rate: 10, Duration: time.Second}); err == nil ||
		!strings.Contains(err.Error(), "udp:// URLs and Datagrams are for Run") {
		t.Errorf("RunRate with a udp:// URL: %v", err)
	}
	o, _ := Options{URL: "udp://127.0.0.1"}.closedLoop()
	if o.Datagrams != 1 {
		t.Errorf("Datagrams defaults to %d, want 1", o.Datagrams)
	}
}

func TestUDPTargetDefaultsToPort53(t *testing.T) {
	to, err := resolveTarget(context.Background(), "udp://127.0.0.1", nil)
	if err != nil || !to.udp || to.addr != netip.MustParseAddrPort("127.0.0.1:53") {
		t.Errorf("target %+v, %v; want udp to 127.0.0.1:53", to, err)
	}
}

func TestParseUDPReply(t *testing.T) {
	intern := func(b []byte) string { return string(b) }
	for _, c := range []struct{ reply, server, client, err string }{
		{"rs1 192.168.0.100:40000\n", "rs1", "192.168.0.100", ""},
		{"rs2 [2001:db8::1]:53", "rs2", "2001:db8::1", ""},
		{"rs3 [::ffff:192.168.0.100]:53\r\n", "rs3", "192.168.0.100", ""},
		{"rs1\n", "", "", `want "<server> <client-ip>:<port>"`},
		{" 192.168.0.100:1\n", "", "", `want "<server> <client-ip>:<port>"`},
		{"rs1 somewhere\n", "", "", "the client address"},
	} {
		server, client, err := parseUDPReply([]byte(c.reply), intern)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || classify(err) != badResponse {
				t.Errorf("%q: error %v, want a bad response saying %q", c.reply, err, c.err)
			}
			continue
		}
		if err != nil || server != c.server || client != c.client {
			t.Errorf("%q: %q %q %v; want %q %q", c.reply, server, client, err, c.server, c.client)
		}
	}
}
