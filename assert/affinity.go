package assert

import (
	"fmt"
	"slices"
	"strings"
)

// Pair is one connection: the client it came from (an address, or
// address:port for sh-port/mh-port) and the server that took it.
type Pair struct{ Client, Server string }

// Affinity checks that every client's connections all went to one server
// (sh, mh, dh, persistence). pairs are in connection order.
func Affinity(pairs []Pair) Verdict {
	const name = "affinity"
	type client struct {
		name    string
		conns   int
		servers []string // in order of first use
		hits    map[string]int
		movedAt int // connection index of the first move, -1 if none
	}
	byName := map[string]*client{}
	var clients []*client
	for i, p := range pairs {
		c := byName[p.Client]
		if c == nil {
			c = &client{name: p.Client, hits: map[string]int{}, movedAt: -1}
			byName[p.Client] = c
			clients = append(clients, c)
		}
		c.conns++
		if c.hits[p.Server] == 0 {
			c.servers = append(c.servers, p.Server)
			if len(c.servers) == 2 {
				c.movedAt = i
			}
		}
		c.hits[p.Server]++
	}
	repeated := 0
	var moved []*client
	for _, c := range clients {
		if c.conns > 1 {
			repeated++
		}
		if c.movedAt >= 0 {
			moved = append(moved, c)
		}
	}
	if repeated == 0 {
		return invalid(name, "no client made more than one connection (%d connections)", len(pairs))
	}
	if len(moved) == 0 {
		return pass(name, fmt.Sprintf("%s (%d with several connections) each kept to one server over %s",
			plural(len(clients), "client"), repeated, plural(len(pairs), "connection")), "")
	}
	slices.SortFunc(moved, func(a, b *client) int { return a.movedAt - b.movedAt })
	const shown = 20
	t := newTable("lrlll", "client", "conns", "expected", "observed", "first move")
	for _, c := range moved[:min(len(moved), shown)] {
		var hits []string
		for _, s := range c.servers {
			hits = append(hits, fmt.Sprintf("%s×%d", s, c.hits[s]))
		}
		t.add(c.name, fmt.Sprint(c.conns), fmt.Sprintf("%s×%d", c.servers[0], c.conns), strings.Join(hits, " "),
			fmt.Sprintf("#%d: %s -> %s", c.movedAt+1, c.servers[0], c.servers[1]))
	}
	detail := t.String()
	if len(moved) > shown {
		detail += fmt.Sprintf("(%d more clients moved)\n", len(moved)-shown)
	}
	first := moved[0]
	summary := fmt.Sprintf("%d of %s moved between servers; first %s at connection #%d (%s -> %s)",
		len(moved), plural(len(clients), "client"), first.name, first.movedAt+1, first.servers[0], first.servers[1])
	return fail(name, summary, detail)
}
