package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/lvslab/lvslab/bars"
)

//go:embed html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Parse(pageTemplate))

// barsWidth is the bars' width on the page, in pixels.
const barsWidth = 640

// WriteHTML writes the report as one self-contained page (no network, no scripts): what it ran on, a row
// per scenario with its verdict, and for each scenario its lab drawn, each check with the split as bars
// and the sequences connection by connection, the first difference marked, and the failure's text.
func (r *Report) WriteHTML(w io.Writer) error {
	var head, summary strings.Builder
	for _, k := range r.Kernels() {
		r.WriteHeader(&head, k)
	}
	r.WriteSummary(&summary)
	c := r.Count()
	data := htmlPage{
		Title:   fmt.Sprintf("lvslab test: %d passed, %d failed, %d could not run, %d skipped", c.Passed, c.Failed, c.Errors, c.Skipped),
		Header:  strings.TrimRight(head.String(), "\n"),
		Summary: strings.TrimSpace(summary.String()),
	}
	for i := range r.Results {
		data.Rows = append(data.Rows, r.htmlRow(i))
	}
	return page.Execute(w, data)
}

type htmlPage struct {
	Title, Header, Summary string
	Rows                   []htmlRow
}

type htmlRow struct {
	ID, Name, Status, Class, Kernel, Seconds, About, Error string
	Open                                                   bool
	Topology                                               template.HTML
	Verdicts                                               []htmlVerdict
}

type htmlVerdict struct {
	Phase, Name, Summary, Detail, Class, Status string
	Bars                                        template.HTML
	Order                                       *htmlOrder
}

type htmlOrder struct {
	Caption, ExpectedLabel string
	Conns                  []htmlConn
	Before, After          int // connections outside the window
}

type htmlConn struct {
	N                  int
	Expected, Observed string
	Class              string // "", "differs" or "first-diff"
}

func (r *Report) htmlRow(i int) htmlRow {
	res := &r.Results[i]
	row := htmlRow{ID: fmt.Sprintf("r%d-%s", i, res.Name), Name: res.Name, Status: res.Status(), Class: res.Result,
		Kernel: r.KernelOf(res).Release, Seconds: fmt.Sprintf("%.1f s", res.Seconds), About: res.About, Error: res.Error,
		Open: res.Result != Pass}
	if res.Diagram != nil {
		row.Topology = template.HTML(res.Diagram.SVG()) // drawn by graph, which escapes every text it holds
	}
	for pi, p := range res.Phases {
		for _, v := range p.Verdicts {
			hv := htmlVerdict{Name: v.Name, Summary: v.Summary, Detail: v.Detail, Class: Fail, Status: "FAIL"}
			if v.Pass {
				hv.Class, hv.Status, hv.Detail = Pass, "PASS", ""
			}
			if len(res.Phases) > 1 {
				hv.Phase = fmt.Sprintf("phase %d:", pi+1)
			}
			if len(v.Split) > 0 {
				hv.Bars = template.HTML(bars.SVG(v.Split, barsWidth)) // escapes the server names
			}
			if o := v.Order; o != nil && len(o.Expected) > 0 {
				hv.Order = htmlOrderOf(v)
			}
			row.Verdicts = append(row.Verdicts, hv)
		}
	}
	return row
}

func htmlOrderOf(v Verdict) *htmlOrder {
	o := v.Order
	label := "expected"
	if v.Name == "model" {
		label = "model"
	}
	ho := &htmlOrder{ExpectedLabel: label, Before: o.Offset, After: o.Total - o.Offset - len(o.Expected)}
	for i := range o.Expected {
		c := htmlConn{N: o.Offset + i + 1, Expected: o.Expected[i], Observed: o.Observed[i]}
		switch {
		case o.Offset+i == o.First:
			c.Class = "first-diff"
		case o.Expected[i] != o.Observed[i]:
			c.Class = "differs"
		}
		ho.Conns = append(ho.Conns, c)
	}
	if o.First < 0 {
		ho.Caption = fmt.Sprintf("connection by connection: the %s's real server above the kernel's; all %d alike", label, o.Total)
	} else {
		ho.Caption = fmt.Sprintf("connection by connection: the %s's real server above the kernel's; the first difference is connection #%d of %d",
			label, o.First+1, o.Total)
	}
	return ho
}
