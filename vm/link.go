package vm

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// linksOverLoopback tells how qemu's character devices reach lvslab: false, a socketpair's end that qemu
// inherits; true, a connection qemu makes to a listener of lvslab's on 127.0.0.1, for a host whose qemu
// inherits no descriptors (Windows). A test turns it on to run that way on Linux.
var linksOverLoopback = runtime.GOOS == "windows"

// stream is lvslab's end of a link.
type stream interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
}

// A link is a byte stream between lvslab and one of qemu's character devices: the guest's channel, or the
// kernel's console. Over the loopback, anyone on this machine could connect first, so the end that carries
// the guest's frames is trusted only once the guest has sent the job's secret down it (proveGuest); until
// then lvslab neither reads a frame from it nor writes one to it.
type link struct {
	name  string
	id    string // the chardev's id in qemu's command line
	fd    int    // the descriptor qemu inherits it as, when it does
	mu    sync.Mutex
	ours  stream   // lvslab's end: the socketpair's at once, the accepted connection over the loopback
	qemus *os.File // qemu's end, or a placeholder over the loopback; closed once qemu runs
	ln    net.Listener
}

func newLink(name, id string, fd int, loopback bool) (*link, error) {
	l := &link{name: name, id: id, fd: fd}
	if !loopback {
		ours, qemus, err := socketpair(name)
		if err != nil {
			return nil, err
		}
		l.ours, l.qemus = ours, qemus
		return l, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on the loopback for qemu's %s: %w", name, err)
	}
	l.ln = ln
	return l, nil
}

// chardev is the -chardev option that makes qemu's end of the link.
func (l *link) chardev() string {
	if l.ln != nil {
		// qemu connects as it starts, before the guest runs; nodelay, or each frame waits on the last ack.
		return fmt.Sprintf("socket,id=%s,host=127.0.0.1,port=%d,nodelay=on", l.id, l.ln.Addr().(*net.TCPAddr).Port)
	}
	return "socket,id=" + l.id + ",fd=" + strconv.Itoa(l.fd)
}

// qemuFile is what qemu inherits for this link at its descriptor: the socketpair's end, or nothing to read
// (/dev/null) where the link goes over the loopback but qemu inherits other descriptors after it.
func (l *link) qemuFile() (*os.File, error) {
	if l.qemus == nil {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return nil, err
		}
		l.qemus = f
	}
	return l.qemus, nil
}

// started lets go of qemu's end, which qemu holds now.
func (l *link) started() {
	if l.qemus != nil {
		l.qemus.Close()
		l.qemus = nil
	}
}

// accept waits for qemu to connect, over the loopback, until qemu exits (exited closed) or the deadline;
// the listener is closed then, so nobody else gets in after it. Over a socketpair it returns at once.
func (l *link) accept(deadline time.Time, exited <-chan struct{}) (stream, error) {
	if l.ln == nil {
		return l.ours, nil
	}
	defer l.ln.Close()
	l.ln.(*net.TCPListener).SetDeadline(deadline)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-exited:
			l.ln.Close()
		case <-stop:
		}
	}()
	c, err := l.ln.Accept()
	if err != nil {
		return nil, fmt.Errorf("qemu did not connect its %s to lvslab's 127.0.0.1 listener: %w (%v)", l.name, errLinkClosed, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ours = c
	return c, nil
}

// unblock ends a read that waits on lvslab's end after the deadline: qemu is gone, and only a child it left
// could still hold its end.
func (l *link) unblock(deadline time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ours != nil {
		l.ours.SetReadDeadline(deadline)
	}
}

// errNotTheGuest says that what connected to a link over the loopback did not send the job's secret;
// errGuestSilent that its end closed first (qemu gone before its guest spoke, say).
var (
	errNotTheGuest = errors.New("did not send the job's secret: not this machine's qemu")
	errGuestSilent = errors.New("its end closed before the secret came")
	errLinkClosed  = errors.New("qemu gone, or its time up, before it connected")
)

// proveGuest reads the secret the guest's /init sends first on its channel, when the link goes over the
// loopback, and fails unless it is the job's: whoever connected is not that guest (errNotTheGuest), and is
// told nothing. The read ends when qemu's end closes (errGuestSilent), or at unblock's deadline.
func (l *link) proveGuest(secret []byte) error {
	if l.ln == nil {
		return nil
	}
	if len(secret) == 0 {
		return fmt.Errorf("the guest's %s goes over the loopback, but its job holds no secret to prove it", l.name)
	}
	got := make([]byte, len(secret))
	if _, err := io.ReadFull(l.ours, got); err != nil {
		return fmt.Errorf("reading the guest's secret on its %s: %w (%v)", l.name, errGuestSilent, err)
	}
	if subtle.ConstantTimeCompare(got, secret) != 1 {
		return fmt.Errorf("what connected to the guest's %s on 127.0.0.1 %w", l.name, errNotTheGuest)
	}
	return nil
}

// close closes both ends and the listener, whichever are still open.
func (l *link) close() {
	l.started()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ours != nil {
		l.ours.Close()
	}
	if l.ln != nil {
		l.ln.Close()
	}
}
