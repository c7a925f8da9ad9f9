package model

// wrr is ip_vs_wrr.c (struct ip_vs_wrr_mark). cl is the last chosen
// destination, nil for the list head; cw the current weight threshold,
// mw the maximum weight less (di - 1), di the gcd of the positive weights.
type wrr struct {
	cl         *Dest
	cw, mw, di int
}

// initService is ip_vs_wrr_init_svc.
func (w *wrr) initService(s *Service) {
	w.cl = nil
	w.di = wrrGCD(s)
	w.mw = wrrMaxWeight(s) - (w.di - 1)
	w.cw = w.mw
}

func (w *wrr) addDest(s *Service, _ *Dest) { w.destChanged(s) }
func (w *wrr) delDest(s *Service, _ *Dest) { w.destChanged(s) }
func (w *wrr) updDest(s *Service, _ *Dest) { w.destChanged(s) }

// destChanged is ip_vs_wrr_dest_changed: the cursor goes back to the head,
// but cw survives (clamped to the new mw, or aligned to the new gcd). So a
// service built with -A then -a starts with cw = 1: after the first -a, cw
// is 0 and becomes that mw, which is 1 (max weight − (gcd − 1)).
func (w *wrr) destChanged(s *Service) {
	w.cl = nil
	w.di = wrrGCD(s)
	w.mw = wrrMaxWeight(s) - (w.di - 1)
	if w.cw > w.mw || w.cw == 0 {
		w.cw = w.mw
	} else if w.di > 1 {
		w.cw = (w.cw/w.di)*w.di + 1
	}
}

// wrrGCD is ip_vs_wrr_gcd_weight: gcd of the positive weights, 1 if none.
func wrrGCD(s *Service) int {
	g := 0
	for _, d := range s.dests {
		if d.weight > 0 {
			if g > 0 {
				g = gcd(d.weight, g)
			} else {
				g = d.weight
			}
		}
	}
	if g == 0 {
		return 1
	}
	return g
}

// wrrMaxWeight is ip_vs_wrr_max_weight.
func wrrMaxWeight(s *Service) int {
	m := 0
	for _, d := range s.dests {
		m = max(m, d.weight)
	}
	return m
}

// schedule is ip_vs_wrr_schedule: continue after cl for the next
// destination, not overloaded, with weight >= cw; at the end of the list
// lower cw by di (back to mw below 1) and scan again from the head. The
// last_pass/restarted/stop bookkeeping gives up once every destination has
// been checked against the lowest threshold.
func (w *wrr) schedule(s *Service, _ Conn) (*Dest, error) {
	if w.mw == 0 {
		return nil, ErrNoDestination
	}
	last := s.index(w.cl)
	stop := -2 // no stop position
	lastPass, restarted := false, false
	pos := last
	for {
		for pos++; pos < len(s.dests); pos++ {
			d := s.dests[pos]
			if !d.overload && d.weight >= w.cw {
				w.cl = d
				return d, nil
			}
			if pos == stop {
				w.cl = d
				return nil, errAllOverloaded
			}
		}
		w.cw -= w.di
		if w.cw <= 0 {
			w.cw = w.mw
			if lastPass || last == -1 {
				w.cl = nil
				return nil, errAllOverloaded
			}
			restarted = true
		}
		lastPass = w.cw <= w.di
		if lastPass && restarted && last != -1 {
			stop = last
		}
		pos = -1
	}
}

var errAllOverloaded = wrapNoDest("all destinations are overloaded")
