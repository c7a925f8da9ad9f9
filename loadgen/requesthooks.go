package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
)

// requestHooks wraps the transport under vegeta's client. It notes which
// requests opened a connection rather than reused one, by vegeta's sequence
// header, so that a connection is attributed to the server of its first
// response; and it lets the end of the run abort requests in flight.
type requestHooks struct {
	run    context.Context
	next   http.RoundTripper
	mu     sync.Mutex
	opened map[uint64]bool // by X-Vegeta-Seq
}

func newRequestHooks(run context.Context, next http.RoundTripper) *requestHooks {
	return &requestHooks{run: run, next: next, opened: map[uint64]bool{}}
}

func (h *requestHooks) RoundTrip(req *http.Request) (*http.Response, error) {
	seq, seqErr := strconv.ParseUint(req.Header.Get("X-Vegeta-Seq"), 10, 64)
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if seqErr == nil && !info.Reused {
			h.mu.Lock()
			h.opened[seq] = true
			h.mu.Unlock()
		}
	}}
	ctx, cancel := context.WithCancel(httptrace.WithClientTrace(req.Context(), trace))
	stopWatch := context.AfterFunc(h.run, cancel)
	done := func() {
		stopWatch()
		cancel()
	}
	resp, err := h.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		done()
		return nil, err
	}
	resp.Body = &bodyThen{ReadCloser: resp.Body, then: done}
	return resp, nil
}

// openedConnection reports, once, whether request seq opened its connection.
func (h *requestHooks) openedConnection(seq uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	opened := h.opened[seq]
	delete(h.opened, seq)
	return opened
}

// bodyThen calls then once the body is closed: the request's context must
// outlive the reading of its body.
type bodyThen struct {
	io.ReadCloser
	then func()
}

func (b *bodyThen) Close() error {
	err := b.ReadCloser.Close()
	b.then()
	return err
}
