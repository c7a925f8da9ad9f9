package graph

import (
	"fmt"
	"io"
	"strings"
)

// WriteDot writes the diagram in graphviz's dot language: hosts as boxes, networks as ellipses, the
// director's rules as dashed arrows labelled with method and weight.
func (d *Diagram) WriteDot(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %s {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f3f4f6\", fontname=\"sans-serif\"];\n", dotQuote(d.Name))
	for _, n := range d.Networks {
		fmt.Fprintf(&b, "  %s [shape=ellipse, fillcolor=\"#dbeafe\", label=%s];\n", dotQuote("net:"+n.Name), dotQuote(n.Name+"\n"+n.Subnet))
	}
	for _, h := range d.Hosts {
		lines := append(append([]string{h.Name, "(" + h.Role + ")"}, h.portLines()...), h.Notes...)
		fill := "#f3f4f6"
		if st, ok := roleStyles[h.Role]; ok {
			fill = st.fill
		}
		fmt.Fprintf(&b, "  %s [fillcolor=%s, label=%s];\n", dotQuote(h.Name), dotQuote(fill), dotQuote(strings.Join(lines, "\n")))
	}
	for _, h := range d.Hosts {
		for _, net := range h.networks() {
			fmt.Fprintf(&b, "  %s -- %s;\n", dotQuote(h.Name), dotQuote("net:"+net))
		}
	}
	dir := d.director()
	for _, s := range d.Services {
		for _, e := range s.Edges {
			if e.To == "" || e.To == dir {
				continue
			}
			fmt.Fprintf(&b, "  %s -- %s [dir=forward, style=dashed, color=\"#b45309\", constraint=false, label=%s];\n",
				dotQuote(dir), dotQuote(e.To), dotQuote(e.Label()+"\n"+s.Name))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotQuote is a dot string: in double quotes, with quotes and backslashes escaped and newlines as \n.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
