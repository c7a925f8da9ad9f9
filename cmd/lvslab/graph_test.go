package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/browser"
	"github.com/lvslab/lvslab/topology"
)

func TestGraphRefusesBadInput(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct{ args []string }{
		{[]string{"graph", "--format", "png"}},
		{[]string{"graph", "-f", "no-such-topology"}},
		{[]string{"graph", "extra-argument"}},
	} {
		out, code := c.run(tc.args...)
		if code != 2 || !strings.Contains(out, "lvslab:") {
			t.Errorf("%v: exit %d, want 2 and a message:\n%s", tc.args, code, out)
		}
	}
	if out, _ := c.run("graph", "--format", "png"); !strings.Contains(out, "want svg, mermaid, dot or text") {
		t.Errorf("--format png does not say what is accepted:\n%s", out)
	}
}

func TestGraphFormatFollowsTheFileName(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	for file, starts := range map[string]string{"a.svg": "<svg ", "a.mmd": "%% nat-walkthrough\nflowchart LR", "a.dot": `graph "nat-walkthrough"`, "a.txt": "nat-walkthrough\n"} {
		path := filepath.Join(dir, file)
		if out, code := c.run("graph", "-o", path); code != 0 {
			t.Fatalf("graph -o %s: exit %d\n%s", file, code, out)
		}
		data, err := os.ReadFile(path)
		if err != nil || !strings.HasPrefix(string(data), starts) {
			t.Errorf("%s begins %.40q, want %q (%v)", file, data, starts, err)
		}
	}
}

// measure is a page that shows the SVGs, each in a section named for its topology, and, once they are
// laid out, writes what the browser drew as JSON: per topology each host box's size, the width of its
// name as rendered, any line of text that spills out of its box, and the networks drawn.
const measure = `<!doctype html><html><body style="margin:0">%SVG%<pre id="result"></pre><script>
const out = {};
for (const sec of document.querySelectorAll('section[data-topology]')) {
  const o = out[sec.dataset.topology] = {hosts: {}, spill: [], networks: []};
  for (const g of sec.querySelectorAll('g.host')) {
    const box = g.querySelector('rect').getBoundingClientRect();
    const texts = [...g.querySelectorAll('text')];
    o.hosts[g.dataset.host] = {width: box.width, height: box.height, name: texts[0].textContent, nameWidth: texts[0].getBoundingClientRect().width};
    for (const t of texts) {
      const r = t.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1 || r.bottom > box.bottom + 1 || r.width == 0) o.spill.push(g.dataset.host + ': ' + t.textContent);
    }
  }
  for (const g of sec.querySelectorAll('g.network')) o.networks.push(g.dataset.network);
}
document.getElementById('result').textContent = JSON.stringify(out);
</script></body></html>`

// Every built-in topology's picture, drawn in a real browser (all on one page, one browser run for the
// screenshot and one for the layout): not blank, a box with its name for every host, a bar for every
// network, and no text running out of its box.
func TestGraphSVGInABrowser(t *testing.T) {
	chromium := browser.Need(t)
	c := newCLI(t)
	dir := t.TempDir()
	ctx := context.Background()
	var sections strings.Builder
	for _, name := range topology.EmbeddedNames() {
		svg := filepath.Join(dir, name+".svg")
		if out, code := c.run("graph", "-f", name, "-o", svg); code != 0 {
			t.Fatalf("graph -f %s: exit %d\n%s", name, code, out)
		}
		data, err := os.ReadFile(svg)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sections, `<section data-topology="%s">%s</section>`, name, data)
	}
	page := filepath.Join(dir, "all.html")
	if err := os.WriteFile(page, []byte(strings.Replace(measure, "%SVG%", sections.String(), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := browser.Screenshot(ctx, chromium, page, 1280, 720)
	if err != nil {
		t.Fatal(err)
	}
	if ink, colours := browser.Ink(img); ink < 0.005 || colours < 6 {
		t.Errorf("the pictures look blank: %.1f%% drawn, %d colours", 100*ink, colours)
	}
	dom, err := browser.DOM(ctx, chromium, page, 1280, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		Hosts map[string]struct {
			Width, Height, NameWidth float64
			Name                     string
		}
		Spill, Networks []string
	}
	if err := browser.Measured(dom, "result", &got); err != nil {
		t.Fatal(err)
	}
	for _, name := range topology.EmbeddedNames() {
		topo, _ := topology.Embedded(name)
		drawn, ok := got[name]
		if !ok {
			t.Errorf("%s: not drawn", name)
			continue
		}
		for _, h := range topo.Hosts {
			g, ok := drawn.Hosts[h.Name]
			if !ok || g.Width < 100 || g.Height < 40 || g.Name != h.Name || g.NameWidth < 10 {
				t.Errorf("%s: host %s not drawn readably: %+v", name, h.Name, g)
			}
		}
		if len(drawn.Networks) != len(topo.Networks) {
			t.Errorf("%s: %d networks drawn, want %d", name, len(drawn.Networks), len(topo.Networks))
		}
		for _, s := range drawn.Spill {
			t.Errorf("%s: text runs out of its box: %s", name, s)
		}
	}
}
