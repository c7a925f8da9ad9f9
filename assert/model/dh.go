package model

// DHTableBits is CONFIG_IP_VS_DH_TAB_BITS (not in Kconfig; always 8).
const DHTableBits = 8

// dh is ip_vs_dh.c: a 256-bucket table filled by cycling through the list
// (weights ignored), indexed by hash_32 of the packet's destination
// address. For a plain virtual service that address is always the VIP, so
// all connections go to one destination.
type dh struct{ table [1 << DHTableBits]*Dest }

func (h *dh) initService(s *Service)      { h.reassign(s) }
func (h *dh) addDest(s *Service, _ *Dest) { h.reassign(s) }
func (h *dh) delDest(s *Service, _ *Dest) { h.reassign(s) }
func (h *dh) updDest(*Service, *Dest)     {} // dh has no upd_dest

// reassign is ip_vs_dh_reassign: bucket i → list[i mod n].
func (h *dh) reassign(s *Service) {
	for i := range h.table {
		h.table[i] = nil
		if n := len(s.dests); n > 0 {
			h.table[i] = s.dests[i%n]
		}
	}
}

// schedule is ip_vs_dh_schedule: no fallback; the bucket's destination or
// nothing.
func (h *dh) schedule(s *Service, c Conn) (*Dest, error) {
	d := h.table[DHBucket(c)]
	if d == nil || !d.available || d.weight <= 0 || d.overload {
		return nil, ErrNoDestination
	}
	return d, nil
}

// DHBucket is ip_vs_dh_hashkey of the connection's virtual address.
func DHBucket(c Conn) uint32 {
	return hash32(addrFold(c.Virtual.Addr()), DHTableBits)
}
