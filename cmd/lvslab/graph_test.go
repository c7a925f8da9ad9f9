package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
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

// measure is a page that shows an SVG and, once it is laid out, writes what the browser drew as JSON:
// each host box's size, the width of its name as rendered, and any line of text that spills out of its box.
const measure = `<!doctype html><html><body style="margin:0">%SVG%<pre id="result"></pre><script>
const out = {hosts: {}, spill: [], networks: []};
for (const g of document.querySelectorAll('g.host')) {
  const box = g.querySelector('rect').getBoundingClientRect();
  const texts = [...g.querySelectorAll('text')];
  out.hosts[g.dataset.host] = {width: box.width, height: box.height, name: texts[0].textContent, nameWidth: texts[0].getBoundingClientRect().width};
  for (const t of texts) {
    const r = t.getBoundingClientRect();
    if (r.right > box.right + 1 || r.left < box.left - 1 || r.bottom > box.bottom + 1 || r.width == 0) out.spill.push(g.dataset.host + ': ' + t.textContent);
  }
}
for (const g of document.querySelectorAll('g.network')) out.networks.push(g.dataset.network);
document.getElementById('result').textContent = JSON.stringify(out);
</script></body></html>`

// Every built-in topology's picture, drawn in a real browser: not blank, a box with its name for every
// host, a bar for every network, and no text running out of its box.
func TestGraphSVGInABrowser(t *testing.T) {
	chromium := browser.Need(t)
	c := newCLI(t)
	dir := t.TempDir()
	ctx := context.Background()
	result := regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`)
	for _, name := range topology.EmbeddedNames() {
		svg := filepath.Join(dir, name+".svg")
		if out, code := c.run("graph", "-f", name, "-o", svg); code != 0 {
			t.Fatalf("graph -f %s: exit %d\n%s", name, code, out)
		}
		img, err := browser.Screenshot(ctx, chromium, svg, 1280, 720)
		if err != nil {
			t.Fatal(err)
		}
		if ink, colours := browser.Ink(img); ink < 0.005 || colours < 6 {
			t.Errorf("%s: the picture looks blank: %.1f%% of it drawn, %d colours", name, 100*ink, colours)
		}
		data, err := os.ReadFile(svg)
		if err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(dir, name+".html")
		if err := os.WriteFile(page, []byte(strings.Replace(measure, "%SVG%", string(data), 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		dom, err := browser.DOM(ctx, chromium, page, 1280, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		m := result.FindStringSubmatch(dom)
		if m == nil || m[1] == "" {
			t.Fatalf("%s: the page's measurements are missing:\n%.2000s", name, dom)
		}
		var got struct {
			Hosts map[string]struct {
				Width, Height, NameWidth float64
				Name                     string
			}
			Spill, Networks []string
		}
		if err := json.Unmarshal([]byte(strings.ReplaceAll(m[1], "&amp;", "&")), &got); err != nil {
			t.Fatalf("%s: %v in %s", name, err, m[1])
		}
		topo, _ := topology.Embedded(name)
		for _, h := range topo.Hosts {
			g, ok := got.Hosts[h.Name]
			if !ok || g.Width < 100 || g.Height < 40 || g.Name != h.Name || g.NameWidth < 10 {
				t.Errorf("%s: host %s not drawn readably: %+v", name, h.Name, g)
			}
		}
		if len(got.Networks) != len(topo.Networks) {
			t.Errorf("%s: %d networks drawn, want %d", name, len(got.Networks), len(topo.Networks))
		}
		for _, s := range got.Spill {
			t.Errorf("%s: text runs out of its box: %s", name, s)
		}
	}
}
