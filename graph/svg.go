package graph

import (
	"fmt"
	"html"
	"io"
	"strings"
	"unicode/utf8"
)

// Geometry of the SVG picture, in pixels. Text widths are estimated from the character count: 12 px sans
// serif runs at about 7 px a character.
const (
	margin     = 20
	titleH     = 34
	labelBand  = 44 // above the highest bus, for the networks' names
	netColW    = 130
	minHostW   = 170
	charW      = 7.0
	boldCharW  = 7.8
	headerH    = 44 // the name and the role under it
	nameOnlyH  = 30 // the name alone, where the role would say it again (the client named client)
	lineH      = 17
	boxPad     = 10
	boxGap     = 26
	legendH    = 34
	arrowBulge = 80 // how far an arrow between hosts of one column swings out
)

type roleStyle struct{ fill, stroke, dash string }

// Light fills under dark text and borders: a grey-scale printout keeps every word, and the role is
// written in each box, so nothing rests on colour alone.
var roleStyles = map[string]roleStyle{
	Client:     {"#dbeafe", "#1e3a8a", ""},
	Director:   {"#fef3c7", "#92400e", ""},
	RealServer: {"#dcfce7", "#166534", ""},
	Server:     {"#f3f4f6", "#4b5563", "5 3"},
	Router:     {"#e5e7eb", "#374151", ""},
	Other:      {"#f3f4f6", "#374151", ""},
}

// box is one host's place in the picture and the y of each of its lines.
type box struct {
	host       *Host
	col        int
	x, y, w, h float64
	header     float64 // the height of the name (and role) above the lines
	lines      []boxLine
	portY      map[string]float64 // network → y of the first port on it
	serviceY   []float64          // director: y of each service's line, in the services' order
	inY        []float64          // real server: y of each rule reaching it, in the services' order
}

type boxLine struct {
	text     string
	class    string // "port", "rule" (a service, on the director), "in" (a rule reaching this host), "note"
	tag      string // "VIP" or "DIP", drawn bold in its colour
	tagFirst bool   // the tag goes before the text rather than after it
}

// WriteSVG draws the diagram as a self-contained SVG document.
func (d *Diagram) WriteSVG(w io.Writer) error {
	_, err := io.WriteString(w, d.SVG())
	return err
}

// SVG is the diagram as an SVG document.
func (d *Diagram) SVG() string {
	c := layout(d)
	boxes := map[string]*box{}
	colW := make([]float64, len(c.hosts))
	for i, col := range c.hosts {
		colW[i] = minHostW
		for _, name := range col {
			b := d.newBox(d.Host(name), i)
			boxes[name] = b
			for _, l := range b.lines {
				colW[i] = max(colW[i], l.width()+2*boxPad)
			}
			colW[i] = max(colW[i], 9*float64(len(name))+2*boxPad)
		}
	}
	colX := make([]float64, len(c.hosts))
	x := float64(margin)
	for i := range c.hosts {
		colX[i] = x
		x += colW[i] + netColW
	}
	width := x - netColW + margin
	// The arrows between hosts of one column swing out past it.
	width += arrowBulge

	top := float64(margin + titleH + labelBand)
	tallest := 0.0
	for _, col := range c.hosts {
		tallest = max(tallest, columnHeight(col, boxes))
	}
	for i, col := range c.hosts {
		y := top + (tallest-columnHeight(col, boxes))/2
		for _, name := range col {
			b := boxes[name]
			b.x, b.y, b.w = colX[i], y, colW[i]
			b.place()
			y += b.h + boxGap
		}
	}
	height := top + tallest + boxGap + legendH + margin

	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" role="img" aria-label="%s">`+"\n",
		width, height, width, height, esc("topology "+d.Name))
	s.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b45309"/></marker></defs>` + "\n")
	fmt.Fprintf(&s, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&s, `<text x="%d" y="%d" font-size="18" font-weight="bold" fill="#111827">%s</text>`+"\n", margin, margin+20, esc(d.Name))

	d.writeBuses(&s, c, boxes, colX, colW)
	for _, col := range c.hosts {
		for _, name := range col {
			boxes[name].write(&s)
		}
	}
	d.writeArrows(&s, boxes)
	ly := height - margin - 10
	fmt.Fprintf(&s, `<g font-size="12" fill="#374151"><line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="#1d4ed8" stroke-width="4"/><text x="%d" y="%.0f">network (a bridge)</text>`,
		margin, ly-4, margin+30, ly-4, margin+38, ly)
	fmt.Fprintf(&s, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="#b45309" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#arrow)"/><text x="%d" y="%.0f">IPVS rule: forwarding method, weight</text></g>`+"\n",
		margin+180, ly-4, margin+220, ly-4, margin+228, ly)
	s.WriteString("</svg>\n")
	return s.String()
}

func columnHeight(col []string, boxes map[string]*box) float64 {
	h := 0.0
	for i, name := range col {
		if i > 0 {
			h += boxGap
		}
		h += boxes[name].h
	}
	return h
}

// newBox lists what a host's box says: its addresses, the director's services, the rules reaching a real
// server, and the notes.
func (d *Diagram) newBox(h *Host, col int) *box {
	b := &box{host: h, col: col, portY: map[string]float64{}}
	for _, p := range h.Ports {
		b.lines = append(b.lines, boxLine{text: p.Iface + " " + p.Addr, class: "port", tag: p.Tag})
	}
	if h.Role == Director {
		if len(d.Services) == 0 {
			b.lines = append(b.lines, boxLine{text: "no IPVS services yet", class: "note"})
		}
		for _, sv := range d.Services {
			b.lines = append(b.lines, boxLine{text: sv.Name + " " + sv.Scheduler + " " + sv.Persist, class: "rule"})
		}
	}
	for _, sv := range d.Services {
		for _, e := range sv.Edges {
			if e.To == h.Name {
				text := "◀ " + e.Label() + "  " + sv.Name
				if p := portOf(e.Addr); p != "" && p != "0" && !strings.HasSuffix(sv.Name, ":"+p) { // port 0: the packet's own
					text += " → :" + p // NAT maps the port too
				}
				b.lines = append(b.lines, boxLine{text: text, class: "in"})
			}
		}
	}
	for _, n := range h.Notes {
		if rest, ok := strings.CutPrefix(n, "VIP "); ok { // a VIP lvslab adds: tagged as the ports' are
			b.lines = append(b.lines, boxLine{text: rest, class: "note", tag: "VIP", tagFirst: true})
			continue
		}
		b.lines = append(b.lines, boxLine{text: n, class: "note"})
	}
	b.header = headerH
	if h.Role == h.Name {
		b.header = nameOnlyH
	}
	b.h = b.header + lineH*float64(len(b.lines)) + boxPad
	return b
}

// width estimates the line's width in pixels, its tag's included.
func (l boxLine) width() float64 {
	n := float64(utf8.RuneCountInString(l.text))
	w := charW * n
	if l.class == "rule" || l.class == "in" {
		w = boldCharW * n
	}
	if l.tag != "" {
		w += boldCharW * float64(len(l.tag)+1)
	}
	return w
}

// place works out the y of each line once the box has its position.
func (b *box) place() {
	ports := 0
	for i, l := range b.lines {
		y := b.lineY(i) - 4
		switch l.class {
		case "port":
			if _, ok := b.portY[b.host.Ports[ports].Network]; !ok {
				b.portY[b.host.Ports[ports].Network] = y
			}
			ports++
		case "rule":
			b.serviceY = append(b.serviceY, y)
		case "in":
			b.inY = append(b.inY, y)
		}
	}
}

// lineY is the baseline of the box's line i.
func (b *box) lineY(i int) float64 { return b.y + b.header + lineH*float64(i) + 12 }

func (b *box) write(s *strings.Builder) {
	st := roleStyles[b.host.Role]
	if st.fill == "" {
		st = roleStyles[Other]
	}
	width := 1.5
	if b.host.Role == Director {
		width = 3
	}
	fmt.Fprintf(s, `<g class="host" data-host="%s" data-role="%s">`, esc(b.host.Name), esc(b.host.Role))
	dash := ""
	if st.dash != "" {
		dash = fmt.Sprintf(` stroke-dasharray="%s"`, st.dash)
	}
	fmt.Fprintf(s, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" rx="8" fill="%s" stroke="%s" stroke-width="%g"%s/>`,
		b.x, b.y, b.w, b.h, st.fill, st.stroke, width, dash)
	fmt.Fprintf(s, `<text x="%.0f" y="%.0f" font-size="15" font-weight="bold" fill="#111827">%s</text>`, b.x+boxPad, b.y+20, esc(b.host.Name))
	if b.host.Role != b.host.Name {
		fmt.Fprintf(s, `<text x="%.0f" y="%.0f" font-size="11" font-style="italic" fill="#374151">%s</text>`, b.x+boxPad, b.y+35, esc(b.host.Role))
	}
	for i, l := range b.lines {
		y := b.lineY(i)
		attrs := `font-size="12" fill="#111827"`
		switch l.class {
		case "rule":
			attrs = `font-size="12" font-weight="bold" fill="#92400e"`
		case "in":
			attrs = `font-size="12" font-weight="bold" fill="#92400e"`
		case "note":
			attrs = `font-size="11" fill="#4b5563"`
		}
		tag := ""
		if l.tag != "" {
			colour := "#1d4ed8"
			if l.tag == "VIP" {
				colour = "#b91c1c"
			}
			tag = fmt.Sprintf(`<tspan font-weight="bold" fill="%s">%s</tspan>`, colour, esc(l.tag))
		}
		if l.tagFirst {
			fmt.Fprintf(s, `<text x="%.0f" y="%.0f" %s>%s %s</text>`, b.x+boxPad, y, attrs, tag, esc(l.text))
		} else {
			fmt.Fprintf(s, `<text x="%.0f" y="%.0f" %s>%s %s</text>`, b.x+boxPad, y, attrs, esc(l.text), tag)
		}
	}
	s.WriteString("</g>\n")
}

// writeBuses draws each network as a vertical bar in its column, with a line to every host port on it.
func (d *Diagram) writeBuses(s *strings.Builder, c *columns, boxes map[string]*box, colX, colW []float64) {
	for _, n := range d.Networks {
		col := c.netCol[n.Name] / 2
		bx := colX[min(col, len(colX)-1)] + colW[min(col, len(colW)-1)] + netColW/2
		lo, hi := 0.0, 0.0
		var links []string
		for _, h := range d.Hosts {
			b := boxes[h.Name]
			y, ok := b.portY[n.Name]
			if !ok {
				continue
			}
			if lo == 0 || y < lo {
				lo = y
			}
			hi = max(hi, y)
			edge := b.x + b.w
			if b.col > col {
				edge = b.x
			}
			links = append(links, fmt.Sprintf(`<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#1d4ed8" stroke-width="2"/><circle cx="%.0f" cy="%.0f" r="3.5" fill="#1d4ed8"/>`,
				edge, y, bx, y, bx, y))
		}
		if lo == 0 {
			lo, hi = float64(margin+titleH+labelBand)+10, float64(margin+titleH+labelBand)+40
		}
		fmt.Fprintf(s, `<g class="network" data-network="%s">`, esc(n.Name))
		fmt.Fprintf(s, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#1d4ed8" stroke-width="5" stroke-linecap="round"/>`, bx, lo-18, bx, hi+18)
		fmt.Fprintf(s, `<text x="%.0f" y="%.0f" font-size="13" font-weight="bold" text-anchor="middle" fill="#1e3a8a">%s</text>`, bx, lo-40, esc(n.Name))
		fmt.Fprintf(s, `<text x="%.0f" y="%.0f" font-size="11" text-anchor="middle" fill="#1e3a8a">%s</text>`, bx, lo-26, esc(n.Subnet))
		s.WriteString(strings.Join(links, ""))
		s.WriteString("</g>\n")
	}
}

// writeArrows draws the director's rules: a dashed arrow from the service's line in the director's box
// to the rule's line in each real server's box.
func (d *Diagram) writeArrows(s *strings.Builder, boxes map[string]*box) {
	dir := boxes[d.director()]
	if dir == nil {
		return
	}
	in := map[string]int{}
	for si, sv := range d.Services {
		for _, e := range sv.Edges {
			rs := boxes[e.To]
			if rs == nil || rs == dir {
				continue
			}
			y2 := rs.inY[in[e.To]]
			in[e.To]++
			y1 := dir.serviceY[si]
			var path string
			switch {
			case rs.col > dir.col:
				x1, x2 := dir.x+dir.w, rs.x
				mid := (x1 + x2) / 2
				path = fmt.Sprintf("M%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f", x1, y1, mid, y1, mid, y2, x2-2, y2)
			case rs.col < dir.col:
				x1, x2 := dir.x, rs.x+rs.w
				mid := (x1 + x2) / 2
				path = fmt.Sprintf("M%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f", x1, y1, mid, y1, mid, y2, x2+2, y2)
			default:
				x1, x2 := dir.x+dir.w, rs.x+rs.w
				path = fmt.Sprintf("M%.0f,%.0f C%.0f,%.0f %.0f,%.0f %.0f,%.0f", x1, y1, x1+arrowBulge, y1, x2+arrowBulge, y2, x2+2, y2)
			}
			fmt.Fprintf(s, `<path class="rule" data-to="%s" d="%s" fill="none" stroke="#b45309" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#arrow)"><title>%s</title></path>`+"\n",
				esc(e.To), path, esc(sv.Name+" → "+e.To+": "+e.Label()))
		}
	}
}

// portOf is the port of an address:port, or "".
func portOf(addrPort string) string {
	if i := strings.LastIndexByte(addrPort, ':'); i >= 0 && !strings.HasSuffix(addrPort, "]") {
		return addrPort[i+1:]
	}
	return ""
}

func esc(s string) string { return html.EscapeString(s) }
