package report

import (
	"bytes"
	"fmt"
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

// A page draws and quotes no more than its bound, however much the report holds: past it, each
// scenario keeps its row and a section that says what is left out.
func TestHTMLDrawsNoMoreThanItsBound(t *testing.T) {
	one := failedWRR(t).Results[1]
	one.Error = strings.Repeat(`"<>`, 1000) // escaped, six times as long
	r := oneRun(kernel61(), "")
	for i := range 200 {
		res := one
		res.Name = fmt.Sprintf("wrong-%d", i)
		r.Results = append(r.Results, res)
	}
	var whole bytes.Buffer
	if err := r.writeHTML(&whole, 1<<30); err != nil {
		t.Fatal(err)
	}
	const bound = 256 << 10
	var b bytes.Buffer
	if err := r.writeHTML(&b, bound); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	perScenario := 1200 // its row and a section without drawings
	if b.Len() > bound+len(r.Results)*perScenario || b.Len() >= whole.Len()/4 {
		t.Errorf("a page bounded at %d bytes of drawings is %d bytes (%d unbounded)", bound, b.Len(), whole.Len())
	}
	drawn := strings.Count(page, `<figure class="topology">`)
	if drawn == 0 || drawn == len(r.Results) {
		t.Errorf("%d of %d labs drawn, want some but not all", drawn, len(r.Results))
	}
	if n := strings.Count(page, "<section "); n != len(r.Results) {
		t.Errorf("%d sections for %d scenarios", n, len(r.Results))
	}
	elided := strings.Count(page, "this page holds at most 256 KiB of them")
	left := fmt.Sprintf("%d of the 200 scenarios are shown without some or all of their labs, checks and texts, past the 256 KiB this page holds of them.", elided)
	if elided < len(r.Results)-drawn || !strings.Contains(page, left) {
		t.Errorf("%d sections say what they leave out, %d labs drawn; the page does not say %q", elided, drawn, left)
	}
}
