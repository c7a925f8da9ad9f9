package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/assert"
	"github.com/lvslab/lvslab/graph"
	"github.com/lvslab/lvslab/internal/browser"
	"github.com/lvslab/lvslab/internal/wait"
	"github.com/lvslab/lvslab/report"
	"github.com/lvslab/lvslab/topology"
)

// measureReport is appended to a copy of a report page (which has no script of its own): once the page
// is laid out it writes what the browser drew as JSON.
const measureReport = `<pre id="measured"></pre><script>
const out = {scrollWidth: document.documentElement.scrollWidth, rows: [], sections: [], firstDiff: [], bars: [], topologies: [], badges: []};
for (const tr of document.querySelectorAll('table.results tbody tr')) out.rows.push({name: tr.dataset.scenario, status: tr.querySelector('.badge').textContent, height: tr.getBoundingClientRect().height});
for (const s of document.querySelectorAll('section.scenario')) out.sections.push(s.dataset.scenario);
for (const d of document.querySelectorAll('.conn.first-diff')) { const r = d.getBoundingClientRect(); out.firstDiff.push({scenario: d.closest('section').dataset.scenario, text: d.innerText, width: r.width, height: r.height}); }
for (const b of document.querySelectorAll('svg.bars')) { const r = b.getBoundingClientRect(); out.bars.push({scenario: b.closest('section').dataset.scenario, text: b.textContent, width: r.width, height: r.height}); }
for (const s of document.querySelectorAll('figure.topology svg')) { const r = s.getBoundingClientRect(); out.topologies.push({scenario: s.closest('section').dataset.scenario, width: r.width, hosts: s.querySelectorAll('g.host').length}); }
for (const b of document.querySelectorAll('table.results .badge')) { const st = getComputedStyle(b); out.badges.push({status: b.textContent, color: st.color, background: st.backgroundColor}); }
document.getElementById('measured').textContent = JSON.stringify(out);
</script>`

type reportPage struct {
	ScrollWidth float64
	Rows        []struct {
		Name, Status string
		Height       float64
	}
	Sections  []string
	FirstDiff []struct {
		Scenario, Text string
		Width, Height  float64
	}
	Bars []struct {
		Scenario, Text string
		Width, Height  float64
	}
	Topologies []struct {
		Scenario string
		Width    float64
		Hosts    int
	}
	Badges []struct{ Status, Color, Background string }
}

// luma is a CSS rgb() colour's brightness in grey, 0 to 1.
func luma(t *testing.T, css string) float64 {
	t.Helper()
	var r, g, b float64
	if _, err := fmt.Sscanf(strings.ReplaceAll(css, " ", ""), "rgb(%g,%g,%g)", &r, &g, &b); err != nil {
		t.Fatalf("colour %q: %v", css, err)
	}
	return (0.299*r + 0.587*g + 0.114*b) / 255
}

// linear is a grey level's light, as WCAG's relative luminance takes it.
func linear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// checkGrey checks that the verdicts read in a grey-scale printout: each badge's text stands out from
// its background, and FAIL's background from PASS's.
func checkGrey(t *testing.T, got reportPage) {
	t.Helper()
	bg := map[string]float64{}
	for _, b := range got.Badges {
		text, back := luma(t, b.Color), luma(t, b.Background)
		lt, lb := linear(text), linear(back) // WCAG's contrast, of the grey the printout gives
		if contrast := (max(lt, lb) + 0.05) / (min(lt, lb) + 0.05); contrast < 4.5 {
			t.Errorf("%s badge: text and background %.2f and %.2f in grey, contrast %.1f, want at least 4.5", b.Status, text, back, contrast)
		}
		bg[b.Status] = back
	}
	if d := bg["PASS"] - bg["FAIL"]; d < 0.3 {
		t.Errorf("PASS and FAIL badges are %.2f and %.2f in grey: too alike to tell apart on paper", bg["PASS"], bg["FAIL"])
	}
}

// lookAtReport renders a report page in headless Chromium 1280 pixels wide: it must not be blank, and
// what the browser laid out comes back measured.
func lookAtReport(t *testing.T, page string) reportPage {
	t.Helper()
	chromium := browser.Need(t)
	ctx := context.Background()
	img, err := browser.Screenshot(ctx, chromium, page, 1280, 1600)
	if err != nil {
		t.Fatal(err)
	}
	if ink, colours := browser.Ink(img); ink < 0.02 || colours < 6 {
		t.Errorf("the page looks blank: %.1f%% of it drawn, %d colours", 100*ink, colours)
	}
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	measured := filepath.Join(t.TempDir(), "measured.html")
	if err := os.WriteFile(measured, []byte(strings.Replace(string(data), "</body>", measureReport+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, err := browser.DOM(ctx, chromium, measured, 1280, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got reportPage
	if err := browser.Measured(dom, "measured", &got); err != nil {
		t.Fatal(err)
	}
	if got.ScrollWidth > 1280 {
		t.Errorf("the page is %g pixels wide at 1280: it scrolls sideways", got.ScrollWidth)
	}
	return got
}

// checkFailurePage checks what a page shows of a scenario that failed a wrong expectation: a row that
// says FAIL, its bars drawn with the numbers, the first differing connection marked, its lab drawn.
func checkFailurePage(t *testing.T, got reportPage, failed string, others ...string) {
	t.Helper()
	rows := map[string]string{}
	for _, r := range got.Rows {
		rows[r.Name] = r.Status
		if r.Height < 10 {
			t.Errorf("row %s is %g pixels high", r.Name, r.Height)
		}
	}
	if rows[failed] != "FAIL" {
		t.Errorf("%s's row says %q, want FAIL (rows %v)", failed, rows[failed], rows)
	}
	for _, o := range others {
		if rows[o] != "PASS" {
			t.Errorf("%s's row says %q, want PASS", o, rows[o])
		}
	}
	if len(got.Sections) != len(got.Rows) {
		t.Errorf("%d sections for %d rows", len(got.Sections), len(got.Rows))
	}
	bars := 0
	for _, b := range got.Bars {
		if b.Scenario == failed && b.Width > 300 && b.Height > 40 && strings.Contains(b.Text, "observed") && strings.Contains(b.Text, "expected") {
			bars++
		}
	}
	if bars == 0 {
		t.Errorf("no bars drawn for %s: %+v", failed, got.Bars)
	}
	marked := false
	for _, d := range got.FirstDiff {
		marked = marked || (d.Scenario == failed && d.Width > 20 && d.Height > 20 && strings.Contains(d.Text, "first difference"))
	}
	if !marked {
		t.Errorf("no first difference shown for %s: %+v", failed, got.FirstDiff)
	}
	drawn := false
	for _, tp := range got.Topologies {
		drawn = drawn || (tp.Scenario == failed && tp.Width > 300 && tp.Hosts >= 3)
	}
	if !drawn {
		t.Errorf("%s's lab is not drawn: %+v", failed, got.Topologies)
	}
}

// writeFailedReport writes the JSON report of a run where rr passed and wrr-wrong failed a wrong
// expectation, its split and its sequence, and returns its path.
func writeFailedReport(t *testing.T, dir string) string {
	t.Helper()
	seq := assert.Sequence(strings.Fields("rs1 rs2 rs1 rs2 rs1 rs2 rs1 rs2"), strings.Fields("rs1 rs1 rs1 rs2 rs1 rs1 rs1 rs2"))
	split := assert.ProportionsWithin(map[string]float64{"rs1": 1, "rs2": 1}, map[string]int{"rs1": 6, "rs2": 2}, 0)
	rep := &report.Report{Format: report.Format, Runs: []report.Run{{Kernel: report.Kernel{Release: "6.1.0-57-amd64"}, Parallel: 1}}}
	for _, name := range []string{"rr", "wrr-wrong"} {
		res := report.Result{Name: name, Source: "embedded:" + name + ".yaml", Digest: "sha256:" + strings.Repeat("0", 64), Result: report.Pass,
			Diagram: graph.Of(topology.Default()), Phases: []report.Phase{{Verdicts: []report.Verdict{{Name: "sequence", Pass: true, Summary: "as expected"}}}}}
		if name == "wrr-wrong" {
			res.Result = report.Fail
			res.Phases[0].Verdicts = []report.Verdict{
				{Name: seq.Name, Summary: seq.Summary, Detail: seq.Detail, Split: seq.Split, Order: seq.Order},
				{Name: split.Name, Summary: split.Summary, Detail: split.Detail, Split: split.Split}}
		}
		rep.Results = append(rep.Results, res)
	}
	path := filepath.Join(dir, "r.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := rep.WriteJSON(f); err != nil {
		t.Fatal(err)
	}
	return path
}

// report merge --html: a report of a failed wrr scenario, read back from JSON, as a page.
func TestReportMergeHTMLInABrowser(t *testing.T) {
	c, dir := newCLI(t), t.TempDir()
	writeFailedReport(t, dir)
	page := filepath.Join(dir, "r.html")
	out := c.expect(exitFailed, "report", "merge", filepath.Join(dir, "r.json"), "--html", page, "--bars", "ascii")
	if !strings.Contains(out, "observed ##") || !strings.Contains(out, "<- outside the accepted 4") {
		t.Errorf("report merge --bars ascii draws no bars for the failure:\n%s", out)
	}
	if out := c.expect(exitFailed, "report", "merge", filepath.Join(dir, "r.json")); strings.Contains(out, "observed ##") || strings.Contains(out, "█") {
		t.Errorf("bars drawn into a pipe without --bars:\n%s", out)
	}
	if out := c.expect(exitUnusable, "report", "merge", filepath.Join(dir, "r.json"), "--bars", "fancy"); !strings.Contains(out, "want auto, unicode, ascii or none") {
		t.Errorf("--bars fancy:\n%s", out)
	}
	got := lookAtReport(t, page)
	checkFailurePage(t, got, "wrr-wrong", "rr")
	checkGrey(t, got)
}

// The closing check of a real run: a scenario with a deliberately wrong expectation beside two right
// ones, run on the kernel's IPVS, then its page looked at in a browser.
func TestVMHTMLReportOfAWrongExpectation(t *testing.T) {
	needMicroVM(t)
	browser.Need(t)
	c, dir := newCLI(t), t.TempDir()
	page := filepath.Join(dir, "r.html")
	wrong, err := filepath.Abs(filepath.Join("testdata", "wrr-wrong.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := c.expect(exitFailed, "test", wrong, "rr", "wrr-model", "--html", page, "--bars", "unicode")
	if !strings.Contains(out, "✗ outside the accepted") {
		t.Errorf("the failure's bars are not in the output:\n%s", out)
	}
	got := lookAtReport(t, page)
	checkFailurePage(t, got, "wrr-wrong", "rr", "wrr-model")
	checkGrey(t, got)
}

// --bars auto, on a terminal (tmux): Unicode blocks where the locale is UTF-8, ASCII where it is not.
func TestBarsFollowTheTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("needs tmux")
	}
	c, dir := newCLI(t), t.TempDir()
	path := writeFailedReport(t, dir)
	self, _ := os.Executable()
	for locale, want := range map[string]string{"C.UTF-8": "observed ██████", "C": "observed ######"} {
		session := fmt.Sprintf("lvslab-bars-%d-%s", os.Getpid(), strings.ReplaceAll(locale, ".", ""))
		// read keeps the pane open once lvslab has printed, until the session is killed.
		command := fmt.Sprintf("env LC_ALL= LC_CTYPE= LANG=%s LVSLAB_TEST_AS_MAIN=1 LVSLAB_STATE_DIR=%s %s report merge %s; echo DONE; read x",
			locale, c.stateDir, self, path)
		if out, err := exec.Command("tmux", "-u", "new-session", "-d", "-s", session, "-x", "150", "-y", "80", command).CombinedOutput(); err != nil {
			t.Fatalf("tmux: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
		var screen string
		err := wait.Until(t.Context(), 30*time.Second, func() (bool, string) {
			out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", session).Output()
			screen = string(out)
			return strings.Contains(screen, "DONE"), "lvslab report merge has not finished"
		})
		if err != nil {
			t.Fatalf("%s: %v:\n%s", locale, err, screen)
		}
		if !strings.Contains(screen, want) {
			t.Errorf("LANG=%s: the terminal does not show %q:\n%s", locale, want, screen)
		}
	}
}

// A wrong promise about a fault, on the kernel's IPVS: a server deleted under load said to take new
// connections still. The run exits 1, and says where the step came, where the kernel parted from the
// promise, and draws the split.
func TestVMWrongPromiseAboutADeletedServer(t *testing.T) {
	needMicroVM(t)
	c := newCLI(t)
	wrong, err := filepath.Abs(filepath.Join("testdata", "deleted-server-wrong.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := c.expect(exitFailed, "test", wrong, "--bars", "ascii")
	for _, want := range []string{
		"FAIL  deleted-server-wrong",
		"phase 1: after 10 connections: ipvsadm -d -t 192.168.0.75:80 -r 172.16.0.45:80",
		"first at #12: expected rs1, observed rs2",
		"rs1           10         5    -5  <- differs",
		"observed ############# 5  <- outside the accepted 9..11",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
}
