package loadgen

import (
	"context"
	"net"
	"sync"
	"time"
)

// watchdog bounds one worker's requests. When a request outlives its timeout, or
// the run ends, it interrupts the connection in use or the dial in progress.
// One reusable timer per worker costs less than a deadline and a dial context
// per request, which measurably slowed the closed loop.
type watchdog struct {
	run   context.Context
	timer *time.Timer
	fired chan struct{} // one token per firing, taken by finish

	mu         sync.Mutex
	conn       net.Conn
	dialCtx    context.Context // read without mu by the worker, which alone replaces it
	cancelDial context.CancelFunc
	stopped    bool
}

func newWatchdog(run context.Context) *watchdog {
	w := &watchdog{run: run, fired: make(chan struct{}, 1)}
	w.dialCtx, w.cancelDial = context.WithCancel(run)
	w.timer = time.AfterFunc(time.Hour, func() {
		w.interrupt()
		w.fired <- struct{}{}
	})
	w.timer.Stop()
	return w
}

// start arms the timeout of one request; false: the run is over.
func (w *watchdog) start(timeout time.Duration) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return false
	}
	w.timer.Reset(timeout)
	return true
}

// finish disarms the timeout and reports whether it fired. If it did, the
// connection is poisoned (its deadline has passed) and must be closed.
func (w *watchdog) finish() (timedOut bool) {
	if w.timer.Stop() {
		return false
	}
	<-w.fired
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dialCtx, w.cancelDial = context.WithCancel(w.run)
	return true
}

// watch makes conn the one to interrupt; false: the run is over.
func (w *watchdog) watch(conn net.Conn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn = conn
	return !w.stopped
}

// stop interrupts the request in flight, if any, and refuses later ones.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.interrupt()
}

func (w *watchdog) interrupt() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn != nil {
		w.conn.SetDeadline(time.Unix(1, 0))
	}
	w.cancelDial()
}

// close ends the watch: the worker is done.
func (w *watchdog) close() {
	w.timer.Stop()
	w.cancelDial()
}
