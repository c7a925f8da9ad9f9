package graph

import (
	"fmt"
	"io"
	"strings"
)

// WriteMermaid writes the diagram as a mermaid flowchart, left to right: hosts as boxes, networks as
// hexagons, the director's rules as dotted arrows labelled with method and weight.
func (d *Diagram) WriteMermaid(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%%%% %s\nflowchart LR\n", d.Name)
	for _, n := range d.Networks {
		fmt.Fprintf(&b, "  %s{{\"%s<br/>%s\"}}\n", mermaidID("net", n.Name), mermaidText(n.Name), mermaidText(n.Subnet))
	}
	for _, h := range d.Hosts {
		lines := []string{"<b>" + mermaidText(h.Name) + "</b>", "<i>" + mermaidText(h.Role) + "</i>"}
		for _, l := range append(h.portLines(), h.Notes...) {
			lines = append(lines, mermaidText(l))
		}
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", mermaidID("host", h.Name), strings.Join(lines, "<br/>"))
	}
	for _, h := range d.Hosts {
		for _, net := range h.networks() {
			fmt.Fprintf(&b, "  %s --- %s\n", mermaidID("host", h.Name), mermaidID("net", net))
		}
	}
	dir := d.director()
	for _, s := range d.Services {
		for _, e := range s.Edges {
			if e.To == "" || e.To == dir {
				continue
			}
			fmt.Fprintf(&b, "  %s -. \"%s\" .-> %s\n", mermaidID("host", dir), mermaidText(e.Label()+" "+s.Name), mermaidID("host", e.To))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidID keeps a node's id to letters, digits and '_': host and network names may hold '-'.
func mermaidID(kind, name string) string {
	return kind + "_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

// mermaidText escapes what would end a quoted label or open markup.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

// networks are the networks a host is on, in the order of its interfaces.
func (h *Host) networks() []string {
	var out []string
	for _, p := range h.Ports {
		out = appendNew(out, p.Network)
	}
	return out
}
