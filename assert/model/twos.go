package model

import "fmt"

// twos is ip_vs_twos.c, power of two choices. Debian's 6.1 kernel does not
// build it (CONFIG_IP_VS_TWOS is not set), so -s twos fails there; the
// model follows the 6.1 source anyway.
type twos struct{ stateless }

func twosEligible(d *Dest) bool { return !d.overload && d.weight > 0 }

// twosPick is the walk of ip_vs_twos_schedule: the first eligible
// destination at which r minus the running weight sum is <= 0.
func twosPick(s *Service, r int) *Dest {
	for _, d := range s.dests {
		if !twosEligible(d) {
			continue
		}
		if r -= d.weight; r <= 0 {
			return d
		}
	}
	return nil
}

// twosBetter is the final comparison: choice2 only when it is strictly
// less loaded per weight (int arithmetic as in the kernel).
func twosBetter(c1, c2 *Dest) *Dest {
	if int32(c2.weight)*int32(c1.overhead()) > int32(c1.weight)*int32(c2.overhead()) {
		return c2
	}
	return c1
}

// twosTotal is 1 + the sum of the eligible weights: random values are
// drawn in [0, total) = [0, sum], so the first eligible destination has
// one extra chance.
func twosTotal(s *Service) int {
	total := 0
	for _, d := range s.dests {
		if twosEligible(d) {
			total += d.weight
		}
	}
	if total == 0 {
		return 0
	}
	return total + 1
}

// schedule is ip_vs_twos_schedule, with Service.Random as prandom_u32 and
// 6.1's prandom_u32_max(n) = (u64)prandom_u32() * n >> 32.
func (twos) schedule(s *Service, _ Conn) (*Dest, error) {
	total := twosTotal(s)
	if total == 0 {
		return nil, ErrNoDestination
	}
	below := func() int { return int(uint64(s.Random()) * uint64(total) >> 32) }
	r1, r2 := below(), below()
	return twosBetter(twosPick(s, r1), twosPick(s, r2)), nil
}

// Probabilities is the exact distribution of the next twos pick given the
// current counters (each random value taken as uniform over [0, sum of
// weights]). Other schedulers are deterministic: it returns an error.
func (s *Service) Probabilities() (map[*Dest]float64, error) {
	if _, ok := s.sched.(twos); !ok {
		return nil, fmt.Errorf("scheduler %s is deterministic", s.schedName)
	}
	total := twosTotal(s)
	if total == 0 {
		return nil, ErrNoDestination
	}
	p := map[*Dest]float64{}
	first := true
	for _, d := range s.dests {
		if !twosEligible(d) {
			continue
		}
		p[d] = float64(d.weight) / float64(total)
		if first {
			p[d] = float64(d.weight+1) / float64(total)
			first = false
		}
	}
	out := map[*Dest]float64{}
	for c1, p1 := range p {
		for c2, p2 := range p {
			out[twosBetter(c1, c2)] += p1 * p2
		}
	}
	return out, nil
}
