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
		{"name: x\nrules: '-A -t 192.168.0.75:80 -s rr'\nload: {connections: 3}\nexpect: {splitt: {rs1: 1}}\n", `t.yaml:4:10: unknown field "splitt"; allowed: affinity, conservation, direct_return, distribution, exact, failures, model, model_shares, sequence, split`},
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
		got, err := pred.predict(inTurn([]netip.Addr{client}, p.Load.Connections), p.Load.Hold, nil)
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

func TestParseSaysWhatIsWrongWithAStep(t *testing.T) {
	const head = "name: x\nrules: '-A -t 192.168.0.75:80 -s rr'\nload: {connections: 10}\n"
	for _, tc := range []struct{ steps, want string }{
		{"steps: [{after: 3, fault: rs1 stop, sysctl: expire_nodest_conn=1}]", "steps[0]: give one of fault, rules and sysctl in each step (found 2)"},
		{"steps: [{after: 10, fault: rs1 stop}]", "steps[0].after: 10: want from 1 (the step before) to 9"},
		{"steps: [{after: 5, fault: rs1 stop}, {after: 4, fault: rs1 start}]", "steps[1].after: 4: want from 5"},
		{"steps: [{after: 3, fault: rs9 stop}]", `steps[0].fault: no host "rs9"`},
		{"steps: [{after: 3, fault: rs1 explode}]", `fault "explode": expected one of stop, start, hang, resume, link-down, link-up`},
		{"steps: [{after: 3, fault: client stop}]", "client runs no server to stop"},
		{"steps: [{after: 3, fault: rs1:eth0 stop}]", "stop acts on rs1's server, not on an interface"},
		{"steps: [{after: 3, sysctl: ip_forward=1}]", "expected NAME=VALUE, NAME one of conn_reuse_mode, expire_nodest_conn"},
		{"steps: [{after: 3, sysctl: expire_nodest_conn=7}]", "expected a value from 0 to 3"},
		{"steps: [{after: 3, rules: -d -t 192.168.0.75:80}]", "steps[0].rules"},
		{"expect: {failures: {rs1: {refussed: 2}}}", "expect.failures.rs1.refussed: unknown cause; expected one of refused, reset"},
		{"expect: {failures: {rs1: {refused: 11}}}", "expect.failures.rs1.refused: 11: more than the load's 10 connections"},
		{"expect: {failures: {rs1: {refused: 5-2}}}", `t.yaml:4:36: expected a count: 5, 1+ (at least) or 2-6 (a range), found "5-2"`},
		{"expect: {failures: {client: {refused: 1}}}", `"client" is not a real server`},
	} {
		_, err := Parse("t.yaml", []byte(head+tc.steps+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "t.yaml:") {
			t.Errorf("%s: got %v, want an error naming t.yaml: and %q", tc.steps, err, tc.want)
		}
	}
	udp := "name: x\nrules: '-A -u 192.168.0.75:53 -s rr'\nload: {protocol: udp, connections: 10}\nsteps: [{after: 3, fault: rs1 stop}]\n"
	if _, err := Parse("t.yaml", []byte(udp)); err == nil || !strings.Contains(err.Error(), "give protocol: tcp") {
		t.Errorf("steps in a UDP load: got %v, want them refused", err)
	}
}

func TestParseSaysWhatIsWrongWithReusedPortsAndSysctls(t *testing.T) {
	const first = "name: x\nphases:\n  - rules: '-A -t 192.168.0.75:80 -s rr'\n    load: {connections: 5}\n"
	for _, tc := range []struct{ yaml, want string }{
		{"name: x\nrules: '-A -t 192.168.0.75:80 -s rr'\nload: {reuse_ports: true}\n", "load.reuse_ports: reuses the previous phase's ports, and this is the first phase"},
		{first + "  - load: {connections: 6, reuse_ports: true}\n", "phases[1].load.reuse_ports: 6 connections, but the phase before made 5"},
		{first + "  - load: {connections: 5, reuse_ports: true, sources: 2}\n", "from the same address"},
		{first + "  - sysctls: [conn_reuse_mode=9]\n    load: {connections: 5}\n", "phases[1].sysctls[0]: conn_reuse_mode=9: expected a value from 0 to 3"},
		{first + "  - load: {connections: 5, keep_alive: true}\n    expect: {model: true}\n", "phases[1].load.keep_alive: the model predicts connections"},
		{first + "  - load: {connections: 5, timeout: -1s}\n", "phases[1].load.timeout: -1s"},
	} {
		_, err := Parse("t.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "t.yaml:") {
			t.Errorf("%q: got %v, want an error naming t.yaml: and %q", tc.yaml, err, tc.want)
		}
	}
}

func TestParseRefusesStepsTheChecksCannotFollow(t *testing.T) {
	const head = "name: x\nrules: |\n  -A -t 192.168.0.75:80 -s rr\n  -a -t 192.168.0.75:80 -r 172.16.0.45 -m\nload: {connections: 10}\n"
	for _, tc := range []struct{ yaml, want string }{
		{"steps: [{after: 3, fault: rs1 stop}]\nexpect: {distribution: true}\n", "expect.distribution: the simulated runs start from the phase's rules and follow no step"},
		{"steps: [{at: 1s, fault: rs1 stop}]\nexpect: {model: true}\n", "expect.model: the model follows steps after a count of connections"},
		{"steps: [{after: 3, fault: rs1 stop}, {at: 1s, fault: rs1 start}]\n", "steps: give a phase's steps all after a count of connections or all at a time"},
		{"steps: [{after: 3, fault: rs1 expire_nodest_conn=1}]\n", "expire_nodest_conn is a sysctl of the director's IPVS, and rs1 is not the director (director)"},
		{"steps: [{after: 3, at: 1s, fault: rs1 stop}]\n", "give after (connections ended) or at (time into the load), one of them"},
	} {
		_, err := Parse("t.yaml", []byte(head+tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
	sc, err := Parse("t.yaml", []byte(head+"steps: [{after: 3, fault: director expire_nodest_conn=1}]\n"))
	if err != nil || sc.Phases[0].Steps[0].Sysctl == nil || sc.Phases[0].Steps[0].Fault != nil {
		t.Errorf("a sysctl given as the director's fault: %+v, %v; want it read as a sysctl step", sc, err)
	}
}
