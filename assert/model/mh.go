package model

import "math/bits"

// MHTableSize is IP_VS_MH_TAB_SIZE for CONFIG_IP_VS_MH_TAB_INDEX=12, the
// default and Debian's setting: primes[12 - 8] = 4093.
const MHTableSize = 4093

// mhTableBits is IP_VS_MH_TAB_BITS = CONFIG_IP_VS_MH_TAB_INDEX / 2.
const mhTableBits = 6

// The hsiphash keys of ip_vs_mh.c generate_hash_secret: fixed, not random,
// so the lookup table is predictable bit for bit.
var (
	mhKey1 = hsiphashKey{2654435761, 2654435761}
	mhKey2 = hsiphashKey{2654446892, 2654446892}
)

// mh is ip_vs_mh.c, Maglev hashing over a 4093-slot lookup table.
type mh struct {
	lookup [MHTableSize]*Dest
	gcd    int
	rshift int
}

func (m *mh) initService(s *Service)      { m.destChanged(s) }
func (m *mh) addDest(s *Service, _ *Dest) { m.destChanged(s) }
func (m *mh) delDest(s *Service, _ *Dest) { m.destChanged(s) }
func (m *mh) updDest(s *Service, _ *Dest) { m.destChanged(s) }

// destChanged is ip_vs_mh_dest_changed (and the body of init_svc). Weights
// are last_weight: a destination edited to weight 0 keeps its slots.
func (m *mh) destChanged(s *Service) {
	m.gcd = 0
	maxW := 0
	for _, d := range s.dests {
		if w := d.lastWeight; w > 0 {
			if m.gcd > 0 {
				m.gcd = gcd(w, m.gcd)
			} else {
				m.gcd = w
			}
		}
		maxW = max(maxW, d.lastWeight)
	}
	m.rshift = 0
	if m.gcd >= 1 {
		m.rshift = max(bits.Len(uint(maxW/m.gcd))-mhTableBits, 0)
	}
	m.populate(s)
}

// mhHash is ip_vs_mh_hashkey.
func mhHash(fold uint32, port uint16, key hsiphashKey, offset uint32) uint32 {
	return hsiphash32(offset+uint32(port)+fold, key)
}

// populate is ip_vs_mh_permutate + ip_vs_mh_populate: each destination in
// list order claims its next preferred free slot, `turns` times per visit,
// until all slots are taken. With no positive last_weight the table is
// emptied.
func (m *mh) populate(s *Service) {
	if m.gcd < 1 {
		m.lookup = [MHTableSize]*Dest{}
		return
	}
	type setup struct {
		perm, skip uint32
		turns      int
	}
	ds := make([]setup, len(s.dests))
	for i, d := range s.dests {
		fold := addrFold(d.addr.Addr())
		offset := mhHash(fold, d.addr.Port(), mhKey1, 0) % MHTableSize
		ds[i].skip = mhHash(fold, d.addr.Port(), mhKey2, 0)%(MHTableSize-1) + 1
		ds[i].perm = offset
		lw := d.lastWeight
		if ds[i].turns = (lw / m.gcd) >> m.rshift; ds[i].turns == 0 && lw != 0 {
			ds[i].turns = 1
		}
	}
	var taken [MHTableSize]bool
	n := 0
	for {
		for i := 0; i < len(ds); i++ {
			for t := 0; t < ds[i].turns; t++ {
				c := ds[i].perm
				for taken[c] {
					ds[i].perm += ds[i].skip
					if ds[i].perm >= MHTableSize {
						ds[i].perm -= MHTableSize
					}
					c = ds[i].perm
				}
				taken[c] = true
				m.lookup[c] = s.dests[i]
				if n++; n == MHTableSize {
					return
				}
			}
		}
	}
}

// MHSlot is the lookup-table slot ip_vs_mh_get reads for a connection.
func (s *Service) MHSlot(c Conn) uint32 {
	fold, port := clientKey(s, c)
	return mhHash(fold, port, mhKey1, 0) % MHTableSize
}

// schedule is ip_vs_mh_schedule with ip_vs_mh_get / ip_vs_mh_get_fallback:
// the fallback re-hashes with offset (k + slot) mod M and stops at an
// empty slot.
func (m *mh) schedule(s *Service, c Conn) (*Dest, error) {
	fold, port := clientKey(s, c)
	slot := mhHash(fold, port, mhKey1, 0) % MHTableSize
	return pickHashed(m.lookup[slot], s.flags&MHFallback != 0, MHTableSize, func(k uint32) *Dest {
		roffset := (k + slot) % MHTableSize
		return m.lookup[mhHash(fold, port, mhKey1, roffset)%MHTableSize]
	})
}
