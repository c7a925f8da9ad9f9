//go:build linux

// Package realserver is the tiny HTTP and UDP echo servers a lab's real servers run: every response names
// the server and the client address it saw (package wire), and every server counts what it answered. One
// process serves all the real servers of a lab, on sockets its parent opened inside each host's network
// namespace (a socket stays in the namespace it was made in).
package realserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Spec is what the parent hands the server process on stdin: each socket's file descriptor, from 3 on.
type Spec struct {
	Lab     string `json:"lab"`
	HTTP    []HTTP `json:"servers"`
	UDP     []UDP  `json:"udp,omitempty"`
	Control int    `json:"control"` // fd of the unix socket answering /stats
}

// HTTP is a host's HTTP server: its listening socket and the page it serves.
type HTTP struct {
	Host string `json:"host"`
	Body string `json:"body"`
	FD   int    `json:"fd"`
}

// UDP is a host's UDP echo server: its bound socket, opened with ListenUDP.
type UDP struct {
	Host string `json:"host"`
	FD   int    `json:"fd"`
}

// Main is the server process: it reads a Spec from stdin, serves every socket it names, writes "ready" on
// stdout once it does, and serves until SIGTERM or SIGINT. name prefixes its messages on stderr.
func Main(name string) int {
	var spec Spec
	if err := json.NewDecoder(io.LimitReader(os.Stdin, 16<<20)).Decode(&spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: reading spec: %v\n", name, err)
		return 1
	}
	stats := map[string]*counters{}
	countersOf := func(host string) *counters {
		if stats[host] == nil {
			stats[host] = &counters{}
		}
		return stats[host]
	}
	for _, s := range spec.HTTP {
		ln, err := net.FileListener(os.NewFile(uintptr(s.FD), s.Host))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %s: %v\n", name, s.Host, err)
			return 1
		}
		c := countersOf(s.Host)
		srv := &http.Server{Handler: handler(s.Host, s.Body, c), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: time.Minute}
		go srv.Serve(countingListener{ln, c})
	}
	for _, s := range spec.UDP {
		conn, err := net.FilePacketConn(os.NewFile(uintptr(s.FD), s.Host+" udp"))
		udp, ok := conn.(*net.UDPConn)
		if err != nil || !ok {
			fmt.Fprintf(os.Stderr, "%s: %s: UDP socket: %v (a %T)\n", name, s.Host, err, conn)
			return 1
		}
		serveUDP(udp, s.Host, countersOf(s.Host))
	}
	control, err := net.FileListener(os.NewFile(uintptr(spec.Control), "control"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: control socket: %v\n", name, err)
		return 1
	}
	go http.Serve(control, statsHandler(stats))
	// The parent waits for this line; if it died meanwhile the write fails and we leave with it.
	if _, err := fmt.Fprintln(os.Stdout, "ready"); err != nil {
		return 1
	}
	os.Stdout.Close()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	return 0
}

// ListenTCP opens an HTTP server's socket in the calling thread's namespace; the server process inherits
// it, so the port accepts connections (into the backlog) from the moment it is open.
func ListenTCP(port uint16) (*os.File, error) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{Port: int(port)})
	if err != nil {
		return nil, fmt.Errorf("listening on port %d: %w", port, err)
	}
	defer ln.Close()
	return ln.File()
}
