package assert

import (
	"math"
	"testing"
)

// binomPMF is the binomial probability of k, from log-gamma.
func binomPMF(n, k int, p float64) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return math.Exp(a - b - c + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
}

// The tails agree with direct summation of the probabilities, far into
// the tails where a 1e-6 test decides.
func TestBinomialTails(t *testing.T) {
	tests := []struct {
		n  int
		p  float64
		ks []int
	}{
		{20, 0.3, []int{0, 1, 6, 14, 19}},
		{1000, 0.25, []int{150, 200, 250, 300, 360}},
		{10000, 1.0 / 11, []int{700, 800, 909, 1050, 1150}},
		{10000, 0.75, []int{7200, 7500, 7750}},
	}
	for _, tt := range tests {
		for _, k := range tt.ks {
			var le, ge float64
			for x := 0; x <= tt.n; x++ {
				if x <= k {
					le += binomPMF(tt.n, x, tt.p)
				} else {
					ge += binomPMF(tt.n, x, tt.p)
				}
			}
			ge += binomPMF(tt.n, k, tt.p) // P(X ≥ k) includes k
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"P(X≤k)", binomLE(tt.n, k, tt.p), le}, {"P(X≥k)", binomGE(tt.n, k, tt.p), ge}} {
				if math.Abs(c.got-c.want) > 1e-9*c.want+1e-300 {
					t.Errorf("n=%d p=%g k=%d %s = %.15g, want %.15g", tt.n, tt.p, k, c.name, c.got, c.want)
				}
			}
		}
	}
}

func TestBetaIncKnownValues(t *testing.T) {
	tests := []struct{ a, b, x, want float64 }{
		{1, 1, 0.3, 0.3},
		{5, 1, 0.5, 1.0 / 32},   // x^a
		{1, 4, 0.5, 1 - 1.0/16}, // 1 - (1-x)^b
		{7, 7, 0.5, 0.5},
		{2000, 2000, 0.5, 0.5},
	}
	for _, tt := range tests {
		if got := betaInc(tt.a, tt.b, tt.x); math.Abs(got-tt.want) > 1e-10*tt.want {
			t.Errorf("I_%g(%g, %g) = %.15g, want %.15g", tt.x, tt.a, tt.b, got, tt.want)
		}
	}
}

// Each end of the range leaves at most beta/2 outside and is as wide as
// that allows.
func TestBinomRange(t *testing.T) {
	for _, n := range []int{10, 100, 10000, 1000000} {
		for _, p := range []float64{0.01, 0.25, 0.5, 0.9} {
			for _, beta := range []float64{0.05, 1e-6, 1e-12} {
				lo, hi := binomRange(n, p, beta)
				if binomLE(n, lo-1, p) > beta/2 || (lo > 0 && binomLE(n, lo, p) <= beta/2) {
					t.Errorf("n=%d p=%g beta=%g: lo=%d is not the tightest lower end", n, p, beta, lo)
				}
				if binomGE(n, hi+1, p) > beta/2 || (hi < n && binomGE(n, hi, p) <= beta/2) {
					t.Errorf("n=%d p=%g beta=%g: hi=%d is not the tightest upper end", n, p, beta, hi)
				}
			}
		}
	}
}
