package graph

import (
	"fmt"
	"unicode"
)

// Bounds of a diagram read from outside (a report's JSON): far above any lab lvslab builds.
const (
	maxItems = 1000 // hosts, networks, services; ports and notes of a host; edges of a service
	maxText  = 256
)

// Validate checks a diagram read from outside: sizes within bounds, no control characters in any text a
// page or terminal would show, every edge to a host of the diagram or to none.
func (d *Diagram) Validate() error {
	if len(d.Hosts) > maxItems || len(d.Networks) > maxItems || len(d.Services) > maxItems {
		return fmt.Errorf("diagram of %d hosts, %d networks, %d services: expected at most %d each", len(d.Hosts), len(d.Networks), len(d.Services), maxItems)
	}
	texts := []string{d.Name}
	for _, n := range d.Networks {
		texts = append(texts, n.Name, n.Subnet)
	}
	hosts := map[string]bool{}
	for _, h := range d.Hosts {
		if len(h.Ports) > maxItems || len(h.Notes) > maxItems {
			return fmt.Errorf("diagram host with %d ports and %d notes: expected at most %d each", len(h.Ports), len(h.Notes), maxItems)
		}
		hosts[h.Name] = true
		texts = append(texts, h.Name, h.Role)
		texts = append(texts, h.Notes...)
		for _, p := range h.Ports {
			texts = append(texts, p.Network, p.Iface, p.Addr, p.Tag)
		}
	}
	for _, s := range d.Services {
		if len(s.Edges) > maxItems {
			return fmt.Errorf("diagram service with %d real servers: expected at most %d", len(s.Edges), maxItems)
		}
		texts = append(texts, s.Name, s.Scheduler, s.Persist)
		for _, e := range s.Edges {
			if e.To != "" && !hosts[e.To] {
				return fmt.Errorf("diagram edge to %q, which is no host of the diagram", clip(e.To))
			}
			texts = append(texts, e.Addr, e.Method)
		}
	}
	for _, t := range texts {
		if len(t) > maxText {
			return fmt.Errorf("diagram text of %d bytes: expected at most %d", len(t), maxText)
		}
		for _, c := range t {
			if unicode.IsControl(c) {
				return fmt.Errorf("diagram text %q: expected no control characters", clip(t))
			}
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
