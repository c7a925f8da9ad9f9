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

// crew is a run's workers: their watchdogs, what each does, and what each tallies.
type crew struct {
	dogs    []*watchdog
	work    []func()
	tallies []*tally
}

func (c *crew) add(dog *watchdog, work func(), t *tally) {
	c.dogs, c.work, c.tallies = append(c.dogs, dog), append(c.work, work), append(c.tallies, t)
}

// drive runs each worker in a goroutine of its own until all are done, and draws the progress line
// meanwhile. When the run ends first, it stops the workers' watchdogs, which interrupts what they are
// doing; stopped reports that.
func (c *crew) drive(run context.Context, progress io.Writer, total int, counters *counters) (elapsed time.Duration, stopped bool) {
	stopWorkers := context.AfterFunc(run, func() {
		for _, d := range c.dogs {
			d.stop()
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
