package model

import (
	"net/netip"
	"time"
)

// lblc is ip_vs_lblc.c: destination address → one destination.
type lblc struct {
	cache map[netip.Addr]*lblcEntry
	timer cacheTimer
}

type lblcEntry struct {
	cacheEntry
	dest *Dest
}

func (e *lblcEntry) header() *cacheEntry { return &e.cacheEntry }

func (l *lblc) initService(s *Service) {
	l.cache = map[netip.Addr]*lblcEntry{}
	l.timer.start(s.now)
}
func (l *lblc) addDest(*Service, *Dest) {}
func (l *lblc) delDest(*Service, *Dest) {}
func (l *lblc) updDest(*Service, *Dest) {}

func (l *lblc) advance(s *Service, target time.Duration) {
	expireCache(&l.timer, l.cache, target, s.LBLCExpiration)
}

// schedule is ip_vs_lblc_schedule: the cached destination while it is
// linked, has weight > 0 and is not "overloaded" in lblc's own sense (its
// OVERLOAD flag is not checked); otherwise the wlc pick, which replaces the
// cache entry.
func (l *lblc) schedule(s *Service, c Conn) (*Dest, error) {
	key := c.Virtual.Addr()
	if en := l.cache[key]; en != nil {
		en.lastuse = s.now
		if d := en.dest; d.available && d.weight > 0 && !localityOverloaded(s, d) {
			return d, nil
		}
	}
	d, err := weightedLeast(s.dests, (*Dest).overhead)
	if err != nil {
		return nil, err
	}
	l.store(s, key, d)
	return d, nil
}

// store is ip_vs_lblc_new.
func (l *lblc) store(s *Service, key netip.Addr, d *Dest) {
	if en := l.cache[key]; en != nil {
		if en.dest == d {
			return
		}
		delete(l.cache, key)
	}
	if len(l.cache) >= cacheMaxEntriesLimit {
		return
	}
	l.cache[key] = &lblcEntry{cacheEntry{lastuse: s.now}, d}
}

// LocalityCache returns the lblc/lblcr cache: for each destination address
// the destinations it maps to (lblcr: its set, newest first). Nil for
// other schedulers.
func (s *Service) LocalityCache() map[netip.Addr][]*Dest {
	out := map[netip.Addr][]*Dest{}
	switch sch := s.sched.(type) {
	case *lblc:
		for _, a := range sortedAddrs(sch.cache) {
			out[a] = []*Dest{sch.cache[a].dest}
		}
	case *lblcr:
		for _, a := range sortedAddrs(sch.cache) {
			out[a] = append([]*Dest(nil), sch.cache[a].set...)
		}
	default:
		return nil
	}
	return out
}
