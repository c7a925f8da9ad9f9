package report

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/lvslab/lvslab/bars"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string          `xml:"name,attr"`
	ClassName  string          `xml:"classname,attr"`
	Time       float64         `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitProblem   `xml:"failure,omitempty"`
	Error      *junitProblem   `xml:"error,omitempty"`
	Skipped    *junitProblem   `xml:"skipped,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: a test suite per run, named after its kernel (and shard),
// with what it ran on as properties; a test case per scenario, its class lvslab.<kernel>.<scenario>, so
// that a CI system tells the kernels' verdicts apart, its file's digest and the director's sysctls as
// properties. It writes a test case at a time, holding no more than one's text.
func (r *Report) WriteJUnit(w io.Writer) error {
	all := junitSuites{Name: "lvslab"}
	suites := make([]junitSuite, len(r.Runs))
	cases := make([][]int, len(r.Runs)) // each run's results
	for i, run := range r.Runs {
		name := "lvslab " + run.Kernel.Release
		if run.Shard != "" {
			name += " shard " + run.Shard
		}
		suites[i] = junitSuite{Name: name, Time: run.Seconds, Properties: runProperties(run)}
		if !run.Started.IsZero() {
			suites[i].Timestamp = run.Started.UTC().Format("2006-01-02T15:04:05")
		}
	}
	for i, res := range r.Results {
		s := &suites[res.Run]
		switch res.Result {
		case Skipped:
			s.Skipped++
		case Error:
			s.Errors++
		case Fail:
			s.Failures++
		}
		s.Tests++
		cases[res.Run] = append(cases[res.Run], i)
	}
	for _, s := range suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	top := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{attr("name", all.Name), attr("tests", all.Tests),
		attr("failures", all.Failures), attr("errors", all.Errors), attr("skipped", all.Skipped)}}
	if err := enc.EncodeToken(top); err != nil {
		return err
	}
	for i, s := range suites {
		start := xml.StartElement{Name: xml.Name{Local: "testsuite"}, Attr: []xml.Attr{attr("name", s.Name), attr("tests", s.Tests),
			attr("failures", s.Failures), attr("errors", s.Errors), attr("skipped", s.Skipped), attr("time", s.Time)}}
		if s.Timestamp != "" {
			start.Attr = append(start.Attr, attr("timestamp", s.Timestamp))
		}
		if err := enc.EncodeToken(start); err != nil {
			return err
		}
		if err := enc.EncodeElement(junitProperties{Property: s.Properties}, xml.StartElement{Name: xml.Name{Local: "properties"}}); err != nil {
			return err
		}
		for _, ri := range cases[i] {
			if err := enc.EncodeElement(r.junitCase(ri), xml.StartElement{Name: xml.Name{Local: "testcase"}}); err != nil {
				return err
			}
		}
		if err := enc.EncodeToken(start.End()); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(top.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

// attr is an XML attribute as encoding/xml writes a struct field's.
func attr(name string, v any) xml.Attr {
	s := fmt.Sprint(v)
	if f, ok := v.(float64); ok {
		s = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return xml.Attr{Name: xml.Name{Local: name}, Value: s}
}

// junitCase is result i as a test case.
func (r *Report) junitCase(i int) junitCase {
	res := &r.Results[i]
	var text strings.Builder
	res.WriteText(&text, bars.ASCII)
	source := strings.TrimSuffix(strings.TrimPrefix(res.Source, "embedded:"), ".yaml")
	c := junitCase{Name: res.Name, ClassName: "lvslab." + r.Runs[res.Run].Kernel.Release + "." + source, Time: res.Seconds,
		SystemOut: text.String(), Properties: []junitProperty{{"scenario.digest", res.Digest}, {"scenario.source", res.Source}}}
	for _, k := range slices.Sorted(maps.Keys(res.Sysctls)) {
		c.Properties = append(c.Properties, junitProperty{"sysctl.net.ipv4.vs." + k, res.Sysctls[k]})
	}
	switch res.Result {
	case Skipped:
		c.Skipped = &junitProblem{Message: res.Error}
	case Error:
		c.Error = &junitProblem{Message: res.Error, Text: text.String()}
	case Fail:
		c.Failure = &junitProblem{Message: "expectations failed", Text: text.String()}
	}
	return c
}

func runProperties(run Run) []junitProperty {
	p := []junitProperty{
		{"kernel.release", run.Kernel.Release},
		{"kernel.package", run.Kernel.Package},
		{"kernel.package_version", run.Kernel.PackageVersion},
		{"kernel.asked", run.Kernel.Asked},
		{"lvslab.version", run.LVSLAB.Version},
		{"lvslab.commit", run.LVSLAB.Commit},
		{"lvslab.modified", fmt.Sprint(run.LVSLAB.Modified)},
		{"parallel", fmt.Sprint(run.Parallel)},
	}
	if m := run.Machine; m != nil {
		p = append(p, junitProperty{"machine.qemu", m.QEMU}, junitProperty{"machine.accel", m.Accel},
			junitProperty{"machine.cpus", fmt.Sprint(m.CPUs)})
		if m.Arch != "" {
			p = append(p, junitProperty{"machine.arch", m.Arch})
		}
		if m.AccelFallback != "" {
			p = append(p, junitProperty{"machine.accel_fallback", m.AccelFallback})
		}
		if m.Userland != "" {
			p = append(p, junitProperty{"machine.userland", m.Userland})
		}
	}
	if run.IPVSAdm != "" {
		p = append(p, junitProperty{"ipvsadm", run.IPVSAdm})
	}
	if run.Shard != "" {
		p = append(p, junitProperty{"shard", run.Shard})
	}
	return slices.DeleteFunc(p, func(x junitProperty) bool { return x.Value == "" })
}

// WriteJSON writes the report as Read reads it, a result at a time.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	format, err := json.Marshal(r.Format)
	if err != nil {
		return err
	}
	runs, err := json.MarshalIndent(r.Runs, "  ", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(bw, "{\n  \"format\": %s,\n  \"runs\": %s,\n  \"results\": ", format, runs)
	switch {
	case r.Results == nil:
		bw.WriteString("null")
	case len(r.Results) == 0:
		bw.WriteString("[]")
	default:
		bw.WriteString("[")
		for i := range r.Results {
			res, err := json.MarshalIndent(&r.Results[i], "    ", "  ")
			if err != nil {
				return err
			}
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n    ")
			bw.Write(res)
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}
