package assert

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSeq(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"C B C B C C B", []string{"C", "B", "C", "B", "C", "C", "B"}, false},
		{"B A | A A B A", []string{"B", "A", "A", "A", "B", "A"}, false},
		{"C*3 B×2  rs1", []string{"C", "C", "C", "B", "B", "rs1"}, false},
		{"  ", nil, false},
		{"C*0", nil, true},
		{"C*x", nil, true},
		{"*3", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseSeq(tt.in, 100)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ParseSeq(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSeqPanicsOnMalformedRepeat(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Seq(\"A*-1\") did not panic")
		}
	}()
	Seq("A*-1")
}

func TestSequence(t *testing.T) {
	tests := []struct {
		name          string
		expected      string
		observed      string
		pass          bool
		summary       string
		detailContent []string
	}{
		{name: "same", expected: "C B C B C C B", observed: "C B C B C C B", pass: true,
			summary: "7 connections in the expected order"},
		{name: "swap", expected: "C B C B C C B", observed: "C B C C B C B",
			summary: "2 of 7 connections differ; first at #4: expected B, observed C"},
		{name: "short", expected: "C B A", observed: "C B",
			summary:       "expected 3 connections, observed 2; 1 of 3 connections differ; first at #3: expected A, observed -",
			detailContent: []string{"3  A         -         <- first divergence", "A              1         0    -1  <- differs"}},
		{name: "extra", expected: "C", observed: "C C",
			summary: "expected 1 connection, observed 2; 1 of 2 connections differ; first at #2: expected -, observed C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Sequence(Seq(tt.expected), Seq(tt.observed))
			if v.Pass != tt.pass || v.Summary != tt.summary {
				t.Errorf("got %v %q, want %v %q", v.Pass, v.Summary, tt.pass, tt.summary)
			}
			for _, s := range tt.detailContent {
				if !strings.Contains(v.Detail, s) {
					t.Errorf("detail lacks %q:\n%s", s, v.Detail)
				}
			}
		})
	}
}

// The detail shows both sequences one connection a line with the first
// divergence marked, then the per-server counts side by side.
func TestSequenceDetailLayout(t *testing.T) {
	v := Sequence(Seq("rs1 rs2 rs1 rs1"), Seq("rs1 rs2 rs2 rs1"))
	want := `#  expected  observed
1  rs1       rs1
2  rs2       rs2
3  rs1       rs2       <- first divergence
4  rs1       rs1

server  expected  observed  diff
rs1            3         2    -1  <- differs
rs2            1         2    +1  <- differs
total          4         4     0
`
	if v.Detail != want {
		t.Errorf("detail:\n%s\nwant:\n%s", v.Detail, want)
	}
}

// A long sequence shows only a window around the first divergence.
func TestSequenceDetailWindow(t *testing.T) {
	expected := Seq("A B C*1000")
	observed := slices.Clone(expected)
	observed[500] = "B"
	v := Sequence(expected, observed)
	if v.Pass {
		t.Fatal("passed")
	}
	lines := strings.Split(v.Detail, "\n")
	if lines[0] != "(495 connections before, all as expected)" {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.Contains(v.Detail, "501  C         B         <- first divergence") ||
		!strings.Contains(v.Detail, "(491 connections after not shown)") {
		t.Errorf("window wrong:\n%s", v.Detail)
	}
	if n := strings.Count(v.Detail, "\n"); n > 30 {
		t.Errorf("detail has %d lines for one divergence", n)
	}
}

func TestSequenceNeedsExpectation(t *testing.T) {
	if v := Sequence(nil, []string{"A"}); v.Pass || v.Err == nil {
		t.Errorf("empty expectation: %v", v)
	}
}

func TestParseSeqStopsAtItsLimit(t *testing.T) {
	if _, err := ParseSeq("rs1*9999999999999", 100); err == nil || !strings.Contains(err.Error(), "past 100 entries") {
		t.Errorf("a huge count: got %v", err)
	}
	if got, err := ParseSeq("rs1*3 rs2*2", 5); err != nil || len(got) != 5 {
		t.Errorf("exactly at the limit: %q, %v", got, err)
	}
	if _, err := ParseSeq("rs1*3 rs2*3", 5); err == nil {
		t.Error("one past the limit accepted")
	}
}

// Seq expands a compact sequence: names separated by spaces, "|" ignored
// (to mark rounds), "name*N" (or "name×N") for N repeats. It panics on a
// malformed repeat; use ParseSeq for input that is not a literal.
//
//	Seq("C B | C B C C B") → [C B C B C C B]
//	Seq("C*7 B*5 A*2")
func Seq(s string) []string {
	seq, err := ParseSeq(s, 1<<20)
	if err != nil {
		panic(err)
	}
	return seq
}
