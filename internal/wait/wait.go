// Package wait polls for a state with a deadline: lvslab never sleeps a fixed time for something to happen.
package wait

import (
	"context"
	"fmt"
	"time"
)

// Until calls check until it reports done, the timeout passes, or ctx ends. The interval starts at 100µs
// and doubles up to 10ms: most lab state (a link's carrier, a process's exit) settles within a millisecond.
// On timeout the error carries the last reason check gave.
func Until(ctx context.Context, timeout time.Duration, check func() (done bool, why string)) error {
	return poll(ctx, timeout, 100*time.Microsecond, func(d time.Duration) time.Duration { return min(d*2, 10*time.Millisecond) }, check)
}

// Every is Until with a fixed interval, for a check that costs too much to make more often (one that reads
// a whole lab, say).
func Every(ctx context.Context, timeout, interval time.Duration, check func() (done bool, why string)) error {
	return poll(ctx, timeout, interval, func(d time.Duration) time.Duration { return d }, check)
}

func poll(ctx context.Context, timeout, interval time.Duration, next func(time.Duration) time.Duration, check func() (bool, string)) error {
	deadline := time.Now().Add(timeout)
	for {
		done, why := check()
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %v: %s", timeout, why)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w while waiting: %s", ctx.Err(), why)
		case <-t.C:
		}
		interval = next(interval)
	}
}
