package model

// SHTableBits is CONFIG_IP_VS_SH_TAB_BITS of Debian's kernels (default 8).
const SHTableBits = 8

const shTableSize = 1 << SHTableBits

// sh is ip_vs_sh.c: a 256-bucket table where each destination, in list
// order and cyclically, takes as many consecutive buckets as its weight
// (at least one, even with weight 0), indexed by hash_32 of the client
// address (plus the client port with sh-port).
type sh struct{ table [shTableSize]*Dest }

func (h *sh) initService(s *Service)      { h.reassign(s) }
func (h *sh) addDest(s *Service, _ *Dest) { h.reassign(s) }
func (h *sh) delDest(s *Service, _ *Dest) { h.reassign(s) }
func (h *sh) updDest(s *Service, _ *Dest) { h.reassign(s) }

// reassign is ip_vs_sh_reassign.
func (h *sh) reassign(s *Service) {
	p, count := 0, 0
	for i := range h.table {
		h.table[i] = nil
		if len(s.dests) == 0 {
			continue
		}
		if p == len(s.dests) {
			p = 0
		}
		d := s.dests[p]
		h.table[i] = d
		if count++; count >= d.weight {
			p++
			count = 0
		}
	}
}

// clientKey is what ip_vs_sh_schedule and ip_vs_mh_schedule hash: the
// folded client address and, with sh-port / mh-port (both flag-2), the
// client's source port (TCP, UDP and SCTP only; 0 otherwise).
func clientKey(s *Service, c Conn) (fold uint32, port uint16) {
	if s.flags&FlagSched2 != 0 && (c.Proto == TCP || c.Proto == UDP || c.Proto == SCTP) {
		port = c.Client.Port()
	}
	return addrFold(c.Client.Addr()), port
}

// shKey is ntohs(port) + ntohl(addr_fold) of ip_vs_sh_hashkey.
func shKey(s *Service, c Conn) uint32 {
	fold, port := clientKey(s, c)
	return fold + uint32(port)
}

// SHBucket is the bucket ip_vs_sh_hashkey gives a connection (offset 0).
func (s *Service) SHBucket(c Conn) uint32 {
	return hash32(shKey(s, c), SHTableBits)
}

func shUnavailable(d *Dest) bool { return d.weight <= 0 || d.overload }

// schedule is ip_vs_sh_schedule with ip_vs_sh_get / ip_vs_sh_get_fallback.
// The fallback probes bucket (roffset + hash) with roffset = (k + hash) mod
// 256, i.e. from 2*hash on, and stops at an empty bucket.
func (h *sh) schedule(s *Service, c Conn) (*Dest, error) {
	hash := hash32(shKey(s, c), SHTableBits)
	return pickHashed(h.table[hash], s.flags&SHFallback != 0, shTableSize, func(k uint32) *Dest {
		roffset := (k + hash) % shTableSize
		return h.table[(roffset+hash)&(shTableSize-1)]
	})
}

// pickHashed is what sh and mh do with the destination their table gives: take it if it can take a
// connection; else, with their fallback flag, probe the table for k = 0, 1, ... n-1 and take the first
// that can, stopping at an empty slot.
func pickHashed(d *Dest, fallback bool, n uint32, probe func(k uint32) *Dest) (*Dest, error) {
	if d == nil {
		return nil, ErrNoDestination
	}
	if !shUnavailable(d) {
		return d, nil
	}
	if !fallback {
		return nil, ErrNoDestination
	}
	for k := uint32(0); k < n; k++ {
		d := probe(k)
		if d == nil {
			break
		}
		if !shUnavailable(d) {
			return d, nil
		}
	}
	return nil, ErrNoDestination
}
