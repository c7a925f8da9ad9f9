package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/graph"
	"github.com/lvslab/lvslab/topology"
)

// failedWRR is a report whose wrr scenario failed a wrong expectation: its split and its sequence.
func failedWRR(t *testing.T) *Report {
	r := oneRun(kernel61(), "", "rr", "fail:wrr-wrong")
	res := &r.Results[1]
	res.About = `weights 3 and 1 said to split 1:1 <script>alert("x")</script>`
	res.Diagram = graph.Of(topology.Default())
	exp := strings.Fields("rs1 rs2 rs1 rs2 rs1 rs2 rs1 rs2")
	obs := strings.Fields("rs1 rs1 rs1 rs2 rs1 rs1 rs1 rs2")
	seq := assert.Sequence(exp, obs)
	split := assert.ProportionsWithin(map[string]float64{"rs1": 1, "rs2": 1}, map[string]int{"rs1": 6, "rs2": 2}, 0)
	res.Phases[0].Verdicts = []Verdict{
		{Name: seq.Name, Summary: seq.Summary, Detail: seq.Detail, Split: seq.Split, Order: seq.Order},
		{Name: split.Name, Summary: split.Summary, Detail: split.Detail, Split: split.Split},
	}
	return roundTrip(t, r)
}

func TestHTMLShowsEachScenarioItsBarsAndTheFirstDifference(t *testing.T) {
	var b bytes.Buffer
	if err := failedWRR(t).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<tr class="pass" data-scenario="rr">`, `<tr class="fail" data-scenario="wrr-wrong">`,
		`kernel   6.1.0-57-amd64 (Debian linux-image-6.1.0-57-amd64 6.1.192-3)`, // the header
		`data-host="director"`, `data-server="rs1"`, "observed 6 ✗ outside 4",
		"the first difference is connection #2 of 8",
		`<section id="r1-wrr-wrong" class="scenario fail" data-scenario="wrr-wrong">` + "\n<details open>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	first := regexp.MustCompile(`<div class="conn first-diff"><div class="n">#2</div><div class="expected">rs2</div><div class="kernel">rs1</div>`)
	if !first.MatchString(page) {
		t.Errorf("connection #2 is not marked as the first difference")
	}
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("the scenario's text is not escaped")
	}
	// Self-contained: nothing fetched from anywhere, no script of its own.
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:|//)|<script|<link|@import|url\([^#]`).FindString(page); m != "" {
		t.Errorf("the page reaches out or runs script: %q", m)
	}
}
