package loadgen

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/wire"
)

// answerThenReset sends a whole response and its FIN, then resets the connection, as a server that has
// forgotten a connection answers the client's next segment.
func answerThenReset(c net.Conn) {
	readRequestHead(c)
	c.Write([]byte("HTTP/1.1 200 OK\r\n" + wire.ServerHeader + ": rs1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nrs1\n"))
	tcp := c.(*net.TCPConn)
	tcp.CloseWrite()
	tcp.SetLinger(0)
	tcp.Close()
}

// tcpClose is TCP_CLOSE of the kernel's TCP states: what a reset leaves a socket in.
const tcpClose = 7

// awaitReset holds the client, its response read, until its kernel has taken the server's reset: the
// window a slow client (ab among a hundred connections, a loaded machine) leaves open.
func awaitReset(t *testing.T) func(fd int) {
	return func(fd int) {
		err := wait.Until(context.Background(), 5*time.Second, func() (bool, string) {
			var state uint8
			if info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
				state = info.State
			}
			return state == tcpClose, fmt.Sprintf("the client's socket is in TCP state %d, not yet closed by the server's reset", state)
		})
		if err != nil {
			t.Error(err)
		}
	}
}

func TestRunCountsAResetAfterAWholeResponseAsAbDoes(t *testing.T) {
	testHookBeforeClose = awaitReset(t)
	t.Cleanup(func() { testHookBeforeClose = nil })
	rs1 := startRawServer(t, answerThenReset)
	res := measure(t, Run, Options{URL: rs1.url, Requests: 4, Concurrency: 2})

	f := res.Failures
	if res.Requests != 4 || f.ResetAfterResponse != 4 || f.Total() != 4 || res.Completed != 0 {
		t.Fatalf("%d requests, %d completed, failures %+v; want all 4 failed as resets after the response", res.Requests, res.Completed, f)
	}
	if !strings.Contains(f.Example, "after its whole response") || !strings.Contains(f.Example, syscall.EPIPE.Error()) {
		t.Errorf("the failure says %q; want it to say the reset came after the whole response, and the errno", f.Example)
	}
	// The server did answer: each connection still counts for it.
	wantServers(t, res, map[string]ServerCount{"rs1": {Connections: 4, Requests: 4}})
	var report strings.Builder
	res.WriteReport(&report)
	if !strings.Contains(report.String(), "Failed requests:       4 (reset after the response 4)") {
		t.Errorf("the report does not classify the failures:\n%s", report.String())
	}
}
