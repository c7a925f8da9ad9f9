package scenarios

import (
	"github.com/lvslab/lvslab/realserver"

	"github.com/lvslab/lvslab/loadgen"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// measured is what a phase's load came to, counted in the units IPVS schedules: TCP connections; for UDP
// sockets (a client address and port), or every datagram under one-packet scheduling (ipvsadm -o).
type measured struct {
	sent         int            // units the load generator sent
	seen         map[string]int // units each real server saw
	split        map[string]int // what the split is checked on: the units; for UDP every datagram
	director     map[string]int // units the director sent to each real server, filled in by the runner
	directorFrom string         // what director was read from: the director's table, or IPVS's Conns
	ipvs         int            // units IPVS counted (its per-CPU Conns over every service)
	onePacket    bool           // the UDP service schedules every datagram on its own
	reused       int            // connections from a local address and port an earlier one had used
}

// measure counts a phase's units from the load's result and the servers' counts before and after it.
func measure(l Load, res *loadgen.Result, before, after map[string]realserver.Stats, onePacket bool) measured {
	m := measured{sent: res.Connections, seen: map[string]int{}, split: map[string]int{}, onePacket: onePacket}
	if l.Protocol != ProtocolUDP {
		for host, a := range after {
			if n := int(a.Connections - before[host].Connections); n > 0 {
				m.seen[host] = n
			}
		}
		m.split = m.seen
		return m
	}
	// A server cannot tell a socket's datagrams apart from another socket's, but each socket's all go to
	// one server unless every datagram is scheduled on its own: so it saw datagrams/Datagrams sockets (a
	// socket cut short by a failure counts whole; the load's verdict reports the failure).
	perUnit := l.Datagrams
	if onePacket {
		m.sent, perUnit = res.Requests, 1
	}
	for host, a := range after {
		if n := int(a.Datagrams - before[host].Datagrams); n > 0 {
			m.split[host] = n
			m.seen[host] = (n + perUnit - 1) / perUnit
		}
	}
	return m
}

// onePacket reports whether the load's target is a UDP service with one-packet scheduling (-o).
func onePacket(t *topology.Topology, table *ipvsadm.Snapshot, l Load, rawURL string) bool {
	if l.Protocol != ProtocolUDP {
		return false
	}
	s := t.ServiceAt(table, rawURL)
	return s != nil && s.OnePacket
}

// perDatagram repeats each socket's predicted server for each of its datagrams, which without one-packet
// scheduling all go where the first went: the load generator records the server of every datagram.
func perDatagram(predicted []string, l Load) []string {
	if l.Protocol != ProtocolUDP || l.Datagrams <= 1 {
		return predicted
	}
	out := make([]string, 0, len(predicted)*l.Datagrams)
	for _, s := range predicted {
		for range l.Datagrams {
			out = append(out, s)
		}
	}
	return out
}
