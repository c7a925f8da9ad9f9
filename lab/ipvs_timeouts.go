package lab

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/ipvsnl"
)

// SetTimeouts is ipvsadm --set TCP TCPFIN UDP on the director: how long IPVS keeps an established TCP
// connection, one closing (FIN_WAIT: where direct-routing and tunnelled connections end, the director
// seeing only the client's half) and a UDP one without traffic. Zero keeps a timeout as it is.
func (l *Lab) SetTimeouts(tcp, tcpFin, udp time.Duration) error {
	return l.withIPVS(func(h *ipvsnl.Handle) error { return h.SetTimeouts(tcp, tcpFin, udp) })
}

// AwaitEmptyConnectionTable polls the director's connection table (ipvsadm -L -c) until no entry is
// left, persistence templates included, and fails after timeout saying how many remain.
func (l *Lab) AwaitEmptyConnectionTable(ctx context.Context, timeout time.Duration) error {
	host, err := l.director()
	if err != nil {
		return err
	}
	path, err := l.Namespace(host)
	if err != nil {
		return err
	}
	return wait.Until(ctx, timeout, func() (bool, string) {
		var n int
		err := inNamespace(path, func() error {
			// /proc/thread-self/net follows this thread's namespace; /proc/self/net the main thread's.
			data, err := os.ReadFile("/proc/thread-self/net/ip_vs_conn")
			if err != nil {
				return err
			}
			n = strings.Count(string(data), "\n") - 1 // a header line, then one line per entry
			return nil
		})
		if err != nil {
			return false, err.Error()
		}
		return n <= 0, fmt.Sprintf("the director still holds %d connection entries", n)
	})
}
