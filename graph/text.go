package graph

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText draws the diagram for a terminal: the path from the clients to the real servers on one line,
// then each host with its addresses, the networks, and the director's rules as arrows.
func (d *Diagram) WriteText(w io.Writer) error {
	c := layout(d)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n  %s\n", d.Name, c.path())

	b.WriteString("\nhosts, left to right\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, col := range c.hosts {
		for _, name := range col {
			h := d.Host(name)
			lines := h.portLines()
			lines = append(lines, h.Notes...)
			if len(lines) == 0 {
				lines = []string{"(no interfaces)"}
			}
			for i, l := range lines {
				if i == 0 {
					fmt.Fprintf(tw, "  %s\t%s\t%s\n", h.Name, h.Role, l)
				} else {
					fmt.Fprintf(tw, "  \t\t%s\n", l)
				}
			}
		}
	}
	tw.Flush()

	b.WriteString("\nnetworks\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, n := range d.Networks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", n.Name, n.Subnet, strings.Join(d.hostsOn(n.Name), ", "))
	}
	tw.Flush()

	if d.director() != "" && len(d.Services) == 0 {
		fmt.Fprintf(&b, "\nIPVS on %s: no services yet\n", d.director())
	}
	if len(d.Services) > 0 {
		fmt.Fprintf(&b, "\nIPVS on %s\n", d.director())
		for _, s := range d.Services {
			fmt.Fprintf(&b, "  %s\n", s.title())
			if len(s.Edges) == 0 {
				b.WriteString("    (no real servers)\n")
			}
			tw = tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
			for _, e := range s.Edges {
				fmt.Fprintf(tw, "    ──%s──▶\t%s\t%s\n", e.Label(), e.target(), e.Addr)
			}
			tw.Flush()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// path is the left-to-right line of columns: "client ─ [bridged] ─ director ─ [hostonly] ─ rs1, rs2, rs3".
func (c *columns) path() string {
	var parts []string
	for i, hosts := range c.hosts {
		parts = append(parts, strings.Join(hosts, ", "))
		if i < len(c.networks) && len(c.networks[i]) > 0 {
			parts = append(parts, "["+strings.Join(c.networks[i], "] [")+"]")
		}
	}
	return strings.Join(parts, " ─ ")
}

// portLines are a host's addresses, "eth0 192.168.0.75/24 on bridged (VIP)".
func (h *Host) portLines() []string {
	var out []string
	for _, p := range h.Ports {
		l := fmt.Sprintf("%s %s on %s", p.Iface, p.Addr, p.Network)
		if p.Tag != "" {
			l += " (" + p.Tag + ")"
		}
		out = append(out, l)
	}
	return out
}

func (d *Diagram) hostsOn(network string) []string {
	var out []string
	for _, h := range d.Hosts {
		for _, p := range h.Ports {
			if p.Network == network {
				out = appendNew(out, h.Name)
			}
		}
	}
	return out
}

func (d *Diagram) director() string {
	for _, h := range d.Hosts {
		if h.Role == Director {
			return h.Name
		}
	}
	return ""
}

// title is "TCP 192.168.0.75:80, scheduler wrr", with its persistence.
func (s Service) title() string {
	t := s.Name + ", scheduler " + s.Scheduler
	if s.Persist != "" {
		t += ", persistent " + s.Persist
	}
	return t
}

// target is the real server's host name, or a note that the address is outside the lab.
func (e Edge) target() string {
	if e.To == "" {
		return "(outside the lab)"
	}
	return e.To
}
