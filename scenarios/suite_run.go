package scenarios

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
)

// SuiteOptions say how RunSuite runs scenarios.
type SuiteOptions struct {
	// Parallel is how many scenarios run at once, each in a lab of its own (default 1). Labs share
	// nothing that scheduling reads: each director has its own namespace, hence its own IPVS table,
	// connection entries, counters and sysctls.
	Parallel int
	StateDir string // default lab.StateDir()
	// Done, if set, is called with each outcome in the suite's order, as soon as it and every one before
	// it have ended; never concurrently.
	Done func(*Outcome)
}

// RunSuite runs the scenarios, Parallel at a time, the longest (by Estimate) first so that the last to
// start are short, and returns their outcomes in the suite's order. When ctx ends, scenarios not yet
// started are left out: the outcomes are of those that ran.
func RunSuite(ctx context.Context, suite []*Scenario, o SuiteOptions) []*Outcome {
	parallel := max(1, o.Parallel)
	order := make([]int, len(suite))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(Estimate(suite[b]), Estimate(suite[a])) })
	names := labNames(suite)

	outcomes := make([]*Outcome, len(suite))
	var mu sync.Mutex
	next := 0
	report := func() { // with mu held
		for next < len(suite) && outcomes[next] != nil {
			if o.Done != nil {
				o.Done(outcomes[next])
			}
			next++
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, len(suite)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out := Run(ctx, suite[i], RunOptions{LabName: names[i], StateDir: o.StateDir})
				mu.Lock()
				outcomes[i] = out
				report()
				mu.Unlock()
			}
		}()
	}
	for _, i := range order {
		if ctx.Err() != nil {
			break
		}
		select {
		case work <- i:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	var ran []*Outcome
	mu.Lock()
	defer mu.Unlock()
	for i, out := range outcomes {
		if out == nil {
			continue
		}
		if i >= next && o.Done != nil {
			o.Done(out) // after a scenario that never started
		}
		ran = append(ran, out)
	}
	return ran
}

// labNames gives each scenario a lab name of its own, short enough for the hosts' namespace names: "t-"
// and at most 20 characters of the scenario's name, then a number where two would share one.
func labNames(suite []*Scenario) []string {
	names := make([]string, len(suite))
	used := map[string]bool{}
	for i, sc := range suite {
		n := labName(sc.Name)
		for k := 2; used[n]; k++ {
			suffix := fmt.Sprintf("-%d", k)
			n = labName(sc.Name[:min(len(sc.Name), 20-len(suffix))] + suffix)
		}
		used[n] = true
		names[i] = n
	}
	return names
}
