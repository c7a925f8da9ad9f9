package scenarios

import (
	"context"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// unrunnable is a scenario whose first rule adds a real server to no service: Run gives up on it at once,
// before any lab, so RunSuite's ordering can be watched without root.
func unrunnable(name string, connections int) *Scenario {
	add := ipvsadm.Command{Op: ipvsadm.OpAddDest, Service: ipvsadm.Service{ServiceKey: ipvsadm.ServiceKey{Protocol: ipvsadm.TCP,
		Addr: netip.MustParseAddrPort("192.168.0.75:80")}}, Dest: ipvsadm.Dest{Addr: netip.MustParseAddrPort("172.16.0.45:80")}}
	return &Scenario{Name: name, Topology: topology.Default(), Phases: []*Phase{{Rules: []ipvsadm.Command{add}, Load: Load{Connections: connections}}}}
}

func TestRunSuiteReportsInTheSuitesOrder(t *testing.T) {
	var suite []*Scenario
	for i, n := range []int{10, 5000, 1, 300, 20000, 7} {
		suite = append(suite, unrunnable(strings.Repeat("s", i+1), n))
	}
	var calls atomic.Int32
	var seen []string
	outcomes := RunSuite(context.Background(), suite, SuiteOptions{Parallel: 3, Done: func(o *Outcome) {
		calls.Add(1)
		seen = append(seen, o.Scenario.Name)
	}})
	if len(outcomes) != len(suite) || int(calls.Load()) != len(suite) {
		t.Fatalf("%d outcomes and %d reports, want %d of each", len(outcomes), calls.Load(), len(suite))
	}
	for i, o := range outcomes {
		if o.Scenario != suite[i] || seen[i] != suite[i].Name {
			t.Errorf("outcome %d is %s, reported %s: want %s, the suite's order", i, o.Scenario.Name, seen[i], suite[i].Name)
		}
		if o.Err == nil {
			t.Errorf("%s: no error for a rule that adds a real server to no service", o.Scenario.Name)
		}
	}
}

func TestRunSuiteStartsNothingOnceInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if out := RunSuite(ctx, []*Scenario{unrunnable("a", 1), unrunnable("b", 1)}, SuiteOptions{Parallel: 2}); len(out) != 0 {
		t.Errorf("%d scenarios ran after the interrupt, want none", len(out))
	}
}

func TestLabNamesAreDistinctAndShort(t *testing.T) {
	var suite []*Scenario
	for _, n := range []string{"rr", "rr", "a-very-long-scenario-name-one", "a-very-long-scenario-name-two", "rr"} {
		suite = append(suite, &Scenario{Name: n})
	}
	names := labNames(suite)
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] || len(n) > 22 {
			t.Errorf("lab names %v: %q repeats or is longer than 22 characters", names, n)
		}
		seen[n] = true
	}
	if names[0] != "t-rr" {
		t.Errorf("first lab %q, want t-rr", names[0])
	}
}
