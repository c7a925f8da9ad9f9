package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/wire"
)

// measure runs load (Run or RunRate) and fails the test on an error.
func measure(t *testing.T, load func(context.Context, Options) (*Result, error), o Options) *Result {
	t.Helper()
	res, err := load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantServers(t *testing.T, res *Result, want map[string]ServerCount) {
	t.Helper()
	if len(res.PerServer) != len(want) {
		t.Errorf("PerServer has %d servers, want %d: %v", len(res.PerServer), len(want), res.PerServer)
	}
	for name, w := range want {
		if got := res.PerServer[name]; got == nil || got.Connections != w.Connections || got.Requests != w.Requests || got.Latency <= 0 {
			t.Errorf("PerServer[%q] = %+v, want %+v and a mean answer time", name, got, w)
		}
	}
}

func wantNoFailures(t *testing.T, res *Result) {
	t.Helper()
	if res.Failures.Total() != 0 {
		t.Errorf("failures: %+v", res.Failures)
	}
}

func TestRunOpensAConnectionPerRequest(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	res := measure(t, Run, Options{URL: rs1.url, Requests: 2000, Concurrency: 20})

	wantNoFailures(t, res)
	if res.Requests != 2000 || res.Completed != 2000 || res.Connections != 2000 {
		t.Errorf("requests %d, completed %d, connections %d; want 2000 each", res.Requests, res.Completed, res.Connections)
	}
	if got := rs1.accepted.Load(); got != 2000 {
		t.Errorf("server accepted %d connections, want 2000", got)
	}
	if got := rs1.requests.Load(); got != 2000 {
		t.Errorf("server served %d requests, want 2000", got)
	}
	wantServers(t, res, map[string]ServerCount{"rs1": {Connections: 2000, Requests: 2000}})
	l := res.Latency
	if !(0 < l.Min && l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Mean <= l.Max) {
		t.Errorf("latency out of order: %+v", l)
	}
	if res.RequestsPerSecond <= 0 || res.Duration <= 0 {
		t.Errorf("rate %v over %v", res.RequestsPerSecond, res.Duration)
	}
}

func TestRunAttributesConnectionsToServers(t *testing.T) {
	rs1, rs2 := startServer(t, "rs1", nil), startServer(t, "rs2", nil)
	director := startProxy(t, rs1, rs2)
	res := measure(t, Run, Options{URL: director.url, Requests: 2000, Concurrency: 20})

	wantNoFailures(t, res)
	wantServers(t, res, map[string]ServerCount{
		"rs1": {Connections: 1000, Requests: 1000},
		"rs2": {Connections: 1000, Requests: 1000},
	})
	if director.accepted.Load() != 2000 || rs1.accepted.Load() != 1000 || rs2.accepted.Load() != 1000 {
		t.Errorf("accepted: director %d, rs1 %d, rs2 %d; want 2000, 1000, 1000",
			director.accepted.Load(), rs1.accepted.Load(), rs2.accepted.Load())
	}
}

func TestRunKeepAliveReusesConnections(t *testing.T) {
	rs1, rs2 := startServer(t, "rs1", nil), startServer(t, "rs2", nil)
	director := startProxy(t, rs1, rs2)
	res := measure(t, Run, Options{URL: director.url, Requests: 1000, Concurrency: 10, KeepAlive: true})

	wantNoFailures(t, res)
	if res.Completed != 1000 || res.Connections != 10 || director.accepted.Load() != 10 {
		t.Errorf("completed %d over %d connections (director accepted %d); want 1000 over 10",
			res.Completed, res.Connections, director.accepted.Load())
	}
	for _, rs := range []*realServer{rs1, rs2} {
		got := res.PerServer[rs.name]
		if got == nil || got.Connections != 5 || int64(got.Connections) != rs.accepted.Load() || int64(got.Requests) != rs.requests.Load() {
			t.Errorf("%s: measured %+v, server accepted %d and served %d; want 5 connections",
				rs.name, got, rs.accepted.Load(), rs.requests.Load())
		}
	}
}

func TestRunUsesSourcesInTurn(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	sources := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}
	o := Options{URL: rs1.url, Requests: 300, Concurrency: 6}
	for _, s := range sources {
		o.Sources = append(o.Sources, netip.MustParseAddr(s))
	}
	res := measure(t, Run, o)

	wantNoFailures(t, res)
	for _, s := range sources {
		if got := rs1.connectionsFrom(s); got != 100 {
			t.Errorf("server saw %d connections from %s, want 100", got, s)
		}
	}
}

// A run from a source address never reuses a port, though the server closes every connection first and
// so frees the port on the client at once: were it reused, the director's entry of the earlier connection
// (two minutes in TIME_WAIT) would take the later one where persistence controls it, unscheduled.
func TestRunFromASourceUsesEachPortOnce(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	res := measure(t, Run, Options{URL: rs1.url, Requests: 3000, Concurrency: 4, Sources: []netip.Addr{netip.MustParseAddr("127.0.0.2")}, Sequence: true})
	wantNoFailures(t, res)
	ports := map[uint16]int{}
	for _, l := range res.Locals {
		ports[l.Port()]++
	}
	for p, n := range ports {
		if n > 1 {
			t.Errorf("port %d used by %d of the 3000 connections", p, n)
		}
	}
	if len(res.Locals) != 3000 {
		t.Errorf("%d locals recorded, want 3000", len(res.Locals))
	}
}

func TestRunReadsChunkedBodies(t *testing.T) {
	chunked := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		for i := range 3 {
			fmt.Fprintf(w, "part %d\n", i)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Checksum", "abc")
	}
	for _, keepAlive := range []bool{false, true} {
		t.Run(fmt.Sprintf("keepalive=%t", keepAlive), func(t *testing.T) {
			rs1 := startServer(t, "rs1", chunked)
			res := measure(t, Run, Options{URL: rs1.url, Requests: 200, Concurrency: 4, KeepAlive: keepAlive})

			wantNoFailures(t, res)
			if !keepAlive {
				wantServers(t, res, map[string]ServerCount{"rs1": {Connections: 200, Requests: 200}})
				if got := rs1.accepted.Load(); got != 200 {
					t.Errorf("server accepted %d connections, want 200", got)
				}
				return
			}
			// Each body was read to its end, trailer included, so every worker kept its connection: at most
			// one each (fewer when some workers found no request left to send on a busy machine).
			got := res.PerServer["rs1"]
			if got == nil || got.Requests != 200 || got.Connections < 1 || got.Connections > 4 {
				t.Errorf("PerServer[rs1] = %+v, want 200 requests on 1 to 4 connections", got)
			}
			if n := rs1.accepted.Load(); n < 1 || n > 4 {
				t.Errorf("server accepted %d connections, want 1 to 4", n)
			}
		})
	}
}

func TestRunRetriesAKeepAliveConnectionTheServerDropped(t *testing.T) {
	flaky := startRawServer(t, answerOnceThenDrop)
	res := measure(t, Run, Options{URL: flaky.url, Requests: 100, Concurrency: 2, KeepAlive: true})

	wantNoFailures(t, res)
	if res.Completed != 100 || res.Connections != 100 || flaky.accepted.Load() != 100 {
		t.Errorf("completed %d over %d connections (server accepted %d); want 100 over 100",
			res.Completed, res.Connections, flaky.accepted.Load())
	}
}

func TestRunStopsAtTheTimeLimit(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	began := time.Now()
	res := measure(t, Run, Options{URL: rs1.url, Requests: 1 << 30, Concurrency: 4, TimeLimit: 300 * time.Millisecond})

	if took := time.Since(began); took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %v with a time limit of 300ms", took)
	}
	wantNoFailures(t, res)
	if !res.TimeLimitReached || res.Requests == 0 || res.Requests != res.Completed {
		t.Errorf("time limit reached %t, requests %d, completed %d", res.TimeLimitReached, res.Requests, res.Completed)
	}
	// The server may have served the few requests that the limit cut off.
	if served := rs1.requests.Load(); served < int64(res.Requests) || served > int64(res.Requests+4) {
		t.Errorf("server served %d requests, loadgen counted %d", served, res.Requests)
	}
}

func TestRunTimeLimitInterruptsRequestsInFlight(t *testing.T) {
	silent := startRawServer(t, neverAnswer)
	began := time.Now()
	res := measure(t, Run, Options{URL: silent.url, Requests: 3, Concurrency: 3, TimeLimit: 200 * time.Millisecond})

	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("took %v with a time limit of 200ms and a timeout of 10s", took)
	}
	if !res.TimeLimitReached || res.Requests != 0 || res.Failures.Total() != 0 || silent.accepted.Load() != 3 {
		t.Errorf("time limit reached %t, requests %d, failures %+v, accepted %d; want true, 0, none, 3",
			res.TimeLimitReached, res.Requests, res.Failures, silent.accepted.Load())
	}
}

func TestRunReturnsWhatItMeasuredWhenCancelled(t *testing.T) {
	accepted := make(chan struct{}, 2)
	silent := startRawServer(t, func(c net.Conn) {
		accepted <- struct{}{}
		neverAnswer(c)
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-accepted
		<-accepted
		cancel()
	}()
	res, err := Run(ctx, Options{URL: silent.url, Requests: 2, Concurrency: 2})
	if !errors.Is(err, context.Canceled) || res == nil || res.TimeLimitReached || res.Requests != 0 {
		t.Errorf("Run = %+v, %v; want a result with no requests and context.Canceled", res, err)
	}
}

func TestRunRecordsTheServerOfEachConnectionInOrder(t *testing.T) {
	rs1, rs2, rs3 := startServer(t, "rs1", nil), startServer(t, "rs2", nil), startServer(t, "rs3", nil)
	proxy := startProxy(t, rs1, rs2, rs3)
	res := measure(t, Run, Options{URL: proxy.url, Requests: 7, Sequence: true})
	want := []string{"rs1", "rs2", "rs3", "rs1", "rs2", "rs3", "rs1"}
	if !slices.Equal(res.Sequence, want) {
		t.Errorf("sequence %v, want %v", res.Sequence, want)
	}
	if len(res.Clients) != 7 {
		t.Errorf("clients %v, want one per connection", res.Clients)
	}
	ports := map[uint16]bool{}
	for _, l := range res.Locals {
		if l.Addr() != netip.MustParseAddr("127.0.0.1") || l.Port() == 0 {
			t.Errorf("local %s, want 127.0.0.1 and the port the connection was made from", l)
		}
		ports[l.Port()] = true
	}
	if len(res.Locals) != 7 || len(ports) != 7 {
		t.Errorf("locals %v, want 7 connections from 7 ports", res.Locals)
	}
	if res := measure(t, Run, Options{URL: proxy.url, Requests: 3}); res.Sequence != nil || res.Locals != nil {
		t.Errorf("a sequence %v and locals %v recorded though not asked for", res.Sequence, res.Locals)
	}
}

func TestRunHoldKeepsEveryConnectionOpenUntilTheEnd(t *testing.T) {
	var open, most atomic.Int64
	rs1 := startRawServer(t, func(c net.Conn) {
		defer c.Close()
		n := open.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		defer open.Add(-1)
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 200 OK\r\n" + wire.ServerHeader + ": rs1\r\nContent-Length: 3\r\n\r\nrs1"))
		}
	})
	res := measure(t, Run, Options{URL: rs1.url, Requests: 5, Hold: true, Sequence: true})
	wantNoFailures(t, res)
	if most.Load() != 5 || res.Connections != 5 || len(res.Sequence) != 5 {
		t.Errorf("with Hold, %d connections were open at once (want all 5); %d opened, sequence %v", most.Load(), res.Connections, res.Sequence)
	}
}

func TestRunResetClosesWithARST(t *testing.T) {
	resets := make(chan error, 4)
	rs1 := startRawServer(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		c.Read(buf)
		c.Write([]byte("HTTP/1.1 200 OK\r\n" + wire.ServerHeader + ": rs1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nrs1"))
		c.(*net.TCPConn).CloseWrite()
		_, err := c.Read(buf) // the client's close: EOF for a FIN, ECONNRESET for a reset
		resets <- err
	})
	wantNoFailures(t, measure(t, Run, Options{URL: rs1.url, Requests: 2, Reset: true}))
	for range 2 {
		if err := <-resets; !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("the server saw the client close with %v, want a reset", err)
		}
	}
}

func TestRunRefusesDataAfterTheResponse(t *testing.T) {
	chatty := startRawServer(t, func(c net.Conn) {
		defer c.Close()
		readRequestHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\n" + wire.ServerHeader + ": rs1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nrs1and more"))
	})
	res := measure(t, Run, Options{URL: chatty.url, Requests: 3})
	if res.Failures.BadResponse != 3 || !strings.Contains(res.Failures.Example, "data after the response") {
		t.Errorf("failures %+v; want 3 bad responses for the data after the response", res.Failures)
	}
}

// A run leaves no socket, epoll or eventfd open behind it, however its requests ended.
func TestRunLeavesNoDescriptorOpen(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	silent := startRawServer(t, neverAnswer)
	runs := []Options{
		{URL: rs1.url, Requests: 200, Concurrency: 8},
		{URL: rs1.url, Requests: 200, Concurrency: 8, KeepAlive: true},
		{URL: rs1.url, Requests: 20, Concurrency: 4, Hold: true},
		{URL: silent.url, Requests: 4, Concurrency: 4, Timeout: 50 * time.Millisecond},
		{URL: silent.url, Requests: 4, Concurrency: 4, TimeLimit: 50 * time.Millisecond},
		{URL: closedPortURL(t), Requests: 20, Concurrency: 4},
	}
	before := pollerDescriptors(t)
	for _, o := range runs {
		sockets := openDescriptors(t, "socket:")
		res := measure(t, Run, o)
		if n := clientSockets(t, rs1.url, silent.url); n != 0 {
			t.Errorf("%+v: %d sockets towards the server left open by the run", o, n)
		}
		// A refused connection shows nowhere but in the process's descriptors.
		if res.Failures.Refused > 0 {
			if after := openDescriptors(t, "socket:"); after != sockets {
				t.Errorf("%+v: %d sockets open before, %d after", o, sockets, after)
			}
			if res.Connections != 0 {
				t.Errorf("%d connections counted, though each was refused", res.Connections)
			}
		}
	}
	if after := pollerDescriptors(t); after != before {
		t.Errorf("%d epoll and eventfd descriptors open before the runs, %d after", before, after)
	}
}

// openDescriptors counts this process's descriptors whose link starts with prefix.
func openDescriptors(t *testing.T, prefix string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(target, prefix) {
			n++
		}
	}
	return n
}

// pollerDescriptors counts this process's epoll and eventfd descriptors.
func pollerDescriptors(t *testing.T) int {
	return openDescriptors(t, "anon_inode:[eventpoll]") + openDescriptors(t, "anon_inode:[eventfd]")
}

// clientSockets counts the sockets of this host that are connected to the servers of urls and still
// have an owner (an inode): the client's side of connections not closed.
func clientSockets(t *testing.T, urls ...string) int {
	t.Helper()
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	remotes := map[string]bool{}
	for _, u := range urls {
		ap := netip.MustParseAddrPort(strings.Trim(strings.TrimPrefix(u, "http://"), "/"))
		remotes[fmt.Sprintf("%04X", ap.Port())] = true
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 {
			continue
		}
		_, port, _ := strings.Cut(f[2], ":")
		if remotes[port] && f[9] != "0" {
			n++
		}
	}
	return n
}

// However many pollers share a run, each request is made once and counted once.
func TestRunSharesTheConnectionsAmongPollers(t *testing.T) {
	testHookPollers = func(int) int { return 3 }
	t.Cleanup(func() { testHookPollers = nil })
	rs1, rs2 := startServer(t, "rs1", nil), startServer(t, "rs2", nil)
	director := startProxy(t, rs1, rs2)
	res := measure(t, Run, Options{URL: director.url, Requests: 1000, Concurrency: 7, Sequence: true})
	wantNoFailures(t, res)
	wantServers(t, res, map[string]ServerCount{"rs1": {Connections: 500, Requests: 500}, "rs2": {Connections: 500, Requests: 500}})
	if res.Connections != 1000 || len(res.Sequence) != 1000 || len(res.Locals) != 1000 || director.accepted.Load() != 1000 {
		t.Errorf("%d connections, %d in the sequence, %d locals, %d accepted; want 1000 each",
			res.Connections, len(res.Sequence), len(res.Locals), director.accepted.Load())
	}
}

// A server that half-closes a kept-alive connection after answering, and keeps reading (a lingering
// close), sends no reset when the next request comes: the connection must be given up as soon as its FIN
// arrives, not when the next request times out.
func TestRunKeepAliveGivesUpAConnectionTheServerHalfClosed(t *testing.T) {
	lingering := startRawServer(t, func(c net.Conn) {
		defer c.Close()
		readRequestHead(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\n"+wire.ServerHeader+": rs1\r\nContent-Length: 3\r\n\r\nok\n")
		c.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, c)
	})
	res := measure(t, Run, Options{URL: lingering.url, Requests: 4, KeepAlive: true, Timeout: 2 * time.Second})
	wantNoFailures(t, res)
	if res.Completed != 4 || res.Connections != 4 {
		t.Errorf("completed %d over %d connections; want 4 over 4", res.Completed, res.Connections)
	}
}

// A response that comes after the request's timeout, before the poller wakes for it, counts as timed out:
// the timeout bounds each request, however coarsely the poller keeps its clock.
func TestRunCountsALateResponseAsTimedOut(t *testing.T) {
	step := deadlineStep
	deadlineStep = time.Minute // the poller's own wake-up comes far too late to end the request
	t.Cleanup(func() { deadlineStep = step })
	slow := startServer(t, "rs1", func(w http.ResponseWriter, r *http.Request) {
		select { // a server that takes 200 ms to answer
		case <-time.After(200 * time.Millisecond):
		case <-r.Context().Done():
		}
		fmt.Fprintln(w, "late")
	})
	res := measure(t, Run, Options{URL: slow.url, Requests: 2, Concurrency: 2, Timeout: 50 * time.Millisecond})
	if res.Failures.Timeout != 2 || res.Completed != 0 {
		t.Errorf("%d completed, failures %+v; want both requests timed out", res.Completed, res.Failures)
	}
}

// A run that would hold more sockets than the process may open is refused before it starts, with what
// to do, instead of failing request after request with "too many open files".
func TestRunRefusesMoreConnectionsThanOpenFiles(t *testing.T) {
	var limit unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	rs1 := startServer(t, "rs1", nil)
	c := int(min(limit.Cur, 1<<20))
	res, err := Run(context.Background(), Options{URL: rs1.url, Requests: c, Concurrency: c})
	if err == nil || res != nil || !strings.Contains(err.Error(), "ulimit -n") {
		t.Errorf("Run at concurrency %d (ulimit -n %d) = %v, %v; want it refused, naming ulimit -n", c, limit.Cur, res, err)
	}
	if got := rs1.accepted.Load(); got != 0 {
		t.Errorf("the server accepted %d connections; want none sent", got)
	}
}
