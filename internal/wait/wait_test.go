package wait

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUntilReturnsOnceDone(t *testing.T) {
	calls := 0
	err := Until(context.Background(), time.Second, func() (bool, string) { calls++; return calls == 3, "not yet" })
	if err != nil || calls != 3 {
		t.Errorf("got %v after %d calls, want nil after 3", err, calls)
	}
}

func TestUntilGivesTheLastReasonOnTimeout(t *testing.T) {
	err := Until(context.Background(), 20*time.Millisecond, func() (bool, string) { return false, "still 3 entries" })
	if err == nil || !strings.Contains(err.Error(), "gave up after 20ms: still 3 entries") {
		t.Errorf("got %v", err)
	}
}

func TestUntilStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Until(ctx, time.Minute, func() (bool, string) { return false, "waiting" })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// Every looks no more often than its interval, and gives up with the last reason like Until.
func TestEveryKeepsItsInterval(t *testing.T) {
	var looks int
	err := Every(context.Background(), 50*time.Millisecond, 20*time.Millisecond, func() (bool, string) {
		looks++
		return false, "not yet"
	})
	if err == nil || !strings.Contains(err.Error(), "not yet") {
		t.Errorf("got %v, want the last reason", err)
	}
	if looks > 5 { // 0, 20, 40, 60 ms: Until's doubling from 100µs would have looked a dozen times
		t.Errorf("looked %d times in 50 ms at a 20 ms interval", looks)
	}
}
