package ipvsadm

import (
	"encoding/binary"
	"io"
	"net/netip"
	"slices"
	"strings"
)

// Save writes the table as ipvsadm -S -n prints it: sorted as ipvsadm sorts (see cmpServices, cmpDests),
// one -A line per service followed by its -a lines, without thresholds.
func (t *Table) Save(w io.Writer) error {
	var b strings.Builder
	services := slices.Clone(t.Services)
	mergeSort(services, cmpServices)
	for _, s := range services {
		b.WriteString("-A " + serviceRule(s) + "\n")
		dests := slices.Clone(s.Dests)
		mergeSort(dests, cmpDests)
		for i := range dests {
			b.WriteString("-a " + destRule(s.ServiceKey, &dests[i]) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mergeSort sorts as glibc's qsort does (msort_with_tmp: top-down, left half first on ties). ipvsadm's
// comparators are not transitive, so only the same algorithm on the same input order gives ipvsadm's order.
// The input order of real servers is the kernel's list order, as in Service.Dests; that of services is the
// kernel's hash order, which depends on the network namespace's address, so Table order stands in for it.
func mergeSort[T any](s []T, cmp func(a, b T) int) {
	if len(s) < 2 {
		return
	}
	n1 := len(s) / 2
	mergeSort(s[:n1], cmp)
	mergeSort(s[n1:], cmp)
	merged := make([]T, 0, len(s))
	i, j := 0, n1
	for i < n1 && j < len(s) {
		if cmp(s[i], s[j]) <= 0 {
			merged = append(merged, s[i])
			i++
		} else {
			merged = append(merged, s[j])
			j++
		}
	}
	merged = append(merged, s[i:n1]...)
	copy(s, append(merged, s[j:]...))
}

// wrapCmp is C's `int r = a - b` on unsigned 32-bit values: more than 2^31 apart, the order flips
// (192.168.1.3 sorts before 10.0.0.1).
func wrapCmp(a, b uint32) int { return int(int32(a - b)) }

// cmpServices is libipvs's ipvs_cmp_services: fwmark, family, protocol, address, port.
func cmpServices(a, b *Service) int {
	if r := wrapCmp(a.FWMark, b.FWMark); r != 0 {
		return r
	}
	if r := afNumber(a.is6()) - afNumber(b.is6()); r != 0 {
		return r
	}
	if r := int(a.Protocol) - int(b.Protocol); r != 0 {
		return r
	}
	if r := cmpAddr(a.Addr.Addr(), b.Addr.Addr(), a.is6()); r != 0 {
		return r
	}
	return int(a.Addr.Port()) - int(b.Addr.Port())
}

// cmpDests is libipvs's ipvs_cmp_dests: address, then port.
func cmpDests(a, b Dest) int {
	if r := cmpAddr(a.Addr.Addr(), b.Addr.Addr(), a.Addr.Addr().Is6()); r != 0 {
		return r
	}
	return int(a.Addr.Port()) - int(b.Addr.Port())
}

// cmpAddr compares the 32-bit words of two addresses with wrapCmp: one word for IPv4, up to four for IPv6.
// The first operand's family decides, as in libipvs, where an IPv4 address is the first word of a zeroed
// union nf_inet_addr.
func cmpAddr(a, b netip.Addr, is6 bool) int {
	aw, bw := addrWords(a), addrWords(b)
	n := 1
	if is6 {
		n = 4
	}
	for i := range n {
		if r := wrapCmp(aw[i], bw[i]); r != 0 {
			return r
		}
	}
	return 0
}

func addrWords(a netip.Addr) [4]uint32 {
	var w [4]uint32
	b := a.AsSlice() // 4 bytes, 16 bytes, or none for a fwmark service
	for i := 0; i+4 <= len(b); i += 4 {
		w[i/4] = binary.BigEndian.Uint32(b[i:])
	}
	return w
}

// afNumber gives Linux's AF_INET (2) and AF_INET6 (10).
func afNumber(is6 bool) int {
	if is6 {
		return 10
	}
	return 2
}
