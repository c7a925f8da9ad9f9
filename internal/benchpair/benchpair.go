// Package benchpair runs two contenders in interleaved pairs (A B A B ...), so that whatever else the
// machine does weighs on both alike, and summarises each pair's ratio: its median and its range.
package benchpair

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// Pairs holds the measurements of A and B, pair by pair.
type Pairs struct {
	A, B []float64
}

// Add measures one pair, a then b or, every other pair, b then a, so that neither always comes second
// (to caches the other warmed). Each function returns its figure (a duration in seconds, requests per
// second, ...).
func (p *Pairs) Add(a, b func() float64) {
	if len(p.A)%2 == 0 {
		x := a()
		p.A, p.B = append(p.A, x), append(p.B, b())
		return
	}
	y := b()
	p.A, p.B = append(p.A, a()), append(p.B, y)
}

// FirstOf runs a and b in the order Add would for the next pair.
func (p *Pairs) FirstOf(a, b func()) {
	if len(p.A)%2 == 0 {
		a()
		b()
		return
	}
	b()
	a()
}

// Time runs f and returns how long it took, in seconds.
func Time(f func()) float64 {
	start := time.Now()
	f()
	return time.Since(start).Seconds()
}

// Ratios are A/B per pair, sorted.
func (p Pairs) Ratios() []float64 {
	r := make([]float64, len(p.A))
	for i := range p.A {
		r[i] = p.A[i] / p.B[i]
	}
	slices.Sort(r)
	return r
}

// Median of xs.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Report prints a line: the medians of A and B in unit, and the median and range of the per-pair ratio
// A/B; it reports the same to b as metrics named after what.
func (p Pairs) Report(b testing.TB, what, nameA, nameB, unit string) {
	r := p.Ratios()
	if len(r) == 0 {
		fmt.Printf("%-34s no pairs measured\n", what)
		return
	}
	line := fmt.Sprintf("%-34s %s %9.4g %s   %s %9.4g %s   %s/%s median %.3f (range %.2f-%.2f, %d pairs)",
		what, nameA, Median(p.A), unit, nameB, Median(p.B), unit, nameA, nameB, Median(r), r[0], r[len(r)-1], len(r))
	fmt.Println(line)
	if bb, ok := b.(*testing.B); ok {
		bb.ReportMetric(Median(p.A), nameA+"-"+unit)
		bb.ReportMetric(Median(p.B), nameB+"-"+unit)
		bb.ReportMetric(Median(r), nameA+"/"+nameB)
	}
}
