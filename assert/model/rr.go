package model

// rr is ip_vs_rr.c. The cursor is the last chosen destination; nil stands
// for the list head (svc->destinations).
type rr struct{ cursor *Dest }

func (r *rr) initService(*Service)    { r.cursor = nil }
func (r *rr) addDest(*Service, *Dest) {}
func (r *rr) updDest(*Service, *Dest) {}

// delDest is ip_vs_rr_del_dest: the cursor on the deleted destination
// moves to its predecessor, so its successor comes next. It runs after the
// unlink, so the predecessor is found by the position the dest had.
func (r *rr) delDest(s *Service, d *Dest) {
	if r.cursor != d {
		return
	}
	r.cursor = nil
	if i := s.unlinkedAt; i > 0 {
		r.cursor = s.dests[i-1]
	}
}

// schedule is ip_vs_rr_schedule: scan after the cursor to the end, then
// (unless the cursor is the head) from the start up to and including the
// cursor; the first destination not overloaded with weight > 0 wins.
func (r *rr) schedule(s *Service, _ Conn) (*Dest, error) {
	last := s.index(r.cursor)
	for i := last + 1; i < len(s.dests); i++ {
		if d := s.dests[i]; rrEligible(d) {
			r.cursor = d
			return d, nil
		}
	}
	if r.cursor != nil {
		for i := 0; i <= last; i++ {
			if d := s.dests[i]; rrEligible(d) {
				r.cursor = d
				return d, nil
			}
		}
	}
	return nil, ErrNoDestination
}

func rrEligible(d *Dest) bool { return !d.overload && d.weight > 0 }
