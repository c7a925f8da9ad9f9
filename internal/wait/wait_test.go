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
