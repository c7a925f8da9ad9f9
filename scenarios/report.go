package scenarios

import (
	"io"

	"github.com/lvslab/lvslab/bars"
	"github.com/lvslab/lvslab/graph"
	"github.com/lvslab/lvslab/report"
)

// Result is the outcome as a report keeps it, on the report's run number run.
func (o *Outcome) Result(run int) report.Result {
	r := report.Result{Run: run, Name: o.Scenario.Name, Source: o.Scenario.Source, Digest: o.Scenario.Digest, About: o.Scenario.About,
		Seconds: o.Duration.Seconds(), Result: report.Pass, Sysctls: o.Sysctls, Phases: []report.Phase{}}
	switch {
	case o.Skipped != "":
		r.Result, r.Error = report.Skipped, o.Skipped
	case o.Err != nil:
		r.Result, r.Error = report.Error, o.Err.Error()
	case !o.Pass():
		r.Result = report.Fail
	}
	if t, err := firstTable(o.Scenario); err == nil {
		r.Diagram = graph.Of(t)
	}
	for _, p := range o.Phases {
		rp := report.Phase{Verdicts: []report.Verdict{}, Steps: p.Steps}
		if p.Load != nil {
			load := *p.Load
			load.Locals = nil // how the runner found each connection in the director's table: not a measurement
			rp.Load = &load
		}
		for _, v := range p.Verdicts {
			rp.Verdicts = append(rp.Verdicts, report.Verdict{Name: v.Name, Pass: v.Pass, Summary: v.Summary, Detail: v.Detail, Split: v.Split, Order: v.Order})
		}
		r.Phases = append(r.Phases, rp)
	}
	return r
}

// Report is a report of one run: its outcomes, and what it ran on.
func Report(run report.Run, outcomes []*Outcome) *report.Report {
	rep := &report.Report{Format: report.Format, Runs: []report.Run{run}, Results: []report.Result{}}
	for _, o := range outcomes {
		rep.Results = append(rep.Results, o.Result(0))
	}
	return rep
}

// WriteText prints the outcome: a PASS/FAIL line, and for a failure what differed, with the split drawn
// in style.
func (o *Outcome) WriteText(w io.Writer, style bars.Style) {
	r := o.Result(0)
	r.WriteText(w, style)
}
