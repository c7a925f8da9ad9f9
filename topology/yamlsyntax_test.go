package topology

import (
	"strings"
	"testing"
)

// A YAML syntax error is placed at the line yaml.v3 names (one further for its parser's errors, which it
// counts from 0), an unknown anchor at its use.
func TestSyntaxErrorsArePlaced(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"name: x\nnetworks: *nope\n", "a.yaml:2:11: YAML syntax: unknown anchor 'nope' referenced"},
		{"name: x\nnetworks: [a,\n", "a.yaml:3:1: YAML syntax: did not find expected node content"},
		{"name: x\n  bad: : y\n", "a.yaml:2:3: YAML syntax: mapping values are not allowed in this context"},
	} {
		_, err := Parse("a.yaml", []byte(c.yaml))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %s", c.yaml, err, c.want)
		}
	}
}
