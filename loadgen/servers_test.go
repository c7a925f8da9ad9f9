package loadgen

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lvslab/lvslab/wire"
)

// realServer is an HTTP server on 127.0.0.1 that names itself in wire.ServerHeader
// and counts, on its side, the connections it accepted and the requests it served.
type realServer struct {
	name     string
	url      string
	addr     string
	accepted atomic.Int64
	requests atomic.Int64

	mu      sync.Mutex
	clients map[string]int // connections by client IP
}

// startServer serves name; handle, if given, writes the response after the
// server has set its header.
func startServer(t testing.TB, name string, handle http.HandlerFunc) *realServer {
	t.Helper()
	s := &realServer{name: name, clients: map[string]int{}}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.requests.Add(1)
			w.Header().Set(wire.ServerHeader, name)
			if handle != nil {
				handle(w, r)
				return
			}
			fmt.Fprintln(w, name)
		}),
		ConnState: func(c net.Conn, state http.ConnState) {
			if state == http.StateNew {
				s.accepted.Add(1)
				ip, _, _ := net.SplitHostPort(c.RemoteAddr().String())
				s.mu.Lock()
				s.clients[ip]++
				s.mu.Unlock()
			}
		},
	}
	ln := listen(t)
	s.addr = ln.Addr().String()
	s.url = "http://" + s.addr + "/"
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *realServer) connectionsFrom(ip string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[ip]
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// rawServer hands every accepted connection to handle and counts them. Its
// cleanup closes the listener and every connection, then waits for handle.
type rawServer struct {
	url      string
	accepted atomic.Int64
}

func startRawServer(t testing.TB, handle func(net.Conn)) *rawServer {
	t.Helper()
	ln := listen(t)
	s := &rawServer{url: "http://" + ln.Addr().String() + "/"}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

// startProxy forwards each TCP connection to the next backend in turn, as a
// round-robin director would. It returns the proxy's URL and accept count.
func startProxy(t testing.TB, backends ...*realServer) *rawServer {
	t.Helper()
	var next atomic.Int64
	return startRawServer(t, func(client net.Conn) {
		defer client.Close()
		backend := backends[(next.Add(1)-1)%int64(len(backends))]
		server, err := net.Dial("tcp", backend.addr)
		if err != nil {
			return
		}
		defer server.Close()
		var wg sync.WaitGroup
		wg.Go(func() { pipe(server, client) })
		pipe(client, server)
		wg.Wait()
	})
}

// pipe copies until src ends, then passes the end on as a half close.
func pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.(*net.TCPConn).CloseWrite()
}

// closedPortURL is a URL on which nothing listens: connecting is refused.
func closedPortURL(t testing.TB) string {
	ln := listen(t)
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	return url
}

// resetAtOnce aborts each connection with a RST (SO_LINGER 0) instead of a FIN.
func resetAtOnce(c net.Conn) {
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// neverAnswer reads the request and then nothing happens until cleanup.
func neverAnswer(c net.Conn) {
	io.Copy(io.Discard, c)
}

// answerGarbage answers with something that is not HTTP.
func answerGarbage(c net.Conn) {
	defer c.Close()
	readRequestHead(c)
	io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n\r\n")
}

// closeWithoutAnswer reads the request and closes the connection without a word, as a server whose
// read-header timeout passed does.
func closeWithoutAnswer(c net.Conn) {
	defer c.Close()
	readRequestHead(c)
}

// answerPartly sends a response's head and part of its body, then closes.
func answerPartly(c net.Conn) {
	defer c.Close()
	readRequestHead(c)
	io.WriteString(c, "HTTP/1.1 200 OK\r\n"+wire.ServerHeader+": rs1\r\nContent-Length: 100\r\n\r\nrs1")
}

// answerOnceThenDrop answers one request per connection with a keep-alive
// response, then drops the connection without a word, as an idle timeout does.
func answerOnceThenDrop(c net.Conn) {
	defer c.Close()
	readRequestHead(c)
	io.WriteString(c, "HTTP/1.1 200 OK\r\n"+wire.ServerHeader+": flaky\r\nContent-Length: 3\r\n\r\nok\n")
}

func readRequestHead(c net.Conn) error {
	buf := make([]byte, 0, 1024)
	chunk := make([]byte, 512)
	for !endsHead(buf) {
		n, err := c.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if err != nil {
			return err
		}
	}
	return nil
}

func endsHead(b []byte) bool {
	return len(b) >= 4 && string(b[len(b)-4:]) == "\r\n\r\n"
}
