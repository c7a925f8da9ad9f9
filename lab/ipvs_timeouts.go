//go:build linux

package lab

import (
	"context"
	"fmt"
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
	return wait.Until(ctx, timeout, func() (bool, string) {
		conns, err := l.Conns()
		if err != nil {
			return false, err.Error()
		}
		return len(conns) == 0, fmt.Sprintf("the director still holds %d connection entries", len(conns))
	})
}
