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
	deadline := time.Now().Add(timeout)
	interval := 100 * time.Microsecond
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
		interval = min(interval*2, 10*time.Millisecond)
	}
}
