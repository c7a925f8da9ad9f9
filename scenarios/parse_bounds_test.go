package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const rrRules = "rules: |\n  -A -t 192.168.0.75:80 -s rr\n  -a -t 192.168.0.75:80 -r 172.16.0.45 -m\n  -a -t 192.168.0.75:80 -r 172.16.0.55 -m\n"

// Values that once passed the parser and failed late, never, or by eating the machine's memory.
func TestParseChecksEveryValueWithItsPosition(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"a sequence without bound", rrRules + "load: {connections: 4}\nexpect: {sequence: rs1*9999999999999}\n",
			"t.yaml:7:20: expect.sequence: item \"rs1*9999999999999\" takes the sequence past 4 entries"},
		{"a sequence of a host that is not a server", rrRules + "load: {connections: 2}\nexpect: {sequence: rs1 client}\n",
			`t.yaml:7:20: expect.sequence: "client" is not a real server`},
		{"a sequence of no host", rrRules + "load: {connections: 2}\nexpect: {sequence: rs1 rs9}\n", `"rs9" is not a real server`},
		{"a sequence shorter than the load", rrRules + "load: {connections: 4}\nexpect: {sequence: rs1 rs2}\n",
			"expect.sequence: 2 servers for 4 connections: give one for each"},
		{"a negative weight", rrRules + "expect: {split: {rs1: 3, rs2: -1}}\n", "t.yaml:6:26: expect.split.rs2: weight -1: want 0"},
		{"only zero weights", rrRules + "expect: {split: {rs1: 0, rs2: 0}}\n", "expect.split: every weight is 0"},
		{"a URL outside the lab", rrRules + "load: {url: 'http://10.9.9.9/'}\n", "t.yaml:6:13: load.url: 10.9.9.9 is not an address of this lab"},
		{"a URL with a name", rrRules + "load: {url: 'http://example.com/'}\n", `load.url: "example.com": give an address, not a name`},
		{"too many connections", rrRules + "load: {connections: 100000000}\n", "t.yaml:6:21: load.connections: 100000000: want 1 to 100000"},
		{"a negative timeout", rrRules + "timeouts: {tcp: -5}\n", "t.yaml:6:17: timeouts.tcp: -5"},
		{"a topology above the scenario", "topology: ../../../../etc/passwd\n" + rrRules, `t.yaml:2:11: topology: "../../../../etc/passwd": expected a built-in topology`},
		{"a topology at an absolute path", "topology: /etc/passwd\n" + rrRules, "without .. or a leading /"},
		{"an empty file", "", "t.yaml: the file is empty"},
		{"a list, not a mapping", "- a\n- b\n", "t.yaml:1:1: expected a mapping"},
		{"a wrong type", rrRules + "load: {connections: many}\n", `t.yaml:6:21: expected a whole number, found "many"`},
		{"a phase's field", "name: x\nphases:\n  - " + strings.ReplaceAll(rrRules, "\n  ", "\n      ") + "    load: {sources: -2}\n",
			"t.yaml:7:21: phases[0].load.sources: -2"},
		{"YAML syntax", "name: x\nrules: [\n", "t.yaml:3:1: YAML syntax"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := c.yaml
			if !strings.HasPrefix(data, "name:") && data != "" && !strings.HasPrefix(data, "- ") {
				data = "name: x\n" + data
				// every position in the cases counts that first line
			}
			_, err := Parse("t.yaml", []byte(data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

func TestParseRefusesAnOversizedFile(t *testing.T) {
	_, err := Parse("big.yaml", []byte("name: x\n#"+strings.Repeat("x", MaxFileBytes)))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("got %v", err)
	}
}

// A topology file beside the scenario is found from the scenario's folder, not the working directory,
// and a topology's errors keep their own positions.
func TestScenarioTopologyBesideTheFile(t *testing.T) {
	dir := t.TempDir()
	topo, err := os.ReadFile("../topology/embedded/nat-walkthrough.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "mine.yaml"), topo, 0o644)
	sc := filepath.Join(dir, "sc.yaml")
	os.WriteFile(sc, []byte("name: x\ntopology: mine.yaml\n"+rrRules), 0o644)
	if _, err := LoadFile(sc); err != nil {
		t.Errorf("a topology beside the scenario: %v", err)
	}
}
