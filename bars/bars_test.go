package bars

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/assert"
)

var split = []assert.Share{
	{Server: "rs1", Expected: 750, Observed: 500, Lo: 749, Hi: 751, Ranged: true},
	{Server: "rs2", Expected: 250, Observed: 250, Lo: 249, Hi: 251, Ranged: true},
}

func TestTextBarsScaleAndMarkWhatIsOutOfRange(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, split, Unicode); err != nil {
		t.Fatal(err)
	}
	want := "  rs1  expected " + strings.Repeat("░", 40) + " 750\n" +
		"       observed " + strings.Repeat("█", 26) + "▋ 500  ✗ outside the accepted 749..751\n" +
		"  rs2  expected " + strings.Repeat("░", 13) + " 250\n" +
		"       observed " + strings.Repeat("█", 13) + "▍ 250  ✓\n"
	if b.String() != want {
		t.Errorf("unicode bars:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := Write(&b, split, ASCII); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsFunc(b.String(), func(r rune) bool { return r > 127 }) {
		t.Errorf("ascii bars hold non-ASCII characters:\n%s", b.String())
	}
	if !strings.Contains(b.String(), strings.Repeat("#", 27)+" 500  <- outside the accepted 749..751") || !strings.Contains(b.String(), strings.Repeat("-", 40)+" 750") {
		t.Errorf("ascii bars:\n%s", b.String())
	}
	b.Reset()
	if err := Write(&b, split, None); err != nil || b.Len() != 0 {
		t.Errorf("style none wrote %q", b.String())
	}
}

func TestTinyCountsStillShow(t *testing.T) {
	var b bytes.Buffer
	_ = Write(&b, []assert.Share{{Server: "a", Expected: 10000, Observed: 1}, {Server: "b", Expected: 0, Observed: 0}}, Unicode)
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[1], "observed ▏ 1") || !strings.Contains(lines[2], "expected  0") {
		t.Errorf("a count of 1 against 10000 must show a sliver, 0 nothing:\n%s", b.String())
	}
}

func TestSVGBarsAreWellFormedAndNameEachServer(t *testing.T) {
	svg := SVG(append(split, assert.Share{Server: `<b>&`, Expected: 1, Observed: 2}), 640)
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v\n%s", err, svg)
			}
			break
		}
	}
	for _, s := range []string{`data-server="rs1"`, `data-server="rs2"`, "observed 500 ✗ outside 749..751", "expected 750", "&lt;b&gt;&amp;"} {
		if !strings.Contains(svg, s) {
			t.Errorf("SVG lacks %q", s)
		}
	}
	if got := SVG(nil, 640); got != "" {
		t.Errorf("no shares drew %q", got)
	}
}

func TestParseStyle(t *testing.T) {
	for in, want := range map[string]Style{"none": None, "ascii": ASCII, "unicode": Unicode} {
		if got, err := ParseStyle(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, st := range []Style{None, ASCII, Unicode} {
		if back, err := ParseStyle(st.String()); err != nil || back != st {
			t.Errorf("ParseStyle(%q) = %v, %v; want %v back", st.String(), back, err, st)
		}
	}
	if _, err := ParseStyle("fancy"); err == nil || !strings.Contains(err.Error(), "want auto, unicode, ascii or none") {
		t.Errorf("fancy: %v", err)
	}
}
