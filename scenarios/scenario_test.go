package scenarios

import (
	"net/netip"
	"strings"
	"testing"
)

func TestTheSuiteLoads(t *testing.T) {
	suite, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range suite {
		names[s.Name] = true
	}
	for _, want := range []string{"rr", "wrr-tutorial", "sed-tutorial", "nq", "lc", "wlc", "sh", "dh", "mh", "lblc", "lblcr", "fo", "ovf", "weight-zero", "scheduler-change", "twos"} {
		if !names[want] {
			t.Errorf("the suite has no scenario %q", want)
		}
	}
}

func TestParseSaysWhatIsWrong(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"name: x\nrules: '-A -t 192.168.0.75:80 -s rr'\nload: {connections: 3}\nexpect: {splitt: {rs1: 1}}\n", `t.yaml:4:10: unknown field "splitt"; allowed: affinity, conservation, direct_return, distribution, exact, model, sequence, split`},
		{"name: x\nrules: '-A -t 192.168.0.75:80 -s rrr'\n", "rrr"},
		{"name: x\nrules: '-A -t 192.168.0.75:80 -s rr'\nexpect: {split: {rs9: 1}}\n", `"rs9" is not a real server`},
		{"name: x\nrules: '-A -t 192.168.0.75:80 -s rr'\nload: {concurrency: 5}\nexpect: {model: true}\n", "concurrency 1"},
		{"name: x\nrules: '-A -t 192.168.0.75:80 -s sh'\nexpect: {affinity: true}\n", "sources of 2 or more"},
		{"rules: '-A -t 192.168.0.75:80 -s rr'\n", "name: missing"},
	} {
		_, err := Parse("t.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "t.yaml") {
			t.Errorf("%q: got %v, want an error naming t.yaml and %q", tc.yaml, err, tc.want)
		}
	}
}

// TestSuiteSequencesAgreeWithTheModel checks the written expectations against the reference model
// before any kernel is asked: a scenario whose sequence and model disagree could never pass.
func TestSuiteSequencesAgreeWithTheModel(t *testing.T) {
	suite, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range suite {
		p := s.Phases[0]
		if p.Expect.Sequence == "" || !p.Expect.Model {
			continue
		}
		pred := &predictor{topo: s.Topology}
		for _, c := range p.Rules {
			pred.apply(c)
		}
		client := s.Topology.Host(p.Load.From).Interfaces[0].Address.Addr()
		got, err := pred.predict(inTurn([]netip.Addr{client}, p.Load.Connections), p.Load.Hold)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Fields(p.Expect.Sequence); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: the model predicts %v, the scenario expects %v", s.Name, got, want)
		}
	}
}

// Every deterministic scheduler has a scenario that holds the kernel to the reference model, connection by
// connection: the differential test, which make test runs on Debian's 6.1 and 6.12 kernels side by side
// (cmd/lvslab's TestVMKernelMatrixOf61And612).
func TestTheModelIsComparedWithTheKernelForEveryDeterministicScheduler(t *testing.T) {
	suite, err := Suite()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, sc := range suite {
		if sc.Phases[0].Expect.Model {
			for _, s := range schedulers(sc) {
				covered[s] = true
			}
		}
	}
	for _, s := range []string{"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "dh", "sh", "mh", "lblc", "lblcr"} {
		if !covered[s] {
			t.Errorf("no scenario compares the model with the kernel for %s", s)
		}
	}
}
