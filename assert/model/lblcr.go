package model

import (
	"net/netip"
	"slices"
	"time"
)

// lblcr is ip_vs_lblcr.c: destination address → a set of destinations.
type lblcr struct {
	cache map[netip.Addr]*lblcrEntry
	timer cacheTimer
}

type lblcrEntry struct {
	cacheEntry
	set     []*Dest // newest member first (list_add_rcu)
	lastmod time.Duration
}

func (e *lblcrEntry) header() *cacheEntry { return &e.cacheEntry }

func (l *lblcr) initService(s *Service) {
	l.cache = map[netip.Addr]*lblcrEntry{}
	l.timer.start(s.now)
}
func (l *lblcr) addDest(*Service, *Dest) {}
func (l *lblcr) delDest(*Service, *Dest) {}
func (l *lblcr) updDest(*Service, *Dest) {}

func (l *lblcr) advance(s *Service, target time.Duration) {
	expireCache(&l.timer, l.cache, target, s.LBLCRExpiration)
}

// schedule is ip_vs_lblcr_schedule.
func (l *lblcr) schedule(s *Service, c Conn) (*Dest, error) {
	key := c.Virtual.Addr()
	en := l.cache[key]
	if en == nil {
		d, err := weightedLeast(s.dests, (*Dest).overhead)
		if err != nil {
			return nil, err
		}
		if len(l.cache) < cacheMaxEntriesLimit {
			l.cache[key] = &lblcrEntry{cacheEntry{lastuse: s.now}, []*Dest{d}, s.now}
		}
		return d, nil
	}
	en.lastuse = s.now
	d := en.setMin()
	// A set unchanged for lblcr_expiration loses its most loaded member.
	if len(en.set) > 1 && s.now > en.lastmod+s.LBLCRExpiration {
		if m := en.setMax(); m != nil {
			en.set = slices.DeleteFunc(en.set, func(x *Dest) bool { return x == m })
			en.lastmod = s.now
		}
	}
	if d != nil && !localityOverloaded(s, d) {
		return d, nil
	}
	d, err := weightedLeast(s.dests, (*Dest).overhead)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(en.set, d) {
		en.set = append([]*Dest{d}, en.set...)
		en.lastmod = s.now
	}
	return d, nil
}

// setMin is ip_vs_dest_set_min: wlc over the set's linked members.
func (en *lblcrEntry) setMin() *Dest {
	first := -1
	for i, d := range en.set {
		if !d.overload && d.weight > 0 && d.available {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	least := en.set[first]
	loh := least.overhead()
	for _, d := range en.set[first+1:] {
		if d.overload {
			continue
		}
		doh := d.overhead()
		if int64(loh)*int64(d.weight) > int64(doh)*int64(least.weight) && d.available {
			least, loh = d, doh
		}
	}
	return least
}

// setMax is ip_vs_dest_set_max: the most loaded member by overhead/weight
// among weights > 0 (overload flag and availability not checked).
func (en *lblcrEntry) setMax() *Dest {
	first := -1
	for i, d := range en.set {
		if d.weight > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	most := en.set[first]
	moh := most.overhead()
	for _, d := range en.set[first+1:] {
		doh := d.overhead()
		if int64(moh)*int64(d.weight) < int64(doh)*int64(most.weight) && d.weight > 0 {
			most, moh = d, doh
		}
	}
	return most
}
