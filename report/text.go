package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/bars"
)

// Status is a result's word in text: PASS, FAIL, ERROR, SKIP.
func (res *Result) Status() string {
	switch res.Result {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	case Error:
		return "ERROR"
	}
	return "SKIP"
}

// WriteText prints one result: a PASS/FAIL line, and for a failure what differed, with the split of a
// failed check drawn as bars in style.
func (res *Result) WriteText(w io.Writer, style bars.Style) {
	status := res.Status()
	fmt.Fprintf(w, "%-5s %-20s %6.1fs  %s\n", status, res.Name, res.Seconds, res.About)
	switch res.Result {
	case Skipped:
		fmt.Fprintf(w, "      %s\n", res.Error)
		return
	case Error:
		fmt.Fprintf(w, "      could not run: %s\n", res.Error)
	}
	for i, p := range res.Phases {
		for _, s := range p.Steps {
			if status != "PASS" {
				fmt.Fprintln(w, indent(fmt.Sprintf("phase %d: %s", i+1, s), "      "))
			}
		}
		for _, v := range p.Verdicts {
			if !v.Pass || status != "PASS" {
				text := assert.Verdict{Name: v.Name, Pass: v.Pass, Summary: v.Summary, Detail: v.Detail}.String()
				if len(res.Phases) > 1 {
					text = fmt.Sprintf("phase %d: %s", i+1, text)
				}
				fmt.Fprintln(w, indent(text, "      "))
				if !v.Pass && len(v.Split) > 0 && style != bars.None {
					var b strings.Builder
					b.WriteString("expected against observed connections:\n")
					bars.Write(&b, v.Split, style)
					fmt.Fprintln(w, indent(b.String(), "        "))
				}
			}
		}
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// WriteHeader prints what a kernel's runs ran on: the kernel, the machine, lvslab, the director's
// sysctls, the shards.
func (r *Report) WriteHeader(w io.Writer, k Kernel) {
	var runs []int
	for i, run := range r.Runs {
		if run.Kernel.KernelKey() == k.KernelKey() {
			runs = append(runs, i)
		}
	}
	if len(runs) == 0 {
		return
	}
	x := r.Runs[runs[0]]
	line := k.Release
	if k.Package != "" {
		line += fmt.Sprintf(" (Debian %s %s)", k.Package, k.PackageVersion)
	}
	fmt.Fprintf(w, "kernel   %s\n", line)
	if m := x.Machine; m != nil {
		arch := ""
		if m.Arch != "" {
			arch = m.Arch + " "
		}
		fmt.Fprintf(w, "machine  %smicroVM under %s, %s, %s\n", arch, strings.ToUpper(m.Accel), plural(m.CPUs, "CPU"), m.QEMU)
		if m.Userland != "" {
			fmt.Fprintf(w, "userland %s\n", m.Userland)
		}
	} else {
		fmt.Fprintf(w, "machine  this host\n")
	}
	build := x.LVSLAB.Version
	if x.LVSLAB.Commit != "" {
		build += " " + x.LVSLAB.Commit
		if x.LVSLAB.Modified {
			build += " (modified)"
		}
	}
	fmt.Fprintf(w, "lvslab   %s\n", build)
	if x.IPVSAdm != "" {
		fmt.Fprintf(w, "ipvsadm  %s (the scenarios program IPVS through netlink, not with it)\n", x.IPVSAdm)
	}
	if s := r.sysctlLine(runs); s != "" {
		fmt.Fprintf(w, "sysctls  %s\n", s)
	}
	var shards []string
	for _, i := range runs {
		if r.Runs[i].Shard != "" {
			shards = append(shards, r.Runs[i].Shard)
		}
	}
	if len(shards) > 0 {
		fmt.Fprintf(w, "shards   %s\n", strings.Join(shards, " "))
	}
}

// sysctlLine gives each director sysctl of the runs' results with the values seen: "a=1 b=0|1".
func (r *Report) sysctlLine(runs []int) string {
	values := map[string][]string{}
	for _, res := range r.Results {
		if !slices.Contains(runs, res.Run) {
			continue
		}
		for k, v := range res.Sysctls {
			if !slices.Contains(values[k], v) {
				values[k] = append(values[k], v)
			}
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(values)) {
		slices.Sort(values[k])
		parts = append(parts, k+"="+strings.Join(values[k], "|"))
	}
	return strings.Join(parts, " ")
}

// WriteSummary prints the counts, and where the report covers several kernels, the matrix of verdicts,
// scenario by kernel, and a line for each scenario whose verdict differs between kernels.
func (r *Report) WriteSummary(w io.Writer) {
	kernels := r.Kernels()
	if len(kernels) > 1 {
		r.writeMatrix(w, kernels)
	}
	c := r.Count()
	var seconds float64
	for _, run := range r.Runs {
		seconds = max(seconds, run.Seconds)
	}
	on := ""
	if len(kernels) > 1 {
		on = fmt.Sprintf(" on %d kernels", len(kernels))
	}
	fmt.Fprintf(w, "\n%s%s in %.1f s: %d passed, %d failed, %d could not run, %d skipped\n", plural(len(r.Results), "scenario"), on, seconds,
		c.Passed, c.Failed, c.Errors, c.Skipped)
}

func (r *Report) writeMatrix(w io.Writer, kernels []Kernel) {
	var names []string
	cell := map[string]map[string]*Result{} // scenario, kernel key
	for i := range r.Results {
		res := &r.Results[i]
		if cell[res.Name] == nil {
			cell[res.Name] = map[string]*Result{}
			names = append(names, res.Name)
		}
		cell[res.Name][r.KernelOf(res).KernelKey()] = res
	}
	slices.Sort(names)
	t := [][]string{{"scenario"}}
	for _, k := range kernels {
		t[0] = append(t[0], k.Release)
	}
	var differ []string
	for _, n := range names {
		row := []string{n}
		var words []string
		for _, k := range kernels {
			word := "-"
			if res := cell[n][k.KernelKey()]; res != nil {
				word = res.Status()
			}
			row = append(row, word)
			words = append(words, word)
		}
		t = append(t, row)
		if slices.ContainsFunc(words, func(s string) bool { return s != words[0] }) {
			differ = append(differ, n+": "+r.difference(cell[n], kernels))
		}
	}
	fmt.Fprintln(w)
	writeColumns(w, t)
	if len(differ) > 0 {
		fmt.Fprintf(w, "\n%s between kernels:\n", plural(len(differ), "scenario differs", "scenarios differ"))
		for _, d := range differ {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
}

// difference says what a scenario came to on each kernel, and why it was skipped where it was.
func (r *Report) difference(byKernel map[string]*Result, kernels []Kernel) string {
	var parts []string
	for _, k := range kernels {
		res := byKernel[k.KernelKey()]
		switch {
		case res == nil:
			parts = append(parts, "not run on "+k.Release)
		case res.Result == Skipped && res.Error != "":
			parts = append(parts, fmt.Sprintf("skipped on %s (%s)", k.Release, res.Error))
		case res.Result == Skipped:
			parts = append(parts, "skipped on "+k.Release)
		default:
			parts = append(parts, res.Result+" on "+k.Release)
		}
	}
	return strings.Join(parts, ", ")
}

func writeColumns(w io.Writer, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", width[i]-len(c)))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// plural is "1 scenario", "2 scenarios"; or with a plural form given, "1 scenario differs", "2 scenarios differ".
func plural(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}
