package assert

import (
	"fmt"
	"strings"
)

// Verdict is the outcome of one check.
type Verdict struct {
	Name    string
	Pass    bool
	Summary string // one line
	Detail  string // expected and observed side by side; may be empty
	// Split is each server's expected and observed count, for checks that compare counts (proportions,
	// sequences); nil for others.
	Split []Share
	// Order is the sequences around their first difference, for a sequence check.
	Order *Order
	// Err is set when the check could not be applied (a malformed
	// expectation, too little data to judge); Pass is then false.
	Err error
}

// String is "PASS name: summary", or "FAIL name: summary" followed by the
// detail, indented.
func (v Verdict) String() string {
	if v.Pass {
		return fmt.Sprintf("PASS %s: %s", v.Name, v.Summary)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "FAIL %s: %s", v.Name, v.Summary)
	for line := range strings.Lines(strings.TrimRight(v.Detail, "\n")) {
		b.WriteByte('\n')
		if line = strings.TrimRight(line, "\n"); line != "" {
			b.WriteString("  " + line)
		}
	}
	return b.String()
}

func pass(name, summary, detail string) Verdict {
	return Verdict{Name: name, Pass: true, Summary: summary, Detail: detail}
}

func fail(name, summary, detail string) Verdict {
	return Verdict{Name: name, Summary: summary, Detail: detail}
}

// invalid is the verdict of a check that cannot be judged.
func invalid(name string, format string, args ...any) Verdict {
	err := fmt.Errorf(format, args...)
	return Verdict{Name: name, Summary: "cannot judge: " + err.Error(), Err: err}
}

// Verdicts is the set of checks of one scenario.
type Verdicts []Verdict

// Pass reports whether there is at least one verdict and all passed: a
// scenario that checked nothing has not passed.
func (vs Verdicts) Pass() bool {
	for _, v := range vs {
		if !v.Pass {
			return false
		}
	}
	return len(vs) > 0
}
