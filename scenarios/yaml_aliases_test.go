package scenarios

import (
	"fmt"
	"strings"
	"testing"
)

// A phase written as another's with a merge key (<<) and its own fields is read as yaml.v3 reads it: the
// merged fields where the phase gives none, its own where it does.
func TestParseMergesPhasesLikeYAML(t *testing.T) {
	rules := strings.ReplaceAll(rrRules, "\n  ", "\n      ")
	doc := "name: merged\nphases:\n  - &p\n    " + rules + "    load: {connections: 4}\n    expect: {split: {rs1: 1, rs2: 1}, exact: true}\n" +
		"  - <<: *p\n    load: {connections: 8}\n"
	s, err := Parse("m.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Phases) != 2 || s.Phases[1].Load.Connections != 8 || !s.Phases[1].Expect.Exact {
		t.Errorf("phases %+v: want the second one's 8 connections over the first one's expectation", s.Phases)
	}
}

// A file of aliases to aliases within the size bound is refused, never a crash: each node is walked once,
// however many aliases reach it, and its problems are said once each, at most maxProblems of them.
func TestParseBoundsAliasesToAliases(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: x\n" + rrRules + "load: {connections: 4}\nexpect:\n  split: &a {")
	for i := range 3000 {
		fmt.Fprintf(&b, "k%d: x, ", i)
	}
	b.WriteString("}\nphases:\n")
	for range 3000 {
		b.WriteString("  - {expect: {split: *a}}\n")
	}
	if b.Len() > MaxFileBytes {
		t.Fatalf("the test file is %d bytes, above the bound %d", b.Len(), MaxFileBytes)
	}
	_, err := Parse("a.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("a split of 3000 servers that are not whole numbers was accepted")
	}
	// One line a value that does not fit, however many aliases repeat it, and at most maxProblems.
	if lines := strings.Count(err.Error(), "\n") + 1; lines != maxProblems+1 || !strings.HasSuffix(err.Error(), "and 2980 more problems") {
		t.Errorf("refused with %d lines, ending %q; want %d problems and a count of the rest", lines, err.Error()[max(0, len(err.Error())-60):], maxProblems)
	}
}

// What yaml.v3 reports without a column is placed as in topology files: an unknown anchor at its use, a
// key that is not a name at the key.
func TestParsePlacesAnchorsAndKeys(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"name: x\n" + rrRules + "expect: {split: *nope}\n", "s.yaml:6:17: YAML syntax: unknown anchor 'nope' referenced"},
		{"name: x\n" + rrRules + "expect: {split: {[a]: 3}}\n", "s.yaml:6:18: expected a name, found a list"},
		{"name: x\nname: y\n" + rrRules, `s.yaml:2:1: mapping key "name" already defined at line 1`},
	} {
		if _, err := Parse("s.yaml", []byte(c.yaml)); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %s", c.yaml, err, c.want)
		}
	}
}
