package scenarios

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestShardsRunEveryScenarioOnceAndBalance(t *testing.T) {
	suite, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for _, sc := range suite {
		total += Estimate(sc)
	}
	for n := 1; n <= 5; n++ {
		count := map[string]int{}
		var longest time.Duration
		for k := 1; k <= n; k++ {
			part := Shard(suite, k, n)
			var d time.Duration
			for _, sc := range part {
				count[sc.Name]++
				d += Estimate(sc)
			}
			longest = max(longest, d)
			if again := Shard(suite, k, n); !slices.Equal(scenarioNames(again), scenarioNames(part)) {
				t.Errorf("shard %d/%d differs from one call to the next", k, n)
			}
		}
		for _, sc := range suite {
			if count[sc.Name] != 1 {
				t.Errorf("%d shards: %s runs in %d of them, want 1", n, sc.Name, count[sc.Name])
			}
		}
		// No part much above an even share, unless one scenario alone is longer (wrr-tutorial's load).
		if share := total / time.Duration(n); longest > share+share/4 && longest > Estimate(builtInNamed(t, suite, "wrr-tutorial")) {
			t.Errorf("%d shards: the longest is estimated at %s, an even share is %s", n, longest, share)
		}
	}
}

// The suite's order does not change what a shard holds: each job may list the scenarios its own way.
func TestShardDoesNotDependOnTheSuitesOrder(t *testing.T) {
	suite, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(suite)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for k := 1; k <= 3; k++ {
		a, b := scenarioNames(Shard(suite, k, 3)), scenarioNames(Shard(shuffled, k, 3))
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("shard %d/3 holds %v from the suite, %v from it shuffled", k, a, b)
		}
	}
}

func builtInNamed(t *testing.T, suite []*Scenario, name string) *Scenario {
	for _, sc := range suite {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no built-in scenario %s", name)
	return nil
}
