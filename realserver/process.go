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

// HTTP is a host's HTTP server: its listening socket and the page it serves, and where to open the socket
// again after a fault stopped it (its port, in the host's namespace).
type HTTP struct {
	Host     string `json:"host"`
	Body     string `json:"body"`
	ThinkMin int64  `json:"think_min_ns,omitempty"` // how long it thinks before each answer: drawn evenly
	ThinkMax int64  `json:"think_max_ns,omitempty"` // between ThinkMin and ThinkMax, in nanoseconds
	// FailPercent is the per cent of requests answered 503, evenly spread (topology.HTTPServer.Fail).
	FailPercent float64 `json:"fail_percent,omitempty"`
	FD          int     `json:"fd"`
	Port        uint16  `json:"port"`
	Namespace   string  `json:"namespace"`
}

// UDP is a host's UDP echo server: its bound socket, opened with ListenUDP, and where to open it again.
type UDP struct {
	Host      string `json:"host"`
	FD        int    `json:"fd"`
	Port      uint16 `json:"port"`
	Namespace string `json:"namespace"`
}

// Main is the server process: it reads a Spec from stdin, serves every socket it names, writes "ready" on
// stdout once it does, and serves until SIGTERM or SIGINT. name prefixes its messages on stderr.
func Main(name string) int {
	var spec Spec
	if err := json.NewDecoder(io.LimitReader(os.Stdin, 16<<20)).Decode(&spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: reading spec: %v\n", name, err)
		return 1
	}
	servers := map[string]*hostServer{}
	serverOf := func(host, ns string) *hostServer {
		if servers[host] == nil {
			servers[host] = &hostServer{host: host, namespace: ns, c: &counters{}}
			servers[host].setState(Serving)
		}
		return servers[host]
	}
	// net.FileListener and net.FilePacketConn keep copies of the sockets: the inherited descriptors are
	// closed, so that a fault's stop closes the last one and the port refuses.
	for _, s := range spec.HTTP {
		f := os.NewFile(uintptr(s.FD), s.Host)
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %s: %v\n", name, s.Host, err)
			return 1
		}
		hs := serverOf(s.Host, s.Namespace)
		hs.body, hs.httpPort = s.Body, s.Port
		hs.think = thinker{min: time.Duration(s.ThinkMin), max: time.Duration(s.ThinkMax)}
		hs.fail = newFailer(s.FailPercent)
		hs.serveHTTP(ln)
	}
	for _, s := range spec.UDP {
		f := os.NewFile(uintptr(s.FD), s.Host+" udp")
		udp, err := udpConn(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %s: UDP socket: %v\n", name, s.Host, err)
			return 1
		}
		hs := serverOf(s.Host, s.Namespace)
		hs.udpPort = s.Port
		hs.serveUDP(udp)
	}
	control, err := net.FileListener(os.NewFile(uintptr(spec.Control), "control"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: control socket: %v\n", name, err)
		return 1
	}
	go http.Serve(control, controlHandler(servers))
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

// udpConn is a copy of f's socket, which must be a UDP one, as a *net.UDPConn.
func udpConn(f *os.File) (*net.UDPConn, error) {
	pc, err := net.FilePacketConn(f)
	if u, ok := pc.(*net.UDPConn); ok {
		return u, nil
	}
	if pc != nil {
		pc.Close()
	}
	return nil, fmt.Errorf("%v (a %T)", err, pc)
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
