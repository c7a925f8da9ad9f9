package loadgen

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is written by the progress goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestProgressRedrawsOneLineAndClearsIt(t *testing.T) {
	rs1 := startServer(t, "rs1", nil)
	var out lockedBuffer
	measure(t, Run, Options{URL: rs1.url, Requests: 1 << 30, Concurrency: 2, TimeLimit: 350 * time.Millisecond, Progress: &out})

	got := out.String()
	if n := strings.Count(got, "\r"); n < 3 || strings.Contains(got, "\n") {
		t.Errorf("want three or more redraws of one line, got %d:\n%q", n, got)
	}
	if !strings.Contains(got, "/1073741824 requests") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("progress output %q", got)
	}
}

func TestDrawProgress(t *testing.T) {
	var b strings.Builder
	drawProgress(&b, 250, 1000, 3, 2*time.Second)
	if want := "\r[#######.......................] 250/1000 requests   25%  125 req/s  3 failed\x1b[K"; b.String() != want {
		t.Errorf("drawProgress wrote %q, want %q", b.String(), want)
	}
}
