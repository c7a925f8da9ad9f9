package scenarios

import (
	"cmp"
	"slices"
	"time"
)

// Shard is part k of n (1 ≤ k ≤ n) of the suite, in the suite's order: the scenarios, longest first by
// Estimate (then by name), each go to the part with the least estimated time so far (the lowest numbered
// of equals). It depends only on the scenarios, so every job of a CI matrix that runs part k of n runs
// the same ones, and the n parts together run each scenario once.
func Shard(suite []*Scenario, k, n int) []*Scenario {
	order := slices.Clone(suite)
	slices.SortStableFunc(order, func(a, b *Scenario) int {
		return cmp.Or(cmp.Compare(Estimate(b), Estimate(a)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Source, b.Source))
	})
	load := make([]time.Duration, n)
	mine := map[*Scenario]bool{}
	for _, sc := range order {
		part := 0
		for i := range load {
			if load[i] < load[part] {
				part = i
			}
		}
		load[part] += Estimate(sc)
		if part == k-1 {
			mine[sc] = true
		}
	}
	var out []*Scenario
	for _, sc := range suite {
		if mine[sc] {
			out = append(out, sc)
		}
	}
	return out
}
