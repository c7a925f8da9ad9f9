package assert

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DefaultFalseFailureRate is the probability, at most, that Proportions
// fails although the scheduler did what the weights promise.
const DefaultFalseFailureRate = 1e-6

// Proportions checks that connection counts fit the weights of a
// scheduler that is random in effect (sh/mh over many clients, twos, a
// lab's timing): a server of weight w takes about w/W of the connections,
// a server of weight 0 (or absent from weights) takes none. The counts
// must be of independent picks: for sh/mh/dh, where a client sticks to its
// server, count clients rather than connections.
// falseFailureRate bounds the probability of failing a correct scheduler;
// 0 means DefaultFalseFailureRate.
//
// Method: under the expectation each server's count is Binomial(n, w/W);
// it must fall in its exact equal-tailed acceptance range at level rate/m
// for m servers of positive weight (rate for m = 2, where both ranges are
// one event). By the union bound the false-failure probability is at most
// rate for every n. Pearson's chi-square was not used: at 1e-6 its tail is
// 2.6 times too light when the smallest expected count is 100 and 69 times
// at 5 (exact binomial sums), and a weight-1 server among heavy ones has
// such counts in short runs; the exact multinomial test does not scale
// past two servers. A per-server range is also what a person can check.
func Proportions(weights map[string]float64, counts map[string]int, falseFailureRate float64) Verdict {
	const name = "proportions"
	rate := falseFailureRate
	if rate == 0 {
		rate = DefaultFalseFailureRate
	}
	if !(rate > 0 && rate < 1) {
		return invalid(name, "false-failure rate %g is not in (0, 1)", falseFailureRate)
	}
	sh, err := newShares(weights, counts)
	if err != nil {
		return invalid(name, "%v", err)
	}
	if sh.n == 0 {
		return fail(name, "no connections counted", sh.table(nil))
	}
	level := perServerLevel(rate, sh.positive)
	minP, minAt := 1.0, ""
	for i := range sh.rows {
		r := &sh.rows[i]
		if r.share == 0 {
			r.p = 1
			if r.observed > 0 {
				r.p = 0
			}
		} else {
			r.lo, r.hi = binomRange(sh.n, r.share, level)
			r.p = binomPValue(sh.n, r.observed, r.share)
		}
		if r.p < minP {
			minP, minAt = r.p, r.server
		}
	}
	method := fmt.Sprintf("exact two-sided binomial test per server at %.3g (%s of positive weight; union bound: false-failure rate ≤ %.3g)\n",
		level, plural(sh.positive, "server"), rate)
	if minAt != "" {
		method += fmt.Sprintf("smallest p-value %.3g (%s); a server fails at p ≤ %.3g\n", minP, minAt, level)
	}
	return sh.verdict(name, method+"\n"+sh.table(func(r shareRow) string { return fmt.Sprintf("%.2g", r.p) }))
}

// ProportionsWithin checks counts of a deterministic scheduler: each
// server's count is within tolerance of its weight share n·w/W (wrr over
// whole rounds: 0; whole rounds after a fresh build's first round: 1; a
// partial round can be off by more).
func ProportionsWithin(weights map[string]float64, counts map[string]int, tolerance float64) Verdict {
	const name = "proportions (exact)"
	if !(tolerance >= 0) || math.IsInf(tolerance, 1) {
		return invalid(name, "tolerance %g is not a finite number ≥ 0", tolerance)
	}
	sh, err := newShares(weights, counts)
	if err != nil {
		return invalid(name, "%v", err)
	}
	if sh.n == 0 {
		return fail(name, "no connections counted", sh.table(nil))
	}
	// The slack keeps float rounding of n·w/W from shrinking the range.
	const slack = 1e-9
	for i := range sh.rows {
		r := &sh.rows[i]
		if r.share > 0 {
			r.lo = max(0, int(math.Ceil(r.expected-tolerance-slack)))
			r.hi = min(sh.n, int(math.Floor(r.expected+tolerance+slack)))
		}
	}
	return sh.verdict(name, fmt.Sprintf("each server within ±%g of its weight share\n\n", tolerance)+sh.table(nil))
}

// perServerLevel is the level of each server's test for m servers of
// positive weight. With two, one count determines the other and the two
// ranges reject the same samples.
func perServerLevel(rate float64, m int) float64 {
	if m <= 2 {
		return rate
	}
	return rate / float64(m)
}

// shares is the per-server comparison of counts with weight shares.
type shares struct {
	rows     []shareRow
	n        int // connections counted
	total    float64
	positive int // servers of positive weight
}

type shareRow struct {
	server         string
	weight, share  float64
	expected       float64
	observed       int
	lo, hi         int // accepted range of observed
	p              float64
	configuredZero bool // absent from weights
}

func newShares(weights map[string]float64, counts map[string]int) (*shares, error) {
	sh := &shares{}
	for s, w := range weights {
		if !(w >= 0) || math.IsInf(w, 1) {
			return nil, fmt.Errorf("weight of %s is %g; want a finite number ≥ 0", s, w)
		}
		sh.total += w
		if w > 0 {
			sh.positive++
		}
	}
	if sh.positive == 0 {
		return nil, fmt.Errorf("no server has a positive weight")
	}
	for s, c := range counts {
		if c < 0 {
			return nil, fmt.Errorf("count of %s is %d", s, c)
		}
		sh.n += c
	}
	for _, s := range serverNames(weights, counts) {
		w, ok := weights[s]
		r := shareRow{server: s, weight: w, share: w / sh.total, observed: counts[s], configuredZero: !ok}
		r.expected = r.share * float64(sh.n)
		sh.rows = append(sh.rows, r)
	}
	return sh, nil
}

// verdict passes when every observed count is in its range.
func (sh *shares) verdict(name, detail string) Verdict {
	v := sh.judge(name, detail)
	for _, r := range sh.rows {
		v.Split = append(v.Split, Share{Server: r.server, Expected: r.expected, Observed: r.observed, Lo: r.lo, Hi: r.hi, Ranged: true})
	}
	return v
}

func (sh *shares) judge(name, detail string) Verdict {
	var out []string
	for _, r := range sh.rows {
		if r.observed < r.lo || r.observed > r.hi {
			who := r.server
			if r.configuredZero {
				who += " (not in the weights)"
			}
			out = append(out, fmt.Sprintf("%s took %d (expected %.1f, accepted %s)", who, r.observed, r.expected, r.rangeString()))
		}
	}
	if len(out) == 0 {
		return pass(name, fmt.Sprintf("%s, every server within its accepted range", plural(sh.n, "connection")), detail)
	}
	summary := fmt.Sprintf("%d of %s out of range over %s: %s", len(out), plural(len(sh.rows), "server"), plural(sh.n, "connection"), out[0])
	if len(out) > 1 {
		summary += fmt.Sprintf("; %s", strings.Join(out[1:min(len(out), 3)], "; "))
	}
	if len(out) > 3 {
		summary += "; …"
	}
	return fail(name, summary, detail)
}

// table prints one row per server; extra adds a p-value column.
func (sh *shares) table(extra func(shareRow) string) string {
	header := []string{"server", "weight", "expected", "observed", "diff", "exp share", "obs share", "accepted"}
	if extra != nil {
		header = append(header, "p-value")
	}
	t := newTable("lrrrrrrrrl", header...)
	for _, r := range sh.rows {
		weight := strconv.FormatFloat(r.weight, 'g', 4, 64) // model shares are long fractions
		if r.configuredZero {
			weight = "-"
		}
		obsShare := 0.0
		if sh.n > 0 {
			obsShare = float64(r.observed) / float64(sh.n)
		}
		cells := []string{r.server, weight, fmt.Sprintf("%.1f", r.expected), fmt.Sprint(r.observed),
			fmt.Sprintf("%+.1f", float64(r.observed)-r.expected),
			fmt.Sprintf("%.2f%%", 100*r.share), fmt.Sprintf("%.2f%%", 100*obsShare), r.rangeString()}
		if extra != nil {
			cells = append(cells, extra(r))
		}
		t.add(append(cells, mark(r.observed < r.lo || r.observed > r.hi, "<- out of range"))...)
	}
	t.add("total", fmt.Sprintf("%g", sh.total), fmt.Sprint(sh.n), fmt.Sprint(sh.n))
	return t.String()
}

func (r shareRow) rangeString() string {
	if r.lo == r.hi {
		return fmt.Sprint(r.lo)
	}
	return fmt.Sprintf("%d..%d", r.lo, r.hi)
}
