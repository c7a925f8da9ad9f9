package bars

import (
	"fmt"
	"html"
	"strings"

	"github.com/lvslab/lvslab/assert"
)

// SVG geometry, in pixels.
const (
	rowH    = 15
	rowGap  = 3
	groupH  = 2*rowH + rowGap + 12
	labelW  = 90
	numberW = 250
)

// SVG draws the shares as an inline SVG width pixels wide: per server a light, outlined bar for what was
// expected and a dark one for what was observed (red when outside the accepted range, which is drawn as
// a bracket across the observed bar), each with its number. Light against dark and the words beside the
// bars keep it readable in grey.
func SVG(shares []assert.Share, width int) string {
	if len(shares) == 0 {
		return ""
	}
	top := 0.0
	for _, s := range shares {
		top = max(top, s.Expected, float64(s.Observed), float64(s.Hi))
	}
	area := float64(width - labelW - numberW)
	scale := func(v float64) float64 {
		if top <= 0 {
			return 0
		}
		return v / top * area
	}
	height := len(shares)*groupH + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" font-size="12" role="img" aria-label="expected and observed connections per real server">`,
		width, height, width, height)
	for i, s := range shares {
		y := float64(i*groupH + 4)
		fmt.Fprintf(&b, `<g class="share" data-server="%s"><text x="0" y="%.0f" font-weight="bold" fill="#111827">%s</text>`, esc(s.Server), y+rowH+4, esc(s.Server))
		fmt.Fprintf(&b, `<rect x="%d" y="%.0f" width="%.1f" height="%d" fill="#e5e7eb" stroke="#111827" stroke-dasharray="3 2"/>`, labelW, y, scale(s.Expected), rowH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" fill="#374151">expected %s</text>`, float64(labelW)+scale(s.Expected)+6, y+12, number(s.Expected))
		oy := y + rowH + rowGap
		fill, note := "#1e3a8a", ""
		if s.Out() {
			fill, note = "#b91c1c", " ✗ outside "+acceptedRange(s)
		}
		fmt.Fprintf(&b, `<rect class="observed" x="%d" y="%.0f" width="%.1f" height="%d" fill="%s"/>`, labelW, oy, scale(float64(s.Observed)), rowH, fill)
		if s.Ranged {
			lo, hi := float64(labelW)+scale(float64(s.Lo)), float64(labelW)+scale(float64(s.Hi))
			fmt.Fprintf(&b, `<path d="M%.1f,%.0f v-3 H%.1f v3 M%.1f,%.0f v3 H%.1f v-3" fill="none" stroke="#111827" stroke-width="1.5"/>`,
				lo, oy+rowH+5, hi, lo, oy-5, hi)
		}
		weight := ""
		if s.Out() {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" fill="#111827"%s>observed %d%s</text></g>`,
			float64(labelW)+max(scale(float64(s.Observed)), scale(float64(s.Hi)))+6, oy+12, weight, s.Observed, esc(note))
	}
	b.WriteString("</svg>")
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }
