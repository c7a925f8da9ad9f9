//go:build linux

package guest

import (
	"fmt"
	"io"
	"sync"

	"github.com/lvslab/lvslab/vm/proto"
)

// stdinPump holds what the client sent for a command's stdin until the command reads it. The client may
// send only as much as it was granted (FrameCredit); the pump grants more as the command takes it. So the
// agent reads every frame as it comes, and a signal or a hang-up is never stuck behind unread input.
type stdinPump struct {
	mu      sync.Mutex
	queue   [][]byte
	granted int  // bytes the client may still send
	eof     bool // the client's stdin ended
	stopped bool
	wake    chan struct{}
}

func newStdinPump() *stdinPump { return &stdinPump{wake: make(chan struct{}, 1)} }

// push queues a frame of stdin; more than the client was granted breaks the protocol.
func (p *stdinPump) push(b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(b) > p.granted {
		return fmt.Errorf("agent: the client sent %d bytes of stdin when it was granted %d; the connection is corrupt", len(b), p.granted)
	}
	p.granted -= len(b)
	p.queue = append(p.queue, b)
	p.signal()
	return nil
}

// end marks the end of the client's stdin: once what is queued is written, the command's stdin closes.
func (p *stdinPump) end() {
	p.mu.Lock()
	p.eof = true
	p.signal()
	p.mu.Unlock()
}

// stop ends the pump: the command is gone, or its client.
func (p *stdinPump) stop() {
	p.mu.Lock()
	p.stopped = true
	p.signal()
	p.mu.Unlock()
}

func (p *stdinPump) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// grant lets the client send n more bytes.
func (p *stdinPump) grant(n int, send func(uint32) error) error {
	p.mu.Lock()
	p.granted += n
	p.mu.Unlock()
	return send(uint32(n))
}

// next waits for the next piece of input; eof once the client's stdin ended and all is written, done when
// the pump is stopped.
func (p *stdinPump) next() (b []byte, eof, done bool) {
	for {
		p.mu.Lock()
		switch {
		case p.stopped:
			p.mu.Unlock()
			return nil, false, true
		case len(p.queue) > 0:
			b, p.queue = p.queue[0], p.queue[1:]
			p.mu.Unlock()
			return b, false, false
		case p.eof:
			p.mu.Unlock()
			return nil, true, false
		}
		p.mu.Unlock()
		<-p.wake
	}
}

// run grants the first window, then writes the input to w and grants what was written, until the input
// ends (w is then closed when closeAtEOF), the command stops reading, or the pump is stopped.
func (p *stdinPump) run(w io.WriteCloser, closeAtEOF bool, send func(uint32) error) {
	if p.grant(proto.StdinWindow, send) != nil {
		return
	}
	for {
		b, eof, done := p.next()
		switch {
		case done:
			return
		case eof:
			if closeAtEOF {
				w.Close()
			}
			return
		}
		if _, err := w.Write(b); err != nil {
			return // the command closed its stdin: the client's input waits for credit that never comes
		}
		if p.grant(len(b), send) != nil {
			return
		}
	}
}
