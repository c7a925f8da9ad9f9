package assert

import (
	"net/netip"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// Share is one server's count in a check that compares counts: what the expectation gives it and what
// was observed, with the range the check accepts.
type Share struct {
	Server   string  `json:"server"`
	Expected float64 `json:"expected"`
	Observed int     `json:"observed"`
	// Lo and Hi bound the accepted Observed; Ranged is false when the check accepts no range of its own
	// (a sequence is judged connection by connection).
	Lo     int  `json:"lo"`
	Hi     int  `json:"hi"`
	Ranged bool `json:"ranged,omitempty"`
}

// Out reports whether the observed count is outside the accepted range.
func (s Share) Out() bool { return s.Ranged && (s.Observed < s.Lo || s.Observed > s.Hi) }

// Order is a window of a sequence check's two sequences around their first difference, as a picture of
// the run shows them.
type Order struct {
	Offset   int      `json:"offset"` // the whole sequences' index of Expected[0] and Observed[0]
	Expected []string `json:"expected"`
	Observed []string `json:"observed"`
	First    int      `json:"first"` // the whole sequences' index of the first difference; -1 when none
	Total    int      `json:"total"` // the longer sequence's length
}

// orderWindow is how many connections an Order keeps: some before the first difference, more after.
const (
	orderBefore = 10
	orderWindow = 40
)

func newOrder(expected, observed []string, first int) *Order {
	n := max(len(expected), len(observed))
	lo := 0
	if first > 0 {
		lo = max(0, first-orderBefore)
	}
	hi := min(n, lo+orderWindow)
	o := &Order{Offset: lo, First: first, Total: n, Expected: []string{}, Observed: []string{}}
	for i := lo; i < hi; i++ {
		o.Expected = append(o.Expected, at(expected, i))
		o.Observed = append(o.Observed, at(observed, i))
	}
	return o
}

// countShares are per-server counts of two sources, expected and observed, in serverNames' order.
func countShares(exp, obs map[string]int) []Share {
	var out []Share
	for _, s := range serverNames(exp, obs) {
		out = append(out, Share{Server: s, Expected: float64(exp[s]), Observed: obs[s]})
	}
	return out
}

// WeightShares is what a service's weights give each of its real servers of n connections counted, set
// against the counts: an expectation to draw, not a verdict (only some schedulers split by weight, and
// no range is accepted or refused). name gives a real server's name, "" for its address; counts are by
// those names.
func WeightShares(s *ipvsadm.Service, name func(netip.AddrPort) string, counts map[string]int) []Share {
	total, n := 0, 0
	for _, d := range s.Dests {
		total += max(d.Weight, 0)
	}
	for _, c := range counts {
		n += c
	}
	var out []Share
	seen := map[string]bool{}
	for i := len(s.Dests) - 1; i >= 0; i-- { // the oldest real server first, as they were added
		d := s.Dests[i]
		who := name(d.Addr)
		if who == "" {
			who = d.Addr.String()
		}
		exp := 0.0
		if total > 0 {
			exp = float64(n) * float64(max(d.Weight, 0)) / float64(total)
		}
		out = append(out, Share{Server: who, Expected: exp, Observed: counts[who]})
		seen[who] = true
	}
	for _, who := range serverNames(counts, counts) {
		if !seen[who] { // served, though not in the table (any more)
			out = append(out, Share{Server: who, Observed: counts[who]})
		}
	}
	return out
}
