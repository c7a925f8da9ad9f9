package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/assert"
)

// stepper does a phase's steps at the load's pauses, on the lab.
type stepper struct {
	r     *runner
	steps []Step
	done  []string // what each step did, for the report
}

// pauses are the connection counts the load stops at: one per distinct Step.After.
func (st *stepper) pauses() []int {
	var out []int
	for _, s := range st.steps {
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
		st.done = append(st.done, fmt.Sprintf("after %d connections: %s", ended, what))
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
func failuresVerdict(want map[string]map[string]int, failed []failure, requests int) assert.Verdict {
	counted := map[string]map[string]int{}
	for _, f := range failed {
		if counted[f.server] == nil {
			counted[f.server] = map[string]int{}
		}
		counted[f.server][f.Failure]++
	}
	v := assert.Verdict{Name: "failures", Pass: true}
	var diffs []string
	for _, server := range slices.Sorted(maps.Keys(union(want, counted))) {
		for _, cause := range slices.Sorted(maps.Keys(union(want[server], counted[server]))) {
			if w, g := want[server][cause], counted[server][cause]; w != g {
				v.Pass = false
				diffs = append(diffs, fmt.Sprintf("%s %s: %d, want %d", server, cause, g, w))
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

// union is the keys of a and b, as a map.
func union[V any](a, b map[string]V) map[string]V {
	out := map[string]V{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
