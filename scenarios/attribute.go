package scenarios

import (
	"net/netip"
	"net/url"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// connKey is how the director's connection table names a client's connection.
type connKey struct {
	proto  ipvsadm.Protocol
	client netip.AddrPort
}

// inTable is, per real server (its host's name), how many of the load's connections the director's
// connection table sends there, found by the address and port each was made from. Where a client port
// has entries for two virtual addresses (an old one still expiring), the one for the load's target counts.
//
// complete says the table accounts for every connection: it has an entry for each, and no two came from
// one address and port. It may not: an entry closed by a reset expires in 10 s, long before a long load
// ends; a client port used twice leaves one entry, of its last connection; one-packet scheduling (-o)
// keeps none.
func inTable(conns []ipvsadm.Conn, locals []netip.AddrPort, proto ipvsadm.Protocol, rawURL string, name func(netip.Addr) string) (per map[string]int, complete bool) {
	var target netip.Addr
	if u, err := url.Parse(rawURL); err == nil {
		target, _ = netip.ParseAddr(u.Hostname())
	}
	dest := make(map[connKey]ipvsadm.Conn, len(conns))
	for _, c := range conns {
		k := connKey{c.Protocol, c.Client}
		if old, ok := dest[k]; ok && old.Virtual.Addr() == target {
			continue
		}
		dest[k] = c
	}
	per = map[string]int{}
	used := make(map[netip.AddrPort]bool, len(locals))
	complete = true
	for _, l := range locals {
		if used[l] {
			complete = false
		}
		used[l] = true
		c, ok := dest[connKey{proto, l}]
		if !ok {
			complete = false
			continue
		}
		per[name(c.Dest.Addr())]++
	}
	return per, complete
}

// reusedLocals counts the connections that left from a local address and port an earlier one had used.
func reusedLocals(locals []netip.AddrPort) int {
	seen := make(map[netip.AddrPort]bool, len(locals))
	n := 0
	for _, l := range locals {
		if seen[l] {
			n++
		}
		seen[l] = true
	}
	return n
}
