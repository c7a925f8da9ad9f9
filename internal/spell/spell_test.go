package spell

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"weight", "weight", 0},
		{"wieght", "weight", 1}, // a transposition is one edit
		{"gatway", "gateway", 1},
		{"sched", "scheduler", 4},
		{"", "abc", 3},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
