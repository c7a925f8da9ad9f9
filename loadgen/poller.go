//go:build linux

package loadgen

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// poller drives a share of a run's connections at once on one epoll instance: it opens each connection,
// sends the request when the socket becomes writable, reads the response as it arrives, and starts the
// next request in the slot the last one left.
type poller struct {
	loop   *closedLoop
	ep     *epollInstance
	wake   int // an eventfd: stop makes it readable
	open   *socketOpener
	slots  []slot
	free   []*slot // slots whose request ended, to start again
	due    dueList
	events []unix.EpollEvent
	buf    []byte
	tally  *tally

	stopping atomic.Bool
	mu       sync.Mutex // stop against close
	closed   bool
}

// slot is one connection at a time, with the request in flight on it.
type slot struct {
	index      int32
	fd         int // -1: no connection
	state      slotState
	fresh      bool // the connection was opened for this request
	start, due time.Time
	prev, next *slot // in the poller's dueList while a request is in flight
	sent       int
	parser     *responseParser
	local      netip.AddrPort // where the connection comes from, when the run records it
}

type slotState int

const (
	idle       slotState = iota
	connecting           // awaiting writable
	sending              // part of the request written
	receiving            // awaiting the response
	closing              // the whole response read: awaiting the server's close
)

// wakeIndex marks the eventfd's events apart from the slots'.
const wakeIndex = -1

const (
	socketEvents = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	hangUp       = unix.EPOLLRDHUP | unix.EPOLLHUP | unix.EPOLLERR
	readBuffer   = 64 << 10
)

func newPoller(loop *closedLoop, slots int, t *tally) (*poller, error) {
	ep, err := newEpollInstance()
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		ep.close()
		return nil, fmt.Errorf("loadgen: eventfd: %w", err)
	}
	p := &poller{loop: loop, ep: ep, wake: wake, open: newSocketOpener(loop), slots: make([]slot, slots),
		events: make([]unix.EpollEvent, slots+1), buf: make([]byte, readBuffer), tally: t}
	names := map[string]string{}
	for i := range p.slots {
		s := &p.slots[i]
		s.index, s.fd, s.parser = int32(i), -1, newResponseParser()
		s.parser.names = names
		p.free = append(p.free, s)
	}
	if err := ep.add(wake, &unix.EpollEvent{Events: unix.EPOLLIN, Pad: wakeIndex}); err != nil {
		p.close()
		return nil, fmt.Errorf("loadgen: epoll: %w", err)
	}
	return p, nil
}

// stop ends the run for this poller: it returns at once, leaving the requests in flight uncounted.
func (p *poller) stop() {
	p.stopping.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		unix.Write(p.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

// close releases the poller's connections and descriptors, once it has returned.
func (p *poller) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for i := range p.slots {
		p.hangUp(&p.slots[i])
	}
	unix.Close(p.wake)
	p.ep.close()
}

func (p *poller) run() {
	for {
		p.restart()
		if p.due.first == nil {
			return // no request left in flight, nor to start
		}
		n, err := p.ep.wait(p.events, p.due.soonest())
		if err != nil { // only a bug passes a bad descriptor or buffer: fail the requests in flight
			p.failAll(fmt.Errorf("loadgen: epoll_wait: %w", err))
			return
		}
		for _, ev := range p.events[:n] {
			if ev.Pad == wakeIndex {
				return
			}
			if s := &p.slots[ev.Pad]; s.fd == int(ev.Fd) {
				p.handle(s, ev.Events)
			}
		}
		p.expire(time.Now())
	}
}

// restart starts the next request in every free slot, while requests remain. A slot stays free when none
// does: the next stage of a run with pauses starts it.
func (p *poller) restart() {
	for len(p.free) > 0 && !p.stopping.Load() && p.loop.claim() {
		s := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		s.start = time.Now()
		s.due = s.start.Add(p.loop.timeout)
		p.due.push(s)
		p.begin(s)
	}
}

// begin sends the slot's request on its kept-alive connection, or on a new one.
func (p *poller) begin(s *slot) {
	s.fresh = s.fd < 0
	if !s.fresh {
		p.send(s)
		return
	}
	fd, local, connected, err := p.open.open()
	s.local = local
	if err != nil {
		p.fail(s, err)
		return
	}
	s.fd = fd
	if err := p.ep.add(fd, &unix.EpollEvent{Events: socketEvents, Fd: int32(fd), Pad: s.index}); err != nil {
		p.fail(s, fmt.Errorf("loadgen: epoll: %w", err))
		return
	}
	s.state = connecting
	if connected {
		p.established(s)
		p.send(s)
	}
}

// established counts the slot's new connection as opened, as the handshake completed.
func (p *poller) established(s *slot) {
	p.loop.opened.Add(1)
	p.loop.locals.addAddrPort(s.local)
}

func (p *poller) send(s *slot) {
	if s.state != sending {
		s.state, s.sent = sending, 0
	}
	n, err := nbSend(s.fd, p.loop.request[s.sent:])
	switch {
	case err == unix.EAGAIN:
	case err != nil:
		p.fail(s, &noResponseError{err})
	case s.sent+n < len(p.loop.request):
		s.sent += n
	default:
		s.state = receiving
		s.parser.start()
	}
}

func (p *poller) handle(s *slot, events uint32) {
	switch s.state {
	case idle: // a kept-alive connection between requests: whatever comes now, the server is done with it
		if events&(unix.EPOLLIN|hangUp) != 0 {
			p.hangUp(s)
		}
		return
	case connecting:
		if events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			err := nbSocketError(s.fd)
			var errno unix.Errno
			if errors.As(err, &errno) {
				err = &connectError{to: p.loop.to, errno: errno}
			}
			if err == nil {
				err = errors.New("the connection ended before it was made")
			}
			p.fail(s, err)
			return
		}
		if events&unix.EPOLLOUT == 0 {
			return
		}
		p.established(s)
		p.send(s)
	case sending:
		if events&(unix.EPOLLOUT|unix.EPOLLERR) != 0 {
			p.send(s)
		}
	}
	// Edge-triggered, an arrival is told once: the server may have answered (or closed) before the
	// request was all sent.
	switch {
	case s.state == sending && events&(unix.EPOLLIN|hangUp) != 0:
		s.state = receiving
		s.parser.start()
		fallthrough
	case s.state == receiving || s.state == closing:
		if events&(unix.EPOLLIN|hangUp) != 0 {
			p.receive(s, events)
		}
	}
}

// receive reads what has arrived. A read that leaves the socket empty ends it: edge-triggered, the next
// arrival is a new event. When the server has closed, it reads on to the end, and needs no last read to
// learn it once the whole response is in.
func (p *poller) receive(s *slot, events uint32) {
	for {
		n, err := nbRead(s.fd, p.buf)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			if !s.parser.seen {
				err = &noResponseError{err}
			}
			p.fail(s, err)
			return
		case n == 0:
			p.ended(s)
			return
		case s.state == closing:
			p.fail(s, badResponsef("data after the response"))
			return
		}
		used, done, err := s.parser.feed(p.buf[:n])
		switch {
		case err != nil:
			p.fail(s, err)
			return
		case done && used < n:
			p.fail(s, badResponsef("data after the response"))
			return
		case done:
			if p.loop.keepAlive || p.loop.hold {
				p.answered(s, events&hangUp != 0)
				return
			}
			s.state = closing
		}
		if n < len(p.buf) { // the socket is empty
			switch {
			case events&hangUp == 0: // the next arrival is a new event
				return
			case s.state == closing && events&(unix.EPOLLERR|unix.EPOLLHUP) == 0:
				p.ended(s) // the server's FIN came before this read: it has no more to give
				return
			}
		}
	}
}

// ended is the server's close.
func (p *poller) ended(s *slot) {
	if s.state == closing {
		p.closeAfterResponse(s)
		return
	}
	if err := s.parser.end(); err != nil {
		p.fail(s, err)
		return
	}
	if p.loop.hold { // a body that ran until the close: the connection is over, held or not
		p.answered(s, true)
		return
	}
	p.closeAfterResponse(s)
}

// answered ends a request whose whole response arrived on a connection that stays open, for the next
// request or, with hold, to the end of the run; or that closes at once when the server does not keep it,
// or has closed its side already (serverDone).
func (p *poller) answered(s *slot, serverDone bool) {
	resp := s.parser.response()
	switch {
	case p.loop.hold:
		p.ep.remove(s.fd)
		p.loop.keep(s.fd)
		s.fd = -1
	case !resp.reusable:
		p.closeAfterResponse(s)
		return
	case serverDone:
		p.hangUp(s)
	}
	p.finish(s, answered(resp, s.fresh, 0))
}

// testHookBeforeClose, when set, runs after a whole response has been read and before the connection's
// pending error is checked: tests widen that window with it.
var testHookBeforeClose func(fd int)

// closeAfterResponse closes the connection once its response has been read, and counts a reset that came
// meanwhile as a failure, as ab does, though the response was whole.
func (p *poller) closeAfterResponse(s *slot) {
	if testHookBeforeClose != nil {
		testHookBeforeClose(s.fd)
	}
	err := pendingError(s.fd)
	p.hangUp(s)
	o := answered(s.parser.response(), s.fresh, 0)
	if err != nil {
		o.failure, o.err = classify(err), err
	}
	p.finish(s, o)
}

// fail ends the slot's request with err; when a kept-alive connection turns out closed by the server
// before it answered, it tries once more on a new connection, as ab does.
func (p *poller) fail(s *slot, err error) {
	p.hangUp(s)
	var idleClosed *noResponseError
	if !s.fresh && errors.As(err, &idleClosed) {
		p.begin(s)
		return
	}
	p.finish(s, outcome{failure: classify(err), err: err})
}

// expire fails the requests that outlived their timeout.
func (p *poller) expire(now time.Time) {
	for s := p.due.first; s != nil && !now.Before(s.due); s = p.due.first {
		p.fail(s, p.timeoutError()) // not a noResponseError: no second try
	}
}

func (p *poller) timeoutError() error {
	return fmt.Errorf("no response within %s: %w", p.loop.timeout, os.ErrDeadlineExceeded)
}

// failAll ends every request in flight with err.
func (p *poller) failAll(err error) {
	for s := p.due.first; s != nil; s = p.due.first {
		p.fail(s, err) // not a noResponseError: no second try
	}
}

// finish counts the slot's request, with its latency, and frees the slot for the next. A request that
// ended after its timeout (between two of the poller's coarse wake-ups) counts as timed out, as the
// timeout would have ended it.
func (p *poller) finish(s *slot, o outcome) {
	now := time.Now()
	if o.failure != timedOut && now.After(s.due) {
		o = outcome{failure: timedOut, err: p.timeoutError()}
	}
	if !o.answered {
		o.freshConn, o.local = s.fresh, s.local
	}
	o.latency = now.Sub(s.start)
	p.tally.add(o)
	p.loop.counters.record(o)
	s.state = idle
	p.due.remove(s)
	p.free = append(p.free, s)
}

// hangUp closes the slot's connection, if it has one.
func (p *poller) hangUp(s *slot) {
	if s.fd >= 0 {
		nbClose(s.fd, p.loop.reset)
		s.fd = -1
	}
	s.state = idle
}
