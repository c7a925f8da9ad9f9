//go:build linux

package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lvslab/lvslab/wire"
)

// At each pause, the connections ended are exactly those the servers saw: none is in flight, whatever the
// concurrency, so what the caller does there falls between two known connections.
func TestRunPausesBetweenKnownConnections(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	var at, seen []int
	o := Options{URL: rs1.url, Requests: 10, Concurrency: 3, Pauses: []int{4, 7}, Pause: func(_ context.Context, ended int) error {
		at, seen = append(at, ended), append(seen, int(rs1.accepted.Load()))
		return nil
	}}
	res := measure(t, Run, o)
	wantNoFailures(t, res)
	if !slices.Equal(at, []int{4, 7}) || !slices.Equal(seen, []int{4, 7}) {
		t.Errorf("paused after %v connections, with the server having seen %v; want both 4 then 7", at, seen)
	}
	if res.Requests != 10 || rs1.accepted.Load() != 10 {
		t.Errorf("%d requests, %d connections seen; want all 10 after the pauses", res.Requests, rs1.accepted.Load())
	}
}

// A server that dies at a pause: the connections after it fail, each recorded in its place among the
// connections, with where it came from and why.
func TestRunRecordsFailedConnectionsInTheirPlace(t *testing.T) {
	ln := listen(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(wire.ServerHeader, "rs1")
		w.Write([]byte("rs1"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	url := "http://" + ln.Addr().String() + "/"
	o := Options{URL: url, Requests: 4, Sequence: true, Pauses: []int{2}, Pause: func(context.Context, int) error {
		return srv.Close() // the listener goes: the next connections are refused
	}}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Sequence, []string{"rs1", "rs1"}) || res.Failures.Refused != 2 {
		t.Fatalf("sequence %v, %d refused; want rs1 twice, then 2 refused", res.Sequence, res.Failures.Refused)
	}
	if len(res.Failed) != 2 {
		t.Fatalf("failed %v, want the 2 refused connections", res.Failed)
	}
	for i, f := range res.Failed {
		if f.Index != 2+i || f.Failure != "refused" || !f.Local.IsValid() || f.Local.Port() == 0 {
			t.Errorf("failed[%d] = %+v, want index %d, refused, from 127.0.0.1 and a port", i, f, 2+i)
		}
	}
	if res.Failed[0].Local == res.Failed[1].Local {
		t.Errorf("both failed connections came from %s; each has a port of its own", res.Failed[0].Local)
	}
}

func TestRunEndsWhenAPauseFails(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	broken := errors.New("the fault could not be applied")
	res, err := Run(context.Background(), Options{URL: rs1.url, Requests: 6, Pauses: []int{3}, Pause: func(context.Context, int) error { return broken }})
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), "after 3 connections") {
		t.Fatalf("error %v, want the pause's, saying where the run stopped", err)
	}
	if res == nil || res.Requests != 3 || rs1.accepted.Load() != 3 {
		t.Errorf("result %+v, %d connections seen; want the 3 made before the pause, and no more", res, rs1.accepted.Load())
	}
}

func TestPausesAreChecked(t *testing.T) {
	pause := func(context.Context, int) error { return nil }
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{URL: "http://127.0.0.1/", Requests: 10, Pauses: []int{5, 5}, Pause: pause}, "ascending"},
		{Options{URL: "http://127.0.0.1/", Requests: 10, Pauses: []int{10}, Pause: pause}, "less than Requests (10)"},
		{Options{URL: "http://127.0.0.1/", Requests: 10, Pauses: []int{0}, Pause: pause}, "more than 0"},
		{Options{URL: "http://127.0.0.1/", Requests: 10, Pauses: []int{3}}, "no Pause function"},
		{Options{URL: "udp://127.0.0.1:53", Requests: 10, Pauses: []int{3}, Pause: pause}, "udp"},
		{Options{URL: "http://127.0.0.1/", Rate: 10, Duration: 1, Pauses: []int{3}, Pause: pause}, "for Run (the closed loop)"},
	} {
		var err error
		if c.o.Rate > 0 {
			_, err = c.o.openLoop()
		} else {
			_, err = c.o.closedLoop()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.o.Pauses, err, c.want)
		}
	}
}

// Each server's mean answer time is measured apart: what a model of a dynamic scheduler needs to know how
// long a server holds a connection.
func TestRunMeasuresEachServersAnswerTime(t *testing.T) {
	fast := startServer(t, "fast", nil)
	slow := startServer(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond) // the server's think time, as a lab's real server takes it
		w.Write([]byte("slow"))
	})
	res := measure(t, Run, Options{URL: startProxy(t, fast, slow).url, Requests: 6, Concurrency: 2})
	wantNoFailures(t, res)
	f, s := res.PerServer["fast"], res.PerServer["slow"]
	if f == nil || s == nil || s.Latency < 40*time.Millisecond || f.Latency >= 40*time.Millisecond {
		t.Errorf("per server %+v %+v: want slow's mean answer time 40 ms or more, fast's less", f, s)
	}
}

// A request that fails on a kept connection is recorded as such, where it failed, with the connection's
// port: a server deleted from the director's table leaves its kept connections hanging.
func TestRunRecordsARequestFailedOnAKeptConnection(t *testing.T) {
	rs1 := startRawServer(t, func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 4096)
		if _, err := c.Read(buf); err != nil {
			return
		}
		c.Write([]byte("HTTP/1.1 200 OK\r\n" + wire.ServerHeader + ": rs1\r\nContent-Length: 3\r\n\r\nrs1"))
		c.Read(buf) // the second request is never answered; the run's cleanup closes the connection
		c.Read(buf)
	})
	res, err := Run(context.Background(), Options{URL: rs1.url, Requests: 2, KeepAlive: true, Sequence: true, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Sequence, []string{"rs1"}) || len(res.Failed) != 1 {
		t.Fatalf("sequence %v, failed %+v; want rs1's connection, then its second request failed", res.Sequence, res.Failed)
	}
	if f := res.Failed[0]; !f.Kept || f.Index != 1 || f.Failure != "timeout" || f.Local != res.Locals[0] {
		t.Errorf("failed %+v, want the kept connection (from %s) timed out after the first connection", f, res.Locals[0])
	}
}

// Connections come from the local ports given, in turn, and again from the first when they run out: a
// port reused towards the same server, whose side of the last connection waits in TIME_WAIT.
func TestRunComesFromTheLocalPortsGiven(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	var ports []uint16
	for range 2 {
		ln := listen(t)
		ports = append(ports, uint16(ln.Addr().(*net.TCPAddr).Port))
		ln.Close()
	}
	res, err := Run(context.Background(), Options{URL: rs1.url, Requests: 4, LocalPorts: ports, Sequence: true})
	if err != nil {
		t.Fatal(err)
	}
	wantNoFailures(t, res)
	var got []uint16
	for _, l := range res.Locals {
		got = append(got, l.Port())
	}
	if want := append(slices.Clone(ports), ports...); !slices.Equal(got, want) {
		t.Errorf("connections came from ports %v, want %v", got, want)
	}
}

// A failed answer (a bad status) keeps its place in the sequence, under the server that gave it, and is
// recorded as failed there.
func TestRunRecordsAFailedAnswerUnderItsServer(t *testing.T) {
	var n atomic.Int64
	rs1 := startServer(t, "rs1", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		w.Write([]byte("rs1"))
	})
	res, err := Run(context.Background(), Options{URL: rs1.url, Requests: 3, Sequence: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []FailedConn{{Index: 1, Failure: "bad_status", Server: "rs1"}}
	if !slices.Equal(res.Sequence, []string{"rs1", "rs1", "rs1"}) || !slices.Equal(res.Failed, want) {
		t.Errorf("sequence %v, failed %+v; want rs1 three times, the second failed %+v", res.Sequence, res.Failed, want)
	}
}

// UDP sockets come from the ports given too, and a datagram left unanswered is recorded failed with the
// socket's port, as the first of its socket.
func TestRunUDPComesFromThePortsGivenAndRecordsItsFailures(t *testing.T) {
	rs1 := startUDPServer(t, "rs1", nil)
	ln := listen(t)
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	res, err := Run(context.Background(), Options{URL: rs1.url, Requests: 1, LocalPorts: []uint16{port}, Sequence: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Locals) != 1 || res.Locals[0].Port() != port || res.Completed != 1 {
		t.Fatalf("locals %v, %d completed; want one socket from port %d, answered", res.Locals, res.Completed, port)
	}
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	res, err = Run(context.Background(), Options{URL: "udp://" + silent.LocalAddr().String(), Requests: 1, LocalPorts: []uint16{port}, Sequence: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || res.Failed[0].Failure != "timeout" || res.Failed[0].Local.Port() != port || res.Failed[0].Kept {
		t.Errorf("failed %+v, want the socket's one datagram timed out, from port %d", res.Failed, port)
	}
}
