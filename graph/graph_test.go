package graph

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

func embedded(t *testing.T) map[string]*Diagram {
	t.Helper()
	out := map[string]*Diagram{}
	for _, name := range topology.EmbeddedNames() {
		topo, err := topology.Embedded(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = Of(topo)
	}
	return out
}

// The mermaid, dot and text of every built-in topology are checked against golden files: a change in
// what a picture says shows up in review. go test ./graph -update rewrites them.
func TestGoldenOutputs(t *testing.T) {
	writers := map[string]func(*Diagram, *bytes.Buffer) error{
		"mmd": func(d *Diagram, b *bytes.Buffer) error { return d.WriteMermaid(b) },
		"dot": func(d *Diagram, b *bytes.Buffer) error { return d.WriteDot(b) },
		"txt": func(d *Diagram, b *bytes.Buffer) error { return d.WriteText(b) },
	}
	for name, d := range embedded(t) {
		for ext, write := range writers {
			var b bytes.Buffer
			if err := write(d, &b); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+"."+ext)
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./graph -update writes it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("%s: output differs from %s (go test ./graph -update rewrites it after review):\n%s", name, golden, b.String())
			}
		}
	}
}

// The walkthrough's picture says what the tutorial's diagram says.
func TestWalkthroughRolesAddressesAndRules(t *testing.T) {
	d := Of(topology.Default())
	roles := map[string]string{}
	for _, h := range d.Hosts {
		roles[h.Name] = h.Role
	}
	want := map[string]string{"client": Client, "director": Director, "rs1": RealServer, "rs2": RealServer, "rs3": Server}
	for h, r := range want {
		if roles[h] != r {
			t.Errorf("%s is drawn as %q, want %q", h, roles[h], r)
		}
	}
	dir := d.Host("director")
	tags := map[string]string{}
	for _, p := range dir.Ports {
		tags[p.Addr] = p.Tag
	}
	if tags["192.168.0.75/24"] != "VIP" || tags["172.16.0.10/16"] != "DIP" {
		t.Errorf("director's tags = %v, want 192.168.0.75 VIP and 172.16.0.10 DIP", tags)
	}
	if len(d.Services) != 1 {
		t.Fatalf("services = %+v, want one", d.Services)
	}
	got := map[string]string{}
	for _, e := range d.Services[0].Edges {
		got[e.To] = e.Label()
	}
	if got["rs1"] != "NAT w=3" || got["rs2"] != "NAT w=1" || len(got) != 2 {
		t.Errorf("edges = %v, want rs1 NAT w=3 and rs2 NAT w=1", got)
	}
	if p := layout(d).path(); p != "client ─ [bridged] ─ director ─ [hostonly] ─ rs1, rs2, rs3" {
		t.Errorf("path = %q", p)
	}
}

// Under direct routing and tunnelling the VIP is not one of the director's interface addresses: the
// picture says lvslab adds it, and where each real server holds it.
func TestDerivedVIPsAreShown(t *testing.T) {
	for name, where := range map[string]string{"dr": "on lo", "tun": "on tunl0"} {
		topo, err := topology.Embedded(name)
		if err != nil {
			t.Fatal(err)
		}
		d := Of(topo)
		if n := strings.Join(d.Host("director").Notes, "; "); !strings.Contains(n, "VIP 192.168.0.75/32 (added by lvslab)") {
			t.Errorf("%s: director notes %q do not show the VIP lvslab adds", name, n)
		}
		if n := strings.Join(d.Host("rs1").Notes, "; "); !strings.Contains(n, "VIP 192.168.0.75 "+where) {
			t.Errorf("%s: rs1 notes %q do not show the VIP %s", name, n, where)
		}
	}
}

// Every picture is well-formed SVG, names every host and network, keeps every box inside the picture
// and apart from the others, and draws one arrow per rule to a host of the lab.
func TestSVGIsWellFormedAndBoxesDoNotOverlap(t *testing.T) {
	rect := regexp.MustCompile(`<g class="host" data-host="([^"]+)"[^>]*><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"`)
	size := regexp.MustCompile(`^<svg [^>]*width="([\d.]+)" height="([\d.]+)"`)
	for name, d := range embedded(t) {
		svg := d.SVG()
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			if _, err := dec.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("%s: not well-formed: %v", name, err)
				}
				break
			}
		}
		m := size.FindStringSubmatch(svg)
		if m == nil {
			t.Fatalf("%s: no width and height", name)
		}
		w, h := atof(m[1]), atof(m[2])
		type r struct{ x, y, w, h float64 }
		boxes := map[string]r{}
		for _, m := range rect.FindAllStringSubmatch(svg, -1) {
			b := r{atof(m[2]), atof(m[3]), atof(m[4]), atof(m[5])}
			if b.x < 0 || b.y < 0 || b.x+b.w > w || b.y+b.h > h {
				t.Errorf("%s: %s's box %+v is outside the %gx%g picture", name, m[1], b, w, h)
			}
			for other, o := range boxes {
				if b.x < o.x+o.w && o.x < b.x+b.w && b.y < o.y+o.h && o.y < b.y+b.h {
					t.Errorf("%s: %s's box overlaps %s's", name, m[1], other)
				}
			}
			boxes[m[1]] = b
		}
		for _, host := range d.Hosts {
			if _, ok := boxes[host.Name]; !ok {
				t.Errorf("%s: no box for %s", name, host.Name)
			}
		}
		for _, n := range d.Networks {
			if !strings.Contains(svg, `data-network="`+n.Name+`"`) || !strings.Contains(svg, ">"+n.Subnet+"<") {
				t.Errorf("%s: network %s %s not drawn", name, n.Name, n.Subnet)
			}
		}
		rules := 0
		for _, s := range d.Services {
			rules += len(s.Edges)
		}
		if got := strings.Count(svg, `<path class="rule"`); got != rules {
			t.Errorf("%s: %d arrows for %d rules", name, got, rules)
		}
	}
}

// A host or network name that would be markup is written as text.
func TestSVGEscapesNames(t *testing.T) {
	d := &Diagram{Name: `a<b>&"c"`, Networks: []Network{{Name: "n<1>", Subnet: "10.0.0.0/24"}},
		Hosts: []Host{{Name: "h&1", Role: Client, Ports: []Port{{Network: "n<1>", Iface: "eth0", Addr: "10.0.0.1/24"}}}}}
	svg := d.SVG()
	if strings.Contains(svg, "<b>") || strings.Contains(svg, "n<1>") || strings.Contains(svg, `"h&1"`) {
		t.Errorf("names not escaped:\n%s", svg)
	}
	var b bytes.Buffer
	if err := d.WriteDot(&b); err != nil || !strings.Contains(b.String(), `graph "a<b>&\"c\""`) {
		t.Errorf("dot name not quoted: %v\n%s", err, b.String())
	}
	b.Reset()
	if err := d.WriteMermaid(&b); err != nil || strings.Contains(b.String(), "<1>") {
		t.Errorf("mermaid label not escaped: %v\n%s", err, b.String())
	}
}

// Each link joins a host to a network in the next column, whatever the order of the file.
func TestLayoutLinksJoinNeighbouringColumns(t *testing.T) {
	for name, d := range embedded(t) {
		c := layout(d)
		for _, h := range d.Hosts {
			for _, p := range h.Ports {
				if diff := c.hostCol[h.Name] - c.netCol[p.Network]; diff != 1 && diff != -1 {
					t.Errorf("%s: %s (column %d) is %d columns from %s (column %d)", name, h.Name, c.hostCol[h.Name], diff, p.Network, c.netCol[p.Network])
				}
			}
		}
		if c.hostCol["client"] != 0 {
			t.Errorf("%s: the client is in column %d, want the first", name, c.hostCol["client"])
		}
	}
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return f
}

func TestValidateRefusesWhatAReportMustNotCarry(t *testing.T) {
	for name, d := range embedded(t) {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]*Diagram{
		"control character": {Name: "a\x1b[2J"},
		"edge to no host":   {Services: []Service{{Name: "TCP 1.2.3.4:80", Edges: []Edge{{To: "ghost"}}}}},
		"too many hosts":    {Hosts: make([]Host, maxItems+1)},
		"long text":         {Networks: []Network{{Name: strings.Repeat("n", maxText+1)}}},
	}
	for what, d := range bad {
		if err := d.Validate(); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}

// NAT may map the port (nat-portmap: 80 to 8080), and the picture says so; a firewall-mark service's
// real servers take the packet's own port (:0), which is no mapping.
func TestSVGShowsAMappedPortOnly(t *testing.T) {
	d := embedded(t)
	if svg := d["nat-portmap"].SVG(); strings.Count(svg, "→ :8080") != 2 {
		t.Errorf("nat-portmap: the mapping to :8080 is not on both rules")
	}
	for name, dd := range d {
		if strings.Contains(dd.SVG(), "→ :0") {
			t.Errorf("%s: a port 0 drawn as a mapping", name)
		}
	}
}
