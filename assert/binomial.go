package assert

import "math"

// Exact binomial tails through the regularized incomplete beta function:
// P(X ≤ k) = I_{1-p}(n-k, k+1) and P(X ≥ k) = I_p(k, n-k+1) for
// X ~ Binomial(n, p). Relative accuracy holds far into the tails, which a
// normal or chi-square approximation does not give at 1e-6.

// binomLE is P(X ≤ k).
func binomLE(n, k int, p float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n || p <= 0:
		return 1
	case p >= 1:
		return 0
	}
	return betaInc(float64(n-k), float64(k+1), 1-p)
}

// binomGE is P(X ≥ k).
func binomGE(n, k int, p float64) float64 {
	switch {
	case k <= 0:
		return 1
	case k > n || p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	return betaInc(float64(k), float64(n-k+1), p)
}

// binomRange is the equal-tailed acceptance range [lo, hi] at level beta:
// P(X < lo) ≤ beta/2 and P(X > hi) ≤ beta/2, each as wide as allowed.
func binomRange(n int, p, beta float64) (lo, hi int) {
	// lo: the smallest k with P(X ≤ k) > beta/2.
	a, b := 0, n
	for a < b {
		m := (a + b) / 2
		if binomLE(n, m, p) > beta/2 {
			b = m
		} else {
			a = m + 1
		}
	}
	lo = a
	// hi: the largest k with P(X ≥ k) > beta/2.
	a, b = 0, n
	for a < b {
		m := (a + b + 1) / 2
		if binomGE(n, m, p) > beta/2 {
			a = m
		} else {
			b = m - 1
		}
	}
	return lo, a
}

// binomPValue is the two-sided (doubled smaller tail) p-value of k.
func binomPValue(n, k int, p float64) float64 {
	return min(1, 2*min(binomLE(n, k, p), binomGE(n, k, p)))
}

// betaInc is the regularized incomplete beta function I_x(a, b) for
// a, b > 0 and 0 ≤ x ≤ 1 (continued fraction, Numerical Recipes 6.4).
func betaInc(a, b, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	// The fraction converges fast for x below the mean a/(a+b); above it,
	// use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a).
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// betaCF evaluates the continued fraction of betaInc by the modified
// Lentz method.
func betaCF(a, b, x float64) float64 {
	const (
		eps  = 1e-15
		tiny = 1e-300
	)
	nonzero := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1/nonzero(1-qab*x/qap)
	h := d
	// step folds in one coefficient and returns the factor it contributes.
	step := func(aa float64) float64 {
		d = 1 / nonzero(1+aa*d)
		c = nonzero(1 + aa/c)
		return d * c
	}
	// The number of terms grows like sqrt(max(a, b)).
	maxIter := 1000 + int(10*math.Sqrt(max(a, b)))
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		h *= step(fm * (b - fm) * x / ((qam + m2) * (a + m2)))
		del := step(-(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2)))
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}
