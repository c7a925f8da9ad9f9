package assert

import (
	"errors"
	"strings"
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

func TestVerdicts(t *testing.T) {
	ok := pass("a", "fine", "")
	bad := fail("b", "wrong", "detail")
	broken := invalid("c", "no data")
	tests := []struct {
		name     string
		vs       Verdicts
		pass     bool
		hasErr   bool
		lastLine string
	}{
		{"empty", nil, false, false, "FAIL: nothing was checked"},
		{"all pass", Verdicts{ok, ok}, true, false, "PASS: 2 of 2 checks passed"},
		{"one fails", Verdicts{ok, bad}, false, false, "FAIL: 1 of 2 checks failed: b"},
		{"one cannot judge", Verdicts{ok, bad, broken}, false, true, "FAIL: 2 of 3 checks failed: b, c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.vs.Pass(); got != tt.pass {
				t.Errorf("Pass() = %v, want %v", got, tt.pass)
			}
			if err := tt.vs.Err(); (err != nil) != tt.hasErr {
				t.Errorf("Err() = %v, want error %v", err, tt.hasErr)
			}
			s := tt.vs.String()
			if last := s[strings.LastIndex(s, "\n")+1:]; last != tt.lastLine {
				t.Errorf("last line %q, want %q", last, tt.lastLine)
			}
			if len(tt.vs) > 0 && !strings.HasPrefix(s, tt.vs[0].String()+"\n") {
				t.Errorf("String() does not start with the first verdict:\n%s", s)
			}
		})
	}
	if err := (Verdicts{broken}).Err(); err == nil || !strings.Contains(err.Error(), "c: no data") {
		t.Errorf("Err() = %v, want it to name the check and its reason", err)
	}
	if !errors.Is(Verdicts{broken}.Err(), broken.Err) {
		t.Error("Err() does not wrap the verdict's error")
	}
}
