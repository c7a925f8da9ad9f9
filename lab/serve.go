package lab

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// serverChild is the process that serves every real server of a lab. It lives in the lab's switch
// namespace, so Down finds and stops it with the lab's other processes, and serves sockets its parent
// opened inside each host's namespace (a socket stays in the namespace it was made in).
const serverChild = "lvslab-serve"

func init() { RegisterChild(serverChild, serveMain) }

// serveSpec is what the parent hands the server process on stdin: each socket's file descriptor, from 3 on.
type serveSpec struct {
	Lab     string          `json:"lab"`
	Servers []serveListener `json:"servers"`
	UDP     []serveUDPSpec  `json:"udp,omitempty"`
	Control int             `json:"control"` // fd of the unix socket answering /stats
}

type serveListener struct {
	Host string `json:"host"`
	Body string `json:"body"`
	FD   int    `json:"fd"`
}

// serveUDPSpec is a host's UDP echo server: its bound socket.
type serveUDPSpec struct {
	Host string `json:"host"`
	FD   int    `json:"fd"`
}

// ServerStats is what one real server has seen since the lab came up.
type ServerStats struct {
	Connections uint64 `json:"connections"` // TCP connections accepted by the HTTP server
	Requests    uint64 `json:"requests"`    // HTTP requests answered
	Datagrams   uint64 `json:"datagrams"`   // UDP datagrams answered by the echo server
}

// Response headers naming the server and the client it saw: under NAT the client address must survive.
const (
	ServerHeader = "X-Real-Server"
	ClientHeader = "X-Client-Addr"
)

func serveMain() int {
	var spec serveSpec
	if err := json.NewDecoder(os.Stdin).Decode(&spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: reading spec: %v\n", serverChild, err)
		return 1
	}
	stats := map[string]*serverCounters{}
	counters := func(host string) *serverCounters {
		if stats[host] == nil {
			stats[host] = &serverCounters{}
		}
		return stats[host]
	}
	for _, s := range spec.Servers {
		ln, err := net.FileListener(os.NewFile(uintptr(s.FD), s.Host))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %s: %v\n", serverChild, s.Host, err)
			return 1
		}
		c := counters(s.Host)
		srv := &http.Server{Handler: realServer(s.Host, s.Body, c), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: time.Minute}
		go srv.Serve(countingListener{ln, c})
	}
	for _, s := range spec.UDP {
		conn, err := net.FilePacketConn(os.NewFile(uintptr(s.FD), s.Host+" udp"))
		udp, ok := conn.(*net.UDPConn)
		if err != nil || !ok {
			fmt.Fprintf(os.Stderr, "%s: %s: UDP socket: %v (a %T)\n", serverChild, s.Host, err, conn)
			return 1
		}
		serveUDP(udp, s.Host, counters(s.Host))
	}
	control, err := net.FileListener(os.NewFile(uintptr(spec.Control), "control"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: control socket: %v\n", serverChild, err)
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

type serverCounters struct{ connections, requests, datagrams atomic.Uint64 }

func (c *serverCounters) snapshot() ServerStats {
	return ServerStats{Connections: c.connections.Load(), Requests: c.requests.Load(), Datagrams: c.datagrams.Load()}
}

type countingListener struct {
	net.Listener
	c *serverCounters
}

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		l.c.connections.Add(1)
	}
	return conn, err
}

// realServer answers every path with the server's body (as a one-line page, like the tutorial's
// `echo RS1.magedu.com > index.html`), except /whoami, which tells the server and the client it saw.
func realServer(host, body string, c *serverCounters) http.Handler {
	page := []byte(body)
	if !strings.HasSuffix(body, "\n") {
		page = append(page, '\n')
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		h := w.Header()
		h.Set(ServerHeader, host)
		h.Set(ClientHeader, r.RemoteAddr)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		if r.URL.Path == "/whoami" {
			fmt.Fprintf(w, "server %s %s\nclient %s\n", host, r.Context().Value(http.LocalAddrContextKey), r.RemoteAddr)
			return
		}
		w.Write(page)
	})
}

func statsHandler(stats map[string]*serverCounters) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := map[string]ServerStats{}
		for host, c := range stats {
			out[host] = c.snapshot()
		}
		json.NewEncoder(w).Encode(out)
	})
}
