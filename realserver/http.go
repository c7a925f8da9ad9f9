package realserver

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/lvslab/lvslab/wire"
)

// counters are what one real server has answered.
type counters struct{ connections, requests, datagrams atomic.Uint64 }

func (c *counters) snapshot() Stats {
	return Stats{Connections: c.connections.Load(), Requests: c.requests.Load(), Datagrams: c.datagrams.Load()}
}

type countingListener struct {
	net.Listener
	c *counters
}

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		l.c.connections.Add(1)
	}
	return conn, err
}

// identify names the server and the client address it saw in an answer's headers.
func identify(w http.ResponseWriter, host string, r *http.Request) {
	w.Header().Set(wire.ServerHeader, host)
	w.Header().Set(wire.ClientHeader, r.RemoteAddr)
}

// handler answers every path with the server's body (as a one-line page, like the tutorial's
// `echo RS1.magedu.com > index.html`), except /whoami, which tells the server and the client it saw.
func handler(host, body string, c *counters) http.Handler {
	page := []byte(body)
	if !strings.HasSuffix(body, "\n") {
		page = append(page, '\n')
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		identify(w, host, r)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.URL.Path == "/whoami" {
			fmt.Fprintf(w, "server %s %s\nclient %s\n", host, r.Context().Value(http.LocalAddrContextKey), r.RemoteAddr)
			return
		}
		w.Write(page)
	})
}
