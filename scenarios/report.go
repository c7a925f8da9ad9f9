package scenarios

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText prints one scenario's verdicts: a PASS/FAIL line, and for a failure what differed.
func (o *Outcome) WriteText(w io.Writer) {
	status := "PASS"
	switch {
	case o.Skipped != "":
		fmt.Fprintf(w, "%-5s %-20s %6.1fs  %s\n      %s\n", "SKIP", o.Scenario.Name, o.Duration.Seconds(), o.Scenario.About, o.Skipped)
		return
	case o.Err != nil:
		status = "ERROR"
	case !o.Pass():
		status = "FAIL"
	}
	fmt.Fprintf(w, "%-5s %-20s %6.1fs  %s\n", status, o.Scenario.Name, o.Duration.Seconds(), o.Scenario.About)
	if o.Err != nil {
		fmt.Fprintf(w, "      could not run: %v\n", o.Err)
	}
	for i, p := range o.Phases {
		for _, v := range p.Verdicts {
			if !v.Pass || status != "PASS" {
				text := v.String()
				if len(o.Phases) > 1 {
					text = fmt.Sprintf("phase %d: %s", i+1, text)
				}
				fmt.Fprintln(w, indent(text, "      "))
			}
		}
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the outcomes as a JUnit XML test suite, one test case per scenario.
func WriteJUnit(w io.Writer, outcomes []*Outcome, elapsed time.Duration) error {
	s := junitSuite{Name: "lvslab", Tests: len(outcomes), Time: elapsed.Seconds()}
	for _, o := range outcomes {
		var text strings.Builder
		o.WriteText(&text)
		c := junitCase{Name: o.Scenario.Name, ClassName: "lvslab." + strings.TrimSuffix(strings.TrimPrefix(o.Scenario.Source, "embedded:"), ".yaml"),
			Time: o.Duration.Seconds(), SystemOut: text.String()}
		switch {
		case o.Skipped != "":
			s.Skipped++
			c.Skipped = &junitProblem{Message: o.Skipped}
		case o.Err != nil:
			s.Errors++
			c.Error = &junitProblem{Message: o.Err.Error(), Text: text.String()}
		case !o.Pass():
			s.Failures++
			c.Failure = &junitProblem{Message: "expectations failed", Text: text.String()}
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type jsonOutcome struct {
	Name     string      `json:"name"`
	Source   string      `json:"source"`
	Result   string      `json:"result"` // pass, fail, error
	Error    string      `json:"error,omitempty"`
	Seconds  float64     `json:"seconds"`
	Phases   []jsonPhase `json:"phases"`
	Scenario string      `json:"about"`
}

type jsonPhase struct {
	Verdicts []jsonVerdict `json:"verdicts"`
	Load     any           `json:"load,omitempty"`
}

type jsonVerdict struct {
	Name    string `json:"name"`
	Pass    bool   `json:"pass"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
}

// WriteJSON writes the outcomes, with every verdict and the load each phase measured.
func WriteJSON(w io.Writer, outcomes []*Outcome) error {
	var out []jsonOutcome
	for _, o := range outcomes {
		j := jsonOutcome{Name: o.Scenario.Name, Source: o.Scenario.Source, Scenario: o.Scenario.About, Seconds: o.Duration.Seconds(), Result: "pass"}
		switch {
		case o.Skipped != "":
			j.Result, j.Error = "skipped", o.Skipped
		case o.Err != nil:
			j.Result, j.Error = "error", o.Err.Error()
		case !o.Pass():
			j.Result = "fail"
		}
		for _, p := range o.Phases {
			jp := jsonPhase{Load: p.Load}
			for _, v := range p.Verdicts {
				jp.Verdicts = append(jp.Verdicts, jsonVerdict{Name: v.Name, Pass: v.Pass, Summary: v.Summary, Detail: v.Detail})
			}
			j.Phases = append(j.Phases, jp)
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
