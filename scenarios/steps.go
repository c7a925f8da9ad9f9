package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lvslab/lvslab/assert"
)

// stepper does a phase's steps on the lab: at the load's pauses, and at their times into the load.
type stepper struct {
	r     *runner
	steps []Step

	mu   sync.Mutex
	done []string // what each step did, for the report
}

func (st *stepper) did(what string) {
	st.mu.Lock()
	st.done = append(st.done, what)
	st.mu.Unlock()
}

// pauses are the connection counts the load stops at: one per distinct Step.After.
func (st *stepper) pauses() []int {
	var out []int
	for _, s := range st.steps {
		if s.After == 0 {
			continue // a step at a time
		}
		if len(out) == 0 || out[len(out)-1] != s.After {
			out = append(out, s.After)
		}
	}
	return out
}

// pause does the steps due once ended connections have ended, in the order the scenario gives them.
func (st *stepper) pause(ctx context.Context, ended int) error {
	for _, s := range st.steps {
		if s.After != ended {
			continue
		}
		what, err := st.r.step(ctx, s)
		if err != nil {
			return fmt.Errorf("step %s: %w", s, err)
		}
		st.did(fmt.Sprintf("after %d connections: %s", ended, what))
	}
	return nil
}

// timed does the steps given a time while the load runs, each that long after the load started; the
// returned finish, called once the load is over, stops them and says which could not be done.
func (st *stepper) timed(ctx context.Context) (finish func() error) {
	ctx, cancel := context.WithCancel(ctx)
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		errc <- st.atTimes(ctx, start)
	}()
	return func() error {
		cancel()
		return <-errc
	}
}

func (st *stepper) atTimes(ctx context.Context, start time.Time) error {
	for _, s := range st.steps {
		if s.At == 0 {
			continue
		}
		timer := time.NewTimer(time.Until(start.Add(s.At)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("step at %s (%s): the load ended after %s, before it; give the load more connections, or the step an earlier at",
				s.At, s, time.Since(start).Round(time.Millisecond))
		case <-timer.C:
		}
		what, err := st.r.step(ctx, s)
		if err != nil {
			return fmt.Errorf("step at %s (%s): %w", s.At, s, err)
		}
		st.did(fmt.Sprintf("at %s: %s", s.At, what))
	}
	return nil
}

// step does one step on the lab and says what it left.
func (r *runner) step(ctx context.Context, s Step) (string, error) {
	switch {
	case s.Fault != nil:
		return r.l.ApplyFault(ctx, *s.Fault)
	case s.Sysctl != nil:
		return "net.ipv4.vs." + s.Sysctl.String(), r.l.SetDirectorSysctl(*s.Sysctl)
	}
	for _, c := range s.Rules {
		if err := r.l.ApplyRule(ctx, c); err != nil {
			return "", err
		}
		r.rules = append(r.rules, c)
	}
	return s.String(), nil
}

// stepsAt mirrors the phase's steps in the model, each before the connection that followed it: a
// function for predict. A sysctl changes nothing the model follows.
func (p *predictor) stepsAt(steps []Step) func(i int) {
	return func(i int) {
		for _, s := range steps {
			if s.After == i {
				p.step(s)
			}
		}
	}
}

func (p *predictor) step(s Step) {
	if s.Fault != nil {
		p.fault(*s.Fault)
	}
	for _, c := range s.Rules {
		p.apply(c)
	}
}

// skipSteps brings the model to the end of a phase it did not predict: its steps' rules and faults hold
// for the next phases.
func (p *predictor) skipSteps(steps []Step) {
	for _, s := range steps {
		p.step(s)
	}
}

// failuresVerdict compares what failed (connections, and requests on kept ones), per server and cause,
// with what the scenario expects: every server and cause it names, and none elsewhere.
func failuresVerdict(want map[string]map[string]Count, failed []failure, requests int) assert.Verdict {
	counted := map[string]map[string]int{}
	for _, f := range failed {
		if counted[f.server] == nil {
			counted[f.server] = map[string]int{}
		}
		counted[f.server][f.Failure]++
	}
	v := assert.Verdict{Name: "failures", Pass: true}
	var diffs []string
	for _, server := range keysOfBoth(want, counted) {
		for _, cause := range keysOfBoth(want[server], counted[server]) {
			if w, g := want[server][cause], counted[server][cause]; !w.Holds(g) {
				v.Pass = false
				diffs = append(diffs, fmt.Sprintf("%s %s: %d, want %s", server, cause, g, w))
			}
		}
	}
	v.Summary = fmt.Sprintf("%d of %d requests failed: %s", len(failed), requests, describeFailures(counted))
	v.Detail = strings.Join(diffs, "\n")
	return v
}

func describeFailures(counted map[string]map[string]int) string {
	var parts []string
	for _, server := range slices.Sorted(maps.Keys(counted)) {
		for _, cause := range slices.Sorted(maps.Keys(counted[server])) {
			parts = append(parts, fmt.Sprintf("%s %d %s", server, counted[server][cause], cause))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// keysOfBoth is the keys of a and b, sorted, each once.
func keysOfBoth[A, B any](a map[string]A, b map[string]B) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
