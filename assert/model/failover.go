package model

// fo is ip_vs_fo.c: the highest weight among destinations not overloaded;
// ties go to the earlier one. Connection counts are ignored.
type fo struct{ stateless }

func (fo) schedule(s *Service, _ Conn) (*Dest, error) {
	var best *Dest
	hw := 0
	for _, d := range s.dests {
		if !d.overload && d.weight > hw {
			best, hw = d, d.weight
		}
	}
	if best == nil {
		return nil, ErrNoDestination
	}
	return best, nil
}

// ovf is ip_vs_ovf.c: like fo, but a destination is skipped once its
// activeconns exceed its weight, so it takes weight+1 active connections.
// With all of them full there is no destination.
type ovf struct{ stateless }

func (ovf) schedule(s *Service, _ Conn) (*Dest, error) {
	var best *Dest
	hw := 0
	for _, d := range s.dests {
		if d.overload || d.active > d.weight || d.weight == 0 {
			continue
		}
		if best == nil || d.weight > hw {
			best, hw = d, d.weight
		}
	}
	if best == nil {
		return nil, ErrNoDestination
	}
	return best, nil
}
