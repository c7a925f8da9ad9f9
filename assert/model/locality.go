package model

import (
	"net/netip"
	"sort"
	"time"
)

// Shared parts of ip_vs_lblc.c and ip_vs_lblcr.c: a cache keyed by the
// packet's destination address (for a plain virtual service: the VIP, so
// one entry serves every connection), garbage-collected by a 60 s timer.
const (
	cacheTabBits         = 10 // CONFIG_IP_VS_LBLC(R)_TAB_BITS
	cacheMaxSize         = 16 << cacheTabBits
	cacheCheckInterval   = 60 * time.Second // CHECK_EXPIRE_INTERVAL
	cacheEntryTimeout    = 6 * time.Minute  // ENTRY_TIMEOUT
	countForFullExpiry   = 30               // COUNT_FOR_FULL_EXPIRATION
	cacheMaxEntriesLimit = cacheMaxSize * 3 / 2
)

type cacheEntry struct {
	lastuse time.Duration
}

// cacheTimer is the periodic_timer state of the lblc/lblcr table.
type cacheTimer struct {
	next    time.Duration
	counter int
	rover   int
}

func (t *cacheTimer) start(now time.Duration) {
	*t = cacheTimer{next: now + cacheCheckInterval, counter: 1}
}

// run fires every timer tick up to target: ip_vs_lblc(r)_check_expire.
// Every 30th tick sweeps entries unused for `expiration`; between sweeps,
// only a table over 16384 entries loses entries unused for 6 minutes, in
// bucket order from the rover, until the goal is met.
func expireCache[E interface{ header() *cacheEntry }](t *cacheTimer, m map[netip.Addr]E, target, expiration time.Duration) {
	for ; t.next <= target; t.next += cacheCheckInterval {
		now := t.next
		if t.counter%countForFullExpiry == 0 {
			for a, e := range m {
				if now >= e.header().lastuse+expiration {
					delete(m, a)
				}
			}
			t.counter = 1
			continue
		}
		if len(m) <= cacheMaxSize {
			t.counter++
			continue
		}
		goal := min((len(m)-cacheMaxSize)*4/3, cacheMaxSize/2)
		buckets := map[int][]netip.Addr{}
		for a := range m {
			b := int(hash32(addrFold(a), cacheTabBits))
			buckets[b] = append(buckets[b], a)
		}
		j := t.rover
		for i := 0; i < 1<<cacheTabBits; i++ {
			j = (j + 1) & (1<<cacheTabBits - 1)
			for _, a := range buckets[j] {
				if now >= m[a].header().lastuse+cacheEntryTimeout {
					delete(m, a)
					goal--
				}
			}
			if goal <= 0 {
				break
			}
		}
		t.rover = j
	}
}

// localityOverloaded is is_overloaded of ip_vs_lblc.c / ip_vs_lblcr.c:
// more active connections than weight while some destination is below
// half its weight.
func localityOverloaded(s *Service, d *Dest) bool {
	if d.active <= d.weight {
		return false
	}
	for _, x := range s.dests {
		if x.active*2 < x.weight {
			return true
		}
	}
	return false
}

// sortedAddrs returns the map's keys in a stable order (for tests).
func sortedAddrs[E any](m map[netip.Addr]E) []netip.Addr {
	keys := make([]netip.Addr, 0, len(m))
	for a := range m {
		keys = append(keys, a)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Less(keys[j]) })
	return keys
}
