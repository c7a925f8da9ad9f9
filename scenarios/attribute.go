package scenarios

import (
	"net/netip"
	"net/url"

	"github.com/lvslab/lvslab/loadgen"

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
func inTable(table clientTable, locals []netip.AddrPort, name func(netip.Addr) string) (per map[string]int, complete bool) {
	per = map[string]int{}
	used := make(map[netip.AddrPort]bool, len(locals))
	complete = true
	for _, l := range locals {
		if used[l] {
			complete = false
		}
		used[l] = true
		c, ok := table.of(l)
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

// clientTable is the director's connection table for a load's protocol, keyed by the client's address and
// port: where a client port has entries for two virtual addresses (an old one still expiring), the one
// for the load's target. A phase reads it once, to place its connections and its failures.
type clientTable struct {
	proto ipvsadm.Protocol
	dest  map[connKey]ipvsadm.Conn
}

// of is the entry of the load's connection from local.
func (t clientTable) of(local netip.AddrPort) (ipvsadm.Conn, bool) {
	c, ok := t.dest[connKey{t.proto, local}]
	return c, ok
}

func byClient(conns []ipvsadm.Conn, proto ipvsadm.Protocol, rawURL string) clientTable {
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
	return clientTable{proto: proto, dest: dest}
}

// failedMark is how a timeline shows a connection that failed: its server and the cause, "rs1 (refused)".
func failedMark(server, cause string) string { return server + " (" + cause + ")" }

// failure is a connection that failed before its response, or a request that failed on a kept one: the
// server the director's table names for the port it came from ("?" when the table has no entry: it
// expired), and the cause.
type failure struct {
	loadgen.FailedConn
	server string
}

// failuresOf finds the server of each of a load's failures in the director's table.
func failuresOf(res *loadgen.Result, table clientTable, name func(netip.Addr) string) []failure {
	var out []failure
	for _, f := range res.Failed {
		server := f.Server // a failed answer names its server
		if server == "" {
			server = "?"
			if c, ok := table.of(f.Local); ok {
				server = name(c.Dest.Addr())
			}
		}
		out = append(out, failure{FailedConn: f, server: server})
	}
	return out
}

// timeline is the server of each of a TCP load's connections in the order they ended: the one that
// answered, or for one that failed before its response, the director's choice and the cause: "rs1
// (refused)". A request failed on a kept connection is not a connection of its own, and one answered with a
// bad status is in its place already, under the server that answered.
func timeline(res *loadgen.Result, failed []failure) []string {
	out := make([]string, 0, len(res.Sequence)+len(failed))
	answered := res.Sequence
	for _, f := range failed {
		if f.Kept || f.Server != "" {
			continue
		}
		for len(out) < f.Index && len(answered) > 0 {
			out, answered = append(out, answered[0]), answered[1:]
		}
		out = append(out, failedMark(f.server, f.Failure))
	}
	return append(out, answered...)
}
