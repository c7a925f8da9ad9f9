package assert

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

var threeToOne = map[string]float64{"rs1": 3, "rs2": 1}

func TestProportions(t *testing.T) {
	tests := []struct {
		name    string
		weights map[string]float64
		counts  map[string]int
		rate    float64
		pass    bool
		summary string // prefix
	}{
		{name: "perfect 3:1", weights: threeToOne, counts: map[string]int{"rs1": 7500, "rs2": 2500}, pass: true,
			summary: "10000 connections, every server within its accepted range"},
		{name: "3:1 at the edge of its range", weights: threeToOne, counts: map[string]int{"rs1": 7290, "rs2": 2710}, pass: true},
		{name: "weight-1 server 10% short of its share", weights: threeToOne, counts: map[string]int{"rs1": 7750, "rs2": 2250},
			summary: "2 of 2 servers out of range over 10000 connections: rs1 took 7750 (expected 7500.0, accepted 7286..7710)"},
		{name: "3:1 served as 4:1", weights: threeToOne, counts: map[string]int{"rs1": 8000, "rs2": 2000}},
		{name: "3:1 served as 3.3:1, 35000 connections", weights: threeToOne, counts: map[string]int{"rs1": 26860, "rs2": 8140}},
		{name: "1:4:6 typical", weights: map[string]float64{"A": 1, "B": 4, "C": 6}, counts: map[string]int{"A": 921, "B": 3590, "C": 5489}, pass: true},
		{name: "1:4:6 served as 1:6:4", weights: map[string]float64{"A": 1, "B": 4, "C": 6}, counts: map[string]int{"A": 909, "B": 5455, "C": 3636}},
		{name: "weight 0 takes none", weights: map[string]float64{"rs1": 3, "rs2": 1, "rs3": 0}, counts: map[string]int{"rs1": 7480, "rs2": 2520}, pass: true},
		{name: "weight 0 takes one", weights: map[string]float64{"rs1": 3, "rs2": 1, "rs3": 0}, counts: map[string]int{"rs1": 7500, "rs2": 2499, "rs3": 1},
			summary: "1 of 3 servers out of range over 10000 connections: rs3 took 1 (expected 0.0, accepted 0)"},
		{name: "server missing from weights", weights: threeToOne, counts: map[string]int{"rs1": 7500, "rs2": 2500, "rs9": 3},
			summary: "1 of 3 servers out of range over 10003 connections: rs9 (not in the weights) took 3"},
		{name: "single server takes all", weights: map[string]float64{"rs1": 5, "rs2": 0}, counts: map[string]int{"rs1": 100}, pass: true},
		{name: "looser rate catches 3.3:1 at 10000", weights: threeToOne, counts: map[string]int{"rs1": 7674, "rs2": 2326}, rate: 1e-3},
		{name: "nothing counted", weights: threeToOne, counts: map[string]int{}, summary: "no connections counted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Proportions(tt.weights, tt.counts, tt.rate)
			if v.Pass != tt.pass || v.Err != nil || !strings.HasPrefix(v.Summary, tt.summary) {
				t.Errorf("got\n%v\nwant pass=%v, summary starting %q", v, tt.pass, tt.summary)
			}
		})
	}
}

func TestProportionsCannotJudge(t *testing.T) {
	counts := map[string]int{"rs1": 1}
	tests := []struct {
		name    string
		weights map[string]float64
		counts  map[string]int
		rate    float64
	}{
		{"negative weight", map[string]float64{"rs1": -1, "rs2": 1}, counts, 0},
		{"NaN weight", map[string]float64{"rs1": math.NaN()}, counts, 0},
		{"no positive weight", map[string]float64{"rs1": 0}, counts, 0},
		{"negative count", threeToOne, map[string]int{"rs1": -1}, 0},
		{"rate 1", threeToOne, counts, 1},
		{"negative rate", threeToOne, counts, -1e-6},
	}
	for _, tt := range tests {
		if v := Proportions(tt.weights, tt.counts, tt.rate); v.Pass || v.Err == nil {
			t.Errorf("%s: %v", tt.name, v)
		}
	}
}

// The report shows, per server, expected and observed counts and shares
// side by side with the accepted range, then the method and the decision.
func TestProportionsDetailLayout(t *testing.T) {
	v := Proportions(map[string]float64{"rs1": 3, "rs2": 1, "rs3": 0}, map[string]int{"rs1": 7750, "rs2": 2250}, 0)
	want := `exact two-sided binomial test per server at 1e-06 (2 servers of positive weight; union bound: false-failure rate ≤ 1e-06)
smallest p-value 5.63e-09 (rs1); a server fails at p ≤ 1e-06

server  weight  expected  observed    diff  exp share  obs share    accepted  p-value
rs1          3    7500.0      7750  +250.0     75.00%     77.50%  7286..7710  5.6e-09  <- out of range
rs2          1    2500.0      2250  -250.0     25.00%     22.50%  2290..2714  5.6e-09  <- out of range
rs3          0       0.0         0    +0.0      0.00%      0.00%           0        1
total        4     10000     10000
`
	if v.Detail != want {
		t.Errorf("detail:\n%s\nwant:\n%s", v.Detail, want)
	}
}

// The stated rate bounds the false-failure probability at every sample
// size; with two servers it is nearly used up (the test is not needlessly
// timid), exactly.
func TestFalseFailureRateExact(t *testing.T) {
	for _, n := range []int{20, 100, 1000, 10000, 100000} {
		for _, rate := range []float64{0.05, 1e-3, 1e-6} {
			lo, hi := binomRange(n, 0.25, rate)
			actual := binomLE(n, lo-1, 0.25) + binomGE(n, hi+1, 0.25)
			if actual > rate {
				t.Errorf("n=%d rate=%g: actual false-failure rate %.3g exceeds it", n, rate, actual)
			}
			if n >= 1000 && actual < rate/3 {
				t.Errorf("n=%d rate=%g: actual false-failure rate %.3g, far below", n, rate, actual)
			}
		}
	}
}

// Samples from the right distribution fail about as often as stated.
func TestFalseFailureRateSimulated(t *testing.T) {
	tests := []struct {
		weights map[string]float64
		rate    float64
		minFrac float64 // of rate expected at least (the union bound loses some)
	}{
		{threeToOne, 1e-3, 0.5},
		{threeToOne, 0.05, 0.5},
		{map[string]float64{"A": 1, "B": 4, "C": 6}, 0.05, 1.0 / 3},
	}
	const n, samples = 10000, 2000
	for i, tt := range tests {
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		failed := 0
		for range samples {
			if !Proportions(tt.weights, sample(rng, tt.weights, n), tt.rate).Pass {
				failed++
			}
		}
		// Failures are about Poisson: allow 4 standard deviations.
		hiMean, loMean := tt.rate*samples, tt.minFrac*tt.rate*samples
		if f := float64(failed); f > hiMean+4*math.Sqrt(hiMean)+1 || f < loMean-4*math.Sqrt(loMean) {
			t.Errorf("weights %v rate %g: %d of %d samples failed, want about %.1f (at least %.1f)",
				tt.weights, tt.rate, failed, samples, hiMean, loMean)
		}
	}
}

// Typical samples from the right distribution pass at the default rate.
func TestTypicalSamplesPass(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range []map[string]float64{threeToOne, {"A": 1, "B": 4, "C": 6, "D": 0}, {"a": 1, "b": 1, "c": 1, "d": 1, "e": 10}} {
		for range 100 {
			if v := Proportions(w, sample(rng, w, 10000), 0); !v.Pass {
				t.Fatalf("weights %v:\n%v", w, v)
			}
		}
	}
}

// sample draws n connections from the weights.
func sample(rng *rand.Rand, weights map[string]float64, n int) map[string]int {
	names := serverNames(weights, map[string]int(nil))
	var total float64
	for _, s := range names {
		total += weights[s]
	}
	counts := map[string]int{}
	for range n {
		x := rng.Float64() * total
		for _, s := range names {
			if x -= weights[s]; x < 0 {
				counts[s]++
				break
			}
		}
	}
	return counts
}

func TestProportionsWithin(t *testing.T) {
	w := map[string]float64{"A": 1, "B": 4, "C": 6, "D": 0}
	tests := []struct {
		name    string
		counts  map[string]int
		tol     float64
		pass    bool
		summary string
	}{
		{"whole rounds", map[string]int{"A": 100, "B": 400, "C": 600}, 0, true, ""},
		{"fresh build: one extra round", map[string]int{"A": 101, "B": 401, "C": 601}, 1, true, ""},
		{"one off at tolerance 0", map[string]int{"A": 100, "B": 401, "C": 599}, 0, false,
			"2 of 4 servers out of range over 1100 connections: B took 401 (expected 400.0, accepted 400)"},
		{"two off at tolerance 1", map[string]int{"A": 98, "B": 400, "C": 602}, 1, false,
			"2 of 4 servers out of range over 1100 connections: A took 98 (expected 100.0, accepted 99..101)"},
		{"weight 0 took one", map[string]int{"A": 100, "B": 400, "C": 599, "D": 1}, 1, false,
			"1 of 4 servers out of range over 1100 connections: D took 1 (expected 0.0, accepted 0)"},
		{"nothing counted", nil, 1, false, "no connections counted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ProportionsWithin(w, tt.counts, tt.tol)
			if v.Pass != tt.pass || v.Err != nil || !strings.HasPrefix(v.Summary, tt.summary) {
				t.Errorf("got\n%v\nwant pass=%v, summary starting %q", v, tt.pass, tt.summary)
			}
		})
	}
	if v := ProportionsWithin(w, map[string]int{"A": 1}, -1); v.Err == nil {
		t.Errorf("negative tolerance: %v", v)
	}
}
