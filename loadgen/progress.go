package loadgen

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// counters are the live totals that the progress line shows.
type counters struct {
	done, failed atomic.Int64
}

func (c *counters) record(o outcome) {
	c.done.Add(1)
	if o.failure != noFailure {
		c.failed.Add(1)
	}
}

const progressInterval = 100 * time.Millisecond

// showProgress redraws one line on w until the returned stop is called, which
// clears the line. A nil w shows nothing.
func showProgress(w io.Writer, total int, c *counters) (stop func()) {
	if w == nil {
		return func() {}
	}
	start := time.Now()
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(progressInterval)
		defer ticker.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-ticker.C:
				drawProgress(w, c.done.Load(), int64(total), c.failed.Load(), time.Since(start))
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

const barWidth = 30

func drawProgress(w io.Writer, done, total, failed int64, elapsed time.Duration) {
	fraction := min(float64(done)/float64(max(total, 1)), 1)
	filled := int(fraction * barWidth)
	bar := strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled)
	rate := float64(done) / max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(w, "\r[%s] %d/%d requests  %3.0f%%  %.0f req/s  %d failed\x1b[K", bar, done, total, 100*fraction, rate, failed)
}
