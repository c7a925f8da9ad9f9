package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Run makes o.Requests requests with o.Concurrency in flight, as ab -n -c does
// (ab -k with o.KeepAlive), and stops early at o.TimeLimit. When ctx ends first,
// it returns what was measured so far together with an error. A udp:// URL sends
// datagrams instead (see Options.Datagrams).
func Run(ctx context.Context, o Options) (*Result, error) {
	o, to, err := prepare(ctx, o, Options.closedLoop)
	if err != nil {
		return nil, err
	}
	if to.udp {
		return runUDP(ctx, o, to)
	}
	connect, err := newConnector(to.addr, o.Sources)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := runContext(ctx, o.TimeLimit)
	defer cancel()

	loop := &closedLoop{
		run:       runCtx,
		connect:   connect,
		request:   to.request(o.KeepAlive || o.Hold),
		timeout:   o.Timeout,
		keepAlive: o.KeepAlive,
		hold:      o.Hold,
		reset:     o.Reset,
	}
	if o.Sequence {
		loop.connect.locals = &localRecord{}
	}
	defer loop.releaseHeld()
	loop.remaining.Store(int64(o.Requests))
	var c crew
	for range o.Concurrency {
		w := &worker{loop: loop, dog: newWatchdog(runCtx), reader: newResponseReader(), tally: newTally().recording(o.Sequence)}
		c.add(w.dog, w.run, w.tally)
	}
	elapsed, stopped := c.drive(runCtx, o.Progress, o.Requests, &loop.counters)
	total := newTally().recording(o.Sequence).merged(c.tallies)
	res := total.result(loop.connect.opened.Load(), elapsed)
	res.URL, res.Concurrency, res.KeepAlive = o.URL, o.Concurrency, o.KeepAlive
	res.Locals = loop.connect.locals.list()
	return res, endOfRun(ctx, stopped, res)
}

// closedLoop is what Run's workers share.
type closedLoop struct {
	run       context.Context
	connect   *connector
	request   []byte
	remaining atomic.Int64
	timeout   time.Duration
	keepAlive bool
	hold      bool
	reset     bool
	counters  counters

	heldMu sync.Mutex
	held   []net.Conn // with hold: every answered connection, open until the run ends
}

func (l *closedLoop) keep(c net.Conn) {
	l.heldMu.Lock()
	l.held = append(l.held, c)
	l.heldMu.Unlock()
}

func (l *closedLoop) releaseHeld() {
	l.heldMu.Lock()
	defer l.heldMu.Unlock()
	for _, c := range l.held {
		c.Close()
	}
	l.held = nil
}

// claim takes one of the remaining requests.
func (l *closedLoop) claim() bool { return l.remaining.Add(-1) >= 0 }

// worker makes one request after another, on a new connection each time or,
// with keep-alive, on the same one while the server keeps it open.
type worker struct {
	loop   *closedLoop
	dog    *watchdog
	conn   net.Conn
	reader *responseReader
	tally  *tally
}

func (w *worker) run() {
	defer w.dog.close()
	defer w.closeConn()
	for w.loop.claim() {
		o, counted := w.do()
		if !counted {
			return
		}
		w.tally.add(o)
		w.loop.counters.record(o)
	}
}

// do makes one request. Not counted: the end of the run cut it off.
func (w *worker) do() (outcome, bool) {
	start := time.Now()
	if !w.dog.start(w.loop.timeout) {
		return outcome{}, false
	}
	resp, fresh, err := w.attempt()
	if w.dog.finish() {
		w.closeConn()
		if err != nil {
			err = fmt.Errorf("no response within %s: %w", w.loop.timeout, os.ErrDeadlineExceeded)
		}
	}
	if err != nil {
		w.closeConn()
		if w.loop.run.Err() != nil {
			return outcome{}, false
		}
		return outcome{failure: classify(err), err: err, latency: time.Since(start)}, true
	}
	switch {
	case w.loop.hold:
		w.dog.watch(nil)
		w.loop.keep(w.conn)
		w.conn = nil
	case !w.loop.keepAlive || !resp.reusable:
		err = w.closeAfterResponse()
	}
	o := answered(resp, fresh, time.Since(start))
	if err != nil {
		o.failure, o.err = classify(err), err
	}
	return o, true
}

// testHookBeforeClose, when set, runs after a whole response has been read and before the connection's
// pending error is checked: tests widen that window with it.
var testHookBeforeClose func(net.Conn)

// closeAfterResponse closes the connection once its response has been read, and says whether the server
// reset it meanwhile: a failure, as ab counts it, though the response was whole.
func (w *worker) closeAfterResponse() error {
	if testHookBeforeClose != nil {
		testHookBeforeClose(w.conn)
	}
	err := pendingError(w.conn)
	w.closeConn()
	return err
}

// attempt sends the request and reads the response. When the server closed an
// idle keep-alive connection just as it was reused, it retries once on a new one.
func (w *worker) attempt() (resp response, fresh bool, err error) {
	for {
		fresh = w.conn == nil
		if fresh {
			if err = w.connect(); err != nil {
				return resp, fresh, err
			}
		}
		resp, err = w.exchange()
		var idleClosed *noResponseError
		if err == nil || fresh || !errors.As(err, &idleClosed) {
			return resp, fresh, err
		}
		w.closeConn()
	}
}

func (w *worker) connect() error {
	conn, err := w.loop.connect.dial(w.dog.dialCtx)
	if err != nil {
		return err
	}
	w.conn = conn
	w.reader.reset(conn)
	if !w.dog.watch(conn) {
		return errors.New("the run is over")
	}
	return nil
}

func (w *worker) exchange() (response, error) {
	if _, err := w.conn.Write(w.loop.request); err != nil {
		return response{}, &noResponseError{err}
	}
	resp, err := w.reader.read()
	if err == nil && !w.loop.keepAlive && !w.loop.hold {
		err = w.reader.awaitClose()
	}
	return resp, err
}

func (w *worker) closeConn() {
	if w.conn != nil {
		w.dog.watch(nil)
		if tcp, ok := w.conn.(*net.TCPConn); ok && w.loop.reset {
			tcp.SetLinger(0)
		}
		w.conn.Close()
		w.conn = nil
	}
}
