package model

// The least-connection family scans the list from the head; a later
// destination replaces the current pick only when strictly better, so
// ties go to the earlier (newer) destination.

// lc is ip_vs_lc.c: least overhead, weights ignored except 0 = skip.
type lc struct{ stateless }

func (lc) schedule(s *Service, _ Conn) (*Dest, error) {
	var least *Dest
	for _, d := range s.dests {
		if d.overload || d.weight == 0 {
			continue
		}
		if least == nil || d.overhead() < least.overhead() {
			least = d
		}
	}
	if least == nil {
		return nil, ErrNoDestination
	}
	return least, nil
}

// wlc is ip_vs_wlc.c: least overhead/weight.
type wlc struct{ stateless }

func (wlc) schedule(s *Service, _ Conn) (*Dest, error) {
	return weightedLeast(s.dests, (*Dest).overhead)
}

// sed is ip_vs_sed.c: least (activeconns + 1)/weight.
type sed struct{ stateless }

func (sed) schedule(s *Service, _ Conn) (*Dest, error) {
	return weightedLeast(s.dests, sedOverhead)
}

// sedOverhead is ip_vs_sed_dest_overhead (and ip_vs_nq_dest_overhead).
func sedOverhead(d *Dest) int { return d.active + 1 }

// weightedLeast is the loop of ip_vs_wlc_schedule / ip_vs_sed_schedule:
// the first destination not overloaded with weight > 0 is the candidate;
// a later one not overloaded replaces it when loh*w(d) > doh*w(least).
// A weight-0 destination can never satisfy that.
func weightedLeast(dests []*Dest, oh func(*Dest) int) (*Dest, error) {
	first := -1
	for i, d := range dests {
		if !d.overload && d.weight > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, ErrNoDestination
	}
	least := dests[first]
	loh := oh(least)
	for _, d := range dests[first+1:] {
		if d.overload {
			continue
		}
		doh := oh(d)
		if int64(loh)*int64(d.weight) > int64(doh)*int64(least.weight) {
			least, loh = d, doh
		}
	}
	return least, nil
}

// nq is ip_vs_nq.c: the first idle destination (activeconns == 0) at
// once, whatever its weight; otherwise sed's rule.
type nq struct{ stateless }

func (nq) schedule(s *Service, _ Conn) (*Dest, error) {
	var least *Dest
	loh := 0
	for _, d := range s.dests {
		if d.overload || d.weight == 0 {
			continue
		}
		doh := sedOverhead(d)
		if d.active == 0 {
			return d, nil
		}
		if least == nil || int64(loh)*int64(d.weight) > int64(doh)*int64(least.weight) {
			least, loh = d, doh
		}
	}
	if least == nil {
		return nil, ErrNoDestination
	}
	return least, nil
}
