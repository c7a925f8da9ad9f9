package vm

import (
	"testing"
)

// The client takes what the agent granted, never more, and nothing once the connection is done.
func TestCreditGivesWhatTheAgentGranted(t *testing.T) {
	c := newCredit()
	c.add(4)
	if n := c.take(10); n != 4 {
		t.Errorf("took %d, want the 4 granted", n)
	}
	c.add(10)
	if a, b := c.take(6), c.take(6); a != 6 || b != 4 {
		t.Errorf("took %d then %d of 10, want 6 then 4", a, b)
	}
	c.close()
	if n := c.take(10); n != 0 {
		t.Errorf("took %d after close, want 0", n)
	}
}
