package assert

import (
	"fmt"
	"strings"
	"testing"
)

func TestAffinity(t *testing.T) {
	tests := []struct {
		name    string
		pairs   []Pair
		pass    bool
		summary string
	}{
		{"sticky", []Pair{{"10.0.0.1", "rs1"}, {"10.0.0.2", "rs2"}, {"10.0.0.1", "rs1"}, {"10.0.0.3", "rs2"}}, true,
			"3 clients (1 with several connections) each kept to one server over 4 connections"},
		{"one client moved", []Pair{{"10.0.0.1", "rs1"}, {"10.0.0.2", "rs2"}, {"10.0.0.1", "rs1"}, {"10.0.0.2", "rs1"}, {"10.0.0.2", "rs2"}}, false,
			"1 of 2 clients moved between servers; first 10.0.0.2 at connection #4 (rs2 -> rs1)"},
		{"two moved, reported in order of the move", []Pair{{"a", "rs1"}, {"b", "rs1"}, {"b", "rs2"}, {"a", "rs3"}}, false,
			"2 of 2 clients moved between servers; first b at connection #3 (rs1 -> rs2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Affinity(tt.pairs)
			if v.Pass != tt.pass || v.Summary != tt.summary {
				t.Errorf("got\n%v\nwant pass=%v %q", v, tt.pass, tt.summary)
			}
		})
	}
}

func TestAffinityDetailLayout(t *testing.T) {
	v := Affinity([]Pair{
		{"192.168.0.101", "rs1"}, {"192.168.0.102", "rs2"}, {"192.168.0.101", "rs1"},
		{"192.168.0.101", "rs2"}, {"192.168.0.102", "rs2"}, {"192.168.0.101", "rs1"},
	})
	want := `client         conns  expected  observed     first move
192.168.0.101      4  rs1×4     rs1×3 rs2×1  #4: rs1 -> rs2
`
	if v.Detail != want {
		t.Errorf("detail:\n%s\nwant:\n%s", v.Detail, want)
	}
}

func TestAffinityCapsTheList(t *testing.T) {
	var pairs []Pair
	for i := range 25 {
		c := fmt.Sprintf("10.0.1.%d", i)
		pairs = append(pairs, Pair{c, "rs1"}, Pair{c, "rs2"})
	}
	v := Affinity(pairs)
	if v.Pass || !strings.HasSuffix(v.Detail, "(5 more clients moved)\n") || strings.Count(v.Detail, "\n") != 22 {
		t.Errorf("got\n%v", v)
	}
}

// With no client seen twice there is nothing to judge: that is an error,
// not a pass.
func TestAffinityNeedsRepeatedClients(t *testing.T) {
	for _, pairs := range [][]Pair{nil, {{"a", "rs1"}, {"b", "rs1"}}} {
		if v := Affinity(pairs); v.Pass || v.Err == nil {
			t.Errorf("%v: %v", pairs, v)
		}
	}
}
