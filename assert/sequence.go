package assert

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSeq is Seq returning an error, and refusing a sequence longer than limit before it grows.
func ParseSeq(s string, limit int) ([]string, error) {
	var seq []string
	for _, f := range strings.Fields(s) {
		if f == "|" {
			continue
		}
		name, reps, found := strings.Cut(strings.ReplaceAll(f, "×", "*"), "*")
		n := 1
		if found {
			var err error
			n, err = strconv.Atoi(reps)
			if err != nil || n < 1 || name == "" {
				return nil, fmt.Errorf("item %q: want name*count with count ≥ 1", clip(f))
			}
		}
		if n > limit-len(seq) {
			return nil, fmt.Errorf("item %q takes the sequence past %d entries, the most there can be", clip(f), limit)
		}
		for range n {
			seq = append(seq, name)
		}
	}
	return seq, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Sequence checks that the servers took the connections in exactly the
// expected order (connection i went to expected[i]).
func Sequence(expected, observed []string) Verdict {
	const name = "sequence"
	if len(expected) == 0 {
		return invalid(name, "no expected sequence")
	}
	n := max(len(expected), len(observed))
	first, differ := -1, 0
	for i := range n {
		if at(expected, i) != at(observed, i) {
			differ++
			if first < 0 {
				first = i
			}
		}
	}
	split := countShares(Counts(expected), Counts(observed))
	if first < 0 {
		v := pass(name, plural(n, "connection")+" in the expected order", "")
		v.Split, v.Order = split, newOrder(expected, observed, -1)
		return v
	}
	summary := fmt.Sprintf("%d of %d connections differ; first at #%d: expected %s, observed %s",
		differ, n, first+1, at(expected, first), at(observed, first))
	if len(expected) != len(observed) {
		summary = fmt.Sprintf("expected %s, observed %d; ", plural(len(expected), "connection"), len(observed)) + summary
	}
	detail := sequenceWindow(expected, observed, first) + "\n" +
		countTable("expected", "observed", Counts(expected), Counts(observed))
	v := fail(name, summary, detail)
	v.Split, v.Order = split, newOrder(expected, observed, first)
	return v
}

// sequenceWindow prints the sequences one connection a line around the
// first divergence (5 before, 10 after), each differing line marked.
func sequenceWindow(expected, observed []string, first int) string {
	n := max(len(expected), len(observed))
	lo, hi := max(0, first-5), min(n, first+11)
	var b strings.Builder
	if lo > 0 {
		fmt.Fprintf(&b, "(%d connections before, all as expected)\n", lo)
	}
	t := newTable("rll", "#", "expected", "observed")
	for i := lo; i < hi; i++ {
		e, o := at(expected, i), at(observed, i)
		note := mark(e != o, "<- differs")
		if i == first {
			note = "<- first divergence"
		}
		t.add(fmt.Sprint(i+1), e, o, note)
	}
	b.WriteString(t.String())
	if hi < n {
		fmt.Fprintf(&b, "(%d connections after not shown)\n", n-hi)
	}
	return b.String()
}

// at is seq[i], or "-" past its end.
func at(seq []string, i int) string {
	if i < len(seq) {
		return seq[i]
	}
	return "-"
}

// Counts is how many connections each server took in a sequence.
func Counts(seq []string) map[string]int {
	m := map[string]int{}
	for _, s := range seq {
		m[s]++
	}
	return m
}
