//go:build linux

package loadgen

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// epollInstance is a poller's epoll, waited on through Go's own network poller: a poller with nothing to
// do parks its goroutine and frees its core, instead of holding it in a blocking epoll_wait that the
// runtime takes for a long system call and hands over to another thread.
type epollInstance struct {
	fd       int
	file     *os.File
	conn     syscall.RawConn
	base     time.Time // deadlines are steps from here, on the monotonic clock
	deadline time.Time // the wait's deadline as last set
}

// deadlineStep coarsens the deadline of a wait, so that it changes a hundred times a second at most, not
// once per request; a request times out up to this much late.
var deadlineStep = 10 * time.Millisecond

func newEpollInstance() (*epollInstance, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("loadgen: epoll: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("loadgen: epoll: %w", err)
	}
	e := &epollInstance{fd: fd, file: os.NewFile(uintptr(fd), "epoll"), base: time.Now()}
	if e.conn, err = e.file.SyscallConn(); err != nil {
		e.file.Close()
		return nil, fmt.Errorf("loadgen: epoll: %w", err)
	}
	return e, nil
}

func (e *epollInstance) add(fd int, ev *unix.EpollEvent) error {
	return nbEpollCtl(e.fd, unix.EPOLL_CTL_ADD, fd, ev)
}

func (e *epollInstance) remove(fd int) {
	nbEpollCtl(e.fd, unix.EPOLL_CTL_DEL, fd, nil)
}

// wait fills events with those ready, waiting for one until due at the latest (the zero time: for ever).
// It returns 0 when due came first.
func (e *epollInstance) wait(events []unix.EpollEvent, due time.Time) (int, error) {
	if !due.IsZero() { // the next step after due; time.Truncate would drop the monotonic clock's reading
		due = e.base.Add((due.Sub(e.base)/deadlineStep + 1) * deadlineStep)
	}
	if !due.Equal(e.deadline) {
		if err := e.file.SetReadDeadline(due); err != nil {
			return 0, err
		}
		e.deadline = due
	}
	var n int
	var waitErr error
	err := e.conn.Read(func(fd uintptr) bool {
		n, waitErr = nbEpollReady(int(fd), events)
		return n > 0 || waitErr != nil // nothing ready: wait until something is
	})
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return n, waitErr
}

func (e *epollInstance) close() { e.file.Close() }
