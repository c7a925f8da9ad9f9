package model

import (
	"math"
	"testing"
)

func TestTwosProbabilities(t *testing.T) {
	f := build(t, "twos", nil, w(addrA, 1), w(addrB, 1)) // list B A
	// Random values are uniform over [0, 2]: B (first) covers 0 and 1.
	// With equal loads the first draw always stands.
	p := must(f.s.Probabilities())
	b, a := f.s.Dest(addrB), f.s.Dest(addrA)
	if !near(p[b], 2.0/3) || !near(p[a], 1.0/3) {
		t.Fatalf("idle: %v", p)
	}
	// B busy: the second draw wins when it is A and the first is B.
	f.s.Open(b, f.conn())
	p = must(f.s.Probabilities())
	if !near(p[a], 5.0/9) || !near(p[b], 4.0/9) {
		t.Fatalf("B busy: %v", p)
	}
	if _, err := must(New("rr")).Probabilities(); err == nil {
		t.Fatal("rr has no distribution")
	}
}

func TestTwosScheduleMatchesDistribution(t *testing.T) {
	f := build(t, "twos", nil, w(addrA, 1), w(addrB, 4), w(addrC, 6))
	f.s.Open(f.s.Dest(addrC), f.conn())
	f.s.Open(f.s.Dest(addrC), f.conn())
	f.s.Open(f.s.Dest(addrB), f.conn())
	p := must(f.s.Probabilities())
	const n = 60000
	got := map[*Dest]int{}
	for i := 0; i < n; i++ {
		got[must(f.s.Schedule(f.conn()))]++
	}
	for d, pd := range p {
		// 5 standard deviations: a false failure about once in 3.5 million runs.
		sd := math.Sqrt(n * pd * (1 - pd))
		if math.Abs(float64(got[d])-n*pd) > 5*sd {
			t.Errorf("%s: %d of %d, expected %.0f", name(d), got[d], n, n*pd)
		}
	}
}

func TestTwosInjectedRandom(t *testing.T) {
	f := build(t, "twos", nil, w(addrA, 1), w(addrB, 4), w(addrC, 6)) // list C B A
	f.s.Random = func() uint32 { return 0 }                           // r = 0: the first destination
	if got := name(must(f.s.Schedule(f.conn()))); got != "C" {
		t.Fatal(got)
	}
	f.s.Random = func() uint32 { return math.MaxUint32 } // r = 11: the last
	if got := name(must(f.s.Schedule(f.conn()))); got != "A" {
		t.Fatal(got)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
