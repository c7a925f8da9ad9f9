package graph

import "slices"

// columns lays the diagram out left to right: hosts and networks alternate, each host one column past
// the network it is reached by from the clients (a breadth-first walk over host–network links, clients
// first), so every link joins neighbouring columns and no line crosses a host. Even columns hold hosts,
// odd ones networks; a host on no network gets a column of its own.
type columns struct {
	hosts    [][]string // per even column, host names in file order
	networks [][]string // per odd column, network names in file order
	hostCol  map[string]int
	netCol   map[string]int
}

func layout(d *Diagram) *columns {
	c := &columns{hostCol: map[string]int{}, netCol: map[string]int{}}
	netsOf := map[string][]string{}
	hostsOn := map[string][]string{}
	for _, h := range d.Hosts {
		for _, p := range h.Ports {
			netsOf[h.Name] = appendNew(netsOf[h.Name], p.Network)
			hostsOn[p.Network] = appendNew(hostsOn[p.Network], h.Name)
		}
	}
	// Walk from the clients first, then from any host not reached yet, each walk starting at column 0.
	var starts []string
	for _, h := range d.Hosts {
		if h.Role == Client {
			starts = append(starts, h.Name)
		}
	}
	for _, h := range d.Hosts {
		starts = append(starts, h.Name)
	}
	for _, s := range starts {
		if _, seen := c.hostCol[s]; seen {
			continue
		}
		c.hostCol[s] = 0
		queue := []string{s}
		for len(queue) > 0 {
			h := queue[0]
			queue = queue[1:]
			for _, n := range netsOf[h] {
				if _, seen := c.netCol[n]; seen {
					continue
				}
				c.netCol[n] = c.hostCol[h] + 1
				for _, next := range hostsOn[n] {
					if _, seen := c.hostCol[next]; !seen {
						c.hostCol[next] = c.netCol[n] + 1
						queue = append(queue, next)
					}
				}
			}
		}
	}
	width := 0
	for _, col := range c.hostCol {
		width = max(width, col/2+1)
	}
	c.hosts = make([][]string, width)
	c.networks = make([][]string, width)
	for _, h := range d.Hosts {
		c.hosts[c.hostCol[h.Name]/2] = append(c.hosts[c.hostCol[h.Name]/2], h.Name)
	}
	for _, n := range d.Networks {
		col, ok := c.netCol[n.Name]
		if !ok { // a network no host is on: after the last column
			col = 2*width - 1
			c.netCol[n.Name] = col
		}
		c.networks[col/2] = append(c.networks[col/2], n.Name)
	}
	for len(c.networks) > 0 && len(c.networks[len(c.networks)-1]) == 0 {
		c.networks = c.networks[:len(c.networks)-1]
	}
	return c
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
