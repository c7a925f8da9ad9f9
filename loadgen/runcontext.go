package loadgen

import (
	"context"
	"fmt"
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
