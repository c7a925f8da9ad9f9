package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/lvslab/lvslab/bars"
)

//go:embed html.tmpl
var pageTemplate string

// page is parsed when first needed: at start-up it would cost every lvslab command a thousand allocations.
var page = sync.OnceValue(func() *template.Template { return template.Must(template.New("report").Parse(pageTemplate)) })

// barsWidth is the bars' width on the page, in pixels.
const barsWidth = 640

// maxDrawn bounds what a page draws and quotes: the labs, bars and sequences, the abouts, errors,
// summaries and details. A suite of a hundred scenarios on a few kernels takes a few MiB; past the
// bound the page still has every scenario's row and section, without them, and says so.
const maxDrawn = 64 << 20

// WriteHTML writes the report as one self-contained page (no network, no scripts): what it ran on, a row
// per scenario with its verdict, and for each scenario its lab drawn, each check with the split as bars
// and the sequences connection by connection, the first difference marked, and the failure's text. It
// writes a scenario at a time, holding no more than one's drawings.
func (r *Report) WriteHTML(w io.Writer) error {
	return r.writeHTML(w, maxDrawn)
}

func (r *Report) writeHTML(w io.Writer, drawn int) error {
	var head, summary strings.Builder
	for _, k := range r.Kernels() {
		r.WriteHeader(&head, k)
	}
	r.WriteSummary(&summary)
	c := r.Count()
	top := htmlPage{
		Title:   fmt.Sprintf("lvslab test: %d passed, %d failed, %d could not run, %d skipped", c.Passed, c.Failed, c.Errors, c.Skipped),
		Header:  strings.TrimRight(head.String(), "\n"),
		Summary: strings.TrimSpace(summary.String()),
	}
	if err := page().ExecuteTemplate(w, "head", top); err != nil {
		return err
	}
	// The rows first, then a section per scenario, each under one budget of what is drawn and quoted.
	rows := &drawing{left: drawn, bound: drawn}
	for i := range r.Results {
		if err := page().ExecuteTemplate(w, "row", r.htmlRow(i, rows)); err != nil {
			return err
		}
	}
	if err := page().ExecuteTemplate(w, "middle", top); err != nil {
		return err
	}
	sections := &drawing{left: rows.left, bound: drawn}
	for i := range r.Results {
		if err := page().ExecuteTemplate(w, "section", r.htmlSection(i, sections)); err != nil {
			return err
		}
	}
	note := ""
	if sections.elided > 0 {
		note = fmt.Sprintf("%d of the %d scenarios are shown without some or all of their labs, checks and texts, past the %s this page holds of them.", sections.elided, len(r.Results), sizeText(drawn))
	}
	return page().ExecuteTemplate(w, "foot", note)
}

// drawing is what a page may still draw and quote, in bytes of HTML.
type drawing struct {
	left   int
	bound  int  // and all it could
	spent  bool // once something did not fit, nothing more is drawn: the page says where it stopped
	elided int  // sections left without their drawings
}

// fits takes n bytes from what is left, if they fit.
func (d *drawing) fits(n int) bool {
	if d.spent || n > d.left {
		d.spent = true
		return false
	}
	d.left -= n
	return true
}

// quote is s if the page can still show it (as escaped HTML), "" if not.
func (d *drawing) quote(s string) string {
	if s == "" || d.fits(len(template.HTMLEscapeString(s))) {
		return s
	}
	return ""
}

type htmlPage struct {
	Title, Header, Summary string
}

type htmlRow struct {
	ID, Name, Status, Class, Kernel, Seconds, About, Error string
	Open                                                   bool
	Elided                                                 string // what the page draws at most, when this section is left without
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

// htmlRow is a result's row in the table of all: its about if the page can still quote it.
func (r *Report) htmlRow(i int, d *drawing) htmlRow {
	res := &r.Results[i]
	return htmlRow{ID: fmt.Sprintf("r%d-%s", i, res.Name), Name: res.Name, Status: res.Status(), Class: res.Result,
		Kernel: r.KernelOf(res).Release, Seconds: fmt.Sprintf("%.1f s", res.Seconds), About: d.quote(res.About)}
}

// htmlSection is a result's section: all the page can still draw and quote of it, in order (its error,
// its lab, each check), up to the first that does not fit; past that the page draws nothing more.
func (r *Report) htmlSection(i int, d *drawing) htmlRow {
	res := &r.Results[i]
	row := r.htmlRow(i, d)
	row.Open, row.Error = res.Result != Pass, d.quote(res.Error)
	if res.Diagram != nil && !d.spent {
		if svg := res.Diagram.SVG(); d.fits(len(svg)) { // drawn by graph, which escapes every text it holds
			row.Topology = template.HTML(svg)
		}
	}
	for pi, p := range res.Phases {
		for _, v := range p.Verdicts {
			if d.spent {
				break
			}
			hv := htmlVerdict{Name: v.Name, Summary: d.quote(v.Summary), Detail: d.quote(v.Detail), Class: Fail, Status: "FAIL"}
			if v.Pass {
				hv.Class, hv.Status, hv.Detail = Pass, "PASS", ""
			}
			if len(res.Phases) > 1 {
				hv.Phase = fmt.Sprintf("phase %d:", pi+1)
			}
			if len(v.Split) > 0 {
				if svg := bars.SVG(v.Split, barsWidth); d.fits(len(svg)) { // escapes the server names
					hv.Bars = template.HTML(svg)
				}
			}
			if o := v.Order; o != nil && len(o.Expected) > 0 && d.fits(orderSize(o.Expected, o.Observed)) {
				hv.Order = htmlOrderOf(v)
			}
			if d.fits(len(template.HTMLEscapeString(v.Name)) + 200) {
				row.Verdicts = append(row.Verdicts, hv)
			}
		}
	}
	if d.spent {
		row.Elided = sizeText(d.bound)
		d.elided++
	}
	return row
}

// sizeText is a size in MiB, or KiB below one.
func sizeText(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// orderSize is about what a window of connections takes drawn: its names, and the markup of each.
func orderSize(expected, observed []string) int {
	n := 0
	for i := range expected {
		n += 160 + len(template.HTMLEscapeString(expected[i])) + len(template.HTMLEscapeString(observed[i]))
	}
	return n
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
