package assert

import (
	"testing"
)

func TestVerdictString(t *testing.T) {
	tests := []struct {
		v    Verdict
		want string
	}{
		{pass("sequence", "7 connections in the expected order", "ignored on pass\n"),
			"PASS sequence: 7 connections in the expected order"},
		{fail("conservation", "sent 3, servers saw 2", "a  1\n\nb  2\n"),
			"FAIL conservation: sent 3, servers saw 2\n  a  1\n\n  b  2"},
		{fail("affinity", "no detail", ""), "FAIL affinity: no detail"},
		{invalid("proportions", "weight of %s is %g", "rs1", -1.0),
			"FAIL proportions: cannot judge: weight of rs1 is -1"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String() =\n%s\nwant\n%s", got, tt.want)
		}
	}
}

func TestVerdictsPass(t *testing.T) {
	ok := pass("a", "fine", "")
	bad := fail("b", "wrong", "detail")
	broken := invalid("c", "no data")
	for _, tt := range []struct {
		name string
		vs   Verdicts
		pass bool
	}{
		{"empty", nil, false},
		{"all pass", Verdicts{ok, ok}, true},
		{"one fails", Verdicts{ok, bad}, false},
		{"one cannot judge", Verdicts{ok, broken}, false},
	} {
		if got := tt.vs.Pass(); got != tt.pass {
			t.Errorf("%s: Pass() = %v, want %v", tt.name, got, tt.pass)
		}
	}
}
