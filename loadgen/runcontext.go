package loadgen

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// runContext ends when ctx does or after limit. Unlike context.WithTimeout it
// carries no deadline: a dial under a deadline fails on its own at that instant,
// a moment before the end of the run shows in Err, and would count as a failure.
func runContext(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopWatching := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(limit, cancel)
	return run, func() {
		stopWatching()
		timer.Stop()
		cancel()
	}
}

// endOfRun tells a run stopped by its TimeLimit (a result) from one stopped by
// its caller (an error).
func endOfRun(ctx context.Context, stopped bool, res *Result) error {
	if !stopped {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("loadgen: run interrupted after %d requests: %w", res.Requests, context.Cause(ctx))
	}
	res.TimeLimitReached = true
	return nil
}

// crew is a run's workers: how to stop each, what each does, what each tallies, and what each leaves to
// close once the run is over.
type crew struct {
	stops   []func()
	work    []func()
	tallies []*tally
	closers []func()
}

func (c *crew) add(stop, work func(), t *tally) {
	c.stops, c.work, c.tallies = append(c.stops, stop), append(c.work, work), append(c.tallies, t)
}

// close releases what the workers leave behind.
func (c *crew) close() {
	for _, f := range c.closers {
		f()
	}
}

// drive runs each worker in a goroutine of its own until all are done, and draws the progress line
// meanwhile. When the run ends first, it stops the workers, which interrupts what they are doing;
// stopped reports that.
func (c *crew) drive(run context.Context, progress io.Writer, total int, counters *counters) (elapsed time.Duration, stopped bool) {
	stopWorkers := context.AfterFunc(run, func() {
		for _, stop := range c.stops {
			stop()
		}
	})
	stopProgress := showProgress(progress, total, counters)
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range c.work {
		wg.Go(w)
	}
	wg.Wait()
	elapsed = time.Since(start)
	stopped = !stopWorkers()
	stopProgress()
	return elapsed, stopped
}
