package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/scenarios/matrix"
)

// The example workflow for GitHub Actions (which make lint checks with actionlint) asks lvslab for what
// it can do: kernels lvslab test --kernel takes, and shards 1 to N of N, every one of them.
func TestTheExampleWorkflowAsksForWhatLvslabDoes(t *testing.T) {
	data, err := os.ReadFile("../../docs/ci/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Kernel []string `yaml:"kernel"`
					Shard  []int    `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	job, ok := wf.Jobs["scenarios"]
	if !ok {
		t.Fatal("no scenarios job")
	}
	m := job.Strategy.Matrix
	if _, err := matrix.ParseKernels(m.Kernel); err != nil || len(m.Kernel) < 2 {
		t.Errorf("kernels %v: %v; want two or more that --kernel takes", m.Kernel, err)
	}
	for i, k := range m.Shard {
		if k != i+1 {
			t.Errorf("shards %v: want 1 to %d", m.Shard, len(m.Shard))
		}
	}
	var test, merge string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			switch {
			case strings.Contains(s.Run, "lvslab test"):
				test = s.Run
			case strings.Contains(s.Run, "lvslab report merge"):
				merge = s.Run
			}
		}
	}
	if want := fmt.Sprintf(`--shard "${{ matrix.shard }}/%d"`, len(m.Shard)); !strings.Contains(test, want) || !strings.Contains(test, "--json") {
		t.Errorf("the test step %q: want %s and --json", test, want)
	}
	if !strings.Contains(merge, "--junit") {
		t.Errorf("the merge step %q: want a JUnit report", merge)
	}
}
