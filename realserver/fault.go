//go:build linux

package realserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lvslab/lvslab/internal/netnsenter"
)

// hostServer is one real server's servers in the process: its HTTP server and its UDP echo server, which
// faults stop, hang and start again. A stopped server's sockets are closed, as a dead process's are, so
// the host's kernel refuses new connections (and answers datagrams with port unreachable); a hung one
// keeps them open but answers nothing more, as a frozen process does: requests go unanswered and new
// connections wait in the listen queue until it fills (the one accept already under way takes one).
// Starting again opens new sockets in the host's namespace.
type hostServer struct {
	host, body string
	namespace  string // the host's network namespace, where sockets are opened again
	httpPort   uint16 // 0: none
	think      thinker
	fail       *failer
	udpPort    uint16 // 0: none
	c          *counters

	mu         sync.Mutex
	state      string        // set with setState
	serving    atomic.Bool   // state == Serving: what every request and datagram checks, without mu
	generation int           // how many times the server was stopped: what waited before a stop gives up
	resume     chan struct{} // closed when a hang ends; nil while not hung
	http       *http.Server
	udp        *net.UDPConn
}

// serveHTTP serves ln as the host's HTTP server.
func (s *hostServer) serveHTTP(ln net.Listener) {
	srv := &http.Server{Handler: s.gated(s.think.slowed(s.fail.failing(s.host, s.c, handler(s.host, s.body, s.c)))), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	s.http = srv
	go srv.Serve(gatedListener{countingListener{ln, s.c}, s})
}

// serveUDP serves conn as the host's UDP echo server.
func (s *hostServer) serveUDP(conn *net.UDPConn) {
	s.udp = conn
	serveUDP(conn, s.host, s.c, s.wait)
}

// wait holds the caller while the server is hung; it returns false once the server it was serving for
// has been stopped (even if started again since: a new generation serves on new sockets).
func (s *hostServer) wait() bool {
	if s.serving.Load() {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gen := s.generation
	for s.state == Hung && s.generation == gen {
		resume := s.resume
		s.mu.Unlock()
		<-resume
		s.mu.Lock()
	}
	return s.state != Stopped && s.generation == gen
}

// gated holds each request of a hung server before it is answered.
func (s *hostServer) gated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.wait() {
			h.ServeHTTP(w, r)
		}
	})
}

type gatedListener struct {
	net.Listener
	s *hostServer
}

// Accept takes no connection while the server is hung: they wait in the kernel's listen queue.
func (l gatedListener) Accept() (net.Conn, error) {
	if !l.s.wait() {
		return nil, net.ErrClosed
	}
	return l.Listener.Accept()
}

// apply does what a fault asks of the server (Stop, Start, Hang, Resume) and returns its state after.
func (s *hostServer) apply(action string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch action {
	case Stop:
		if s.state == Stopped {
			return s.state, nil
		}
		s.generation++
		s.release(Stopped)
		if s.http != nil {
			s.http.Close() // its listener and every connection, as a process's death closes them
		}
		if s.udp != nil {
			s.udp.Close()
		}
	case Start:
		if s.state != Stopped {
			return s.state, fmt.Errorf("%s's server is %s, not stopped: resume a hung one", s.host, s.state)
		}
		if err := s.reopen(); err != nil {
			return s.state, err
		}
		s.setState(Serving)
	case Hang:
		if s.state != Serving {
			return s.state, fmt.Errorf("%s's server is %s, not serving", s.host, s.state)
		}
		s.setState(Hung)
		s.resume = make(chan struct{})
	case Resume:
		if s.state != Hung {
			return s.state, fmt.Errorf("%s's server is %s, not hung", s.host, s.state)
		}
		s.release(Serving)
	default:
		return s.state, fmt.Errorf("fault %q: expected %s, %s, %s or %s", action, Stop, Start, Hang, Resume)
	}
	return s.state, nil
}

// setState sets the state, under mu.
func (s *hostServer) setState(state string) {
	s.state = state
	s.serving.Store(state == Serving)
}

// release sets the state and lets whatever a hang held go on (or, stopped, give up).
func (s *hostServer) release(state string) {
	s.setState(state)
	if s.resume != nil {
		close(s.resume)
		s.resume = nil
	}
}

// reopen opens the host's sockets again, inside its namespace, and serves them.
func (s *hostServer) reopen() error {
	var tcp, udp *os.File
	err := netnsenter.OnThrowawayThread(func() error {
		if err := netnsenter.Enter(s.namespace); err != nil {
			return err
		}
		var err error
		if s.httpPort != 0 {
			if tcp, err = ListenTCP(s.httpPort); err != nil {
				return err
			}
		}
		if s.udpPort != 0 {
			udp, err = ListenUDP(s.udpPort)
		}
		return err
	})
	defer func() {
		for _, f := range []*os.File{tcp, udp} {
			if f != nil {
				f.Close()
			}
		}
	}()
	if err != nil {
		return fmt.Errorf("starting %s's server again: %w", s.host, err)
	}
	var ln net.Listener
	var conn *net.UDPConn
	if tcp != nil {
		if ln, err = net.FileListener(tcp); err != nil {
			return err
		}
	}
	if udp != nil {
		if conn, err = udpConn(udp); err != nil {
			if ln != nil {
				ln.Close()
			}
			return fmt.Errorf("starting %s's UDP server again: %w", s.host, err)
		}
	}
	// Both sockets are good: only now does either serve.
	if ln != nil {
		s.serveHTTP(ln)
	}
	if conn != nil {
		s.serveUDP(conn)
	}
	return nil
}

// controlHandler answers the control socket: GET /stats, every real server's counts and state; POST
// /fault, a fault applied to one real server (a faultRequest), answered with its Stats after.
func controlHandler(servers map[string]*hostServer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]Stats{}
		for host, s := range servers {
			out[host] = s.stats()
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /fault", func(w http.ResponseWriter, r *http.Request) {
		var req faultRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&req); err != nil {
			http.Error(w, "a fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		s, ok := servers[req.Host]
		if !ok {
			http.Error(w, fmt.Sprintf("%q runs no server in this lab", req.Host), http.StatusNotFound)
			return
		}
		if _, err := s.apply(req.Action); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		json.NewEncoder(w).Encode(s.stats())
	})
	return mux
}

func (s *hostServer) stats() Stats {
	st := s.c.snapshot()
	s.mu.Lock()
	st.State = s.state
	s.mu.Unlock()
	return st
}
