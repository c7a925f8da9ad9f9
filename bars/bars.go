// Package bars draws a split as bars: for each real server, what was expected against what was
// observed, in a terminal (Unicode blocks or plain ASCII) or as SVG for a page. It is pure.
package bars

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/lvslab/lvslab/assert"
)

// Style is how bars are drawn in a terminal.
type Style int

const (
	None    Style = iota // no bars
	ASCII                // '#' observed, '-' expected
	Unicode              // block characters, to an eighth of a character
)

// ParseStyle reads --bars: none, ascii or unicode ("auto" is the caller's to decide).
func ParseStyle(s string) (Style, error) {
	switch s {
	case "none":
		return None, nil
	case "ascii":
		return ASCII, nil
	case "unicode":
		return Unicode, nil
	}
	return None, fmt.Errorf("--bars %q: want auto, unicode, ascii or none", s)
}

// String is the style's name, as ParseStyle reads it.
func (s Style) String() string {
	switch s {
	case ASCII:
		return "ascii"
	case Unicode:
		return "unicode"
	}
	return "none"
}

// Width is the longest bar, in characters.
const Width = 40

// Write draws the shares as two bars per server, expected above observed, scaled so that the largest
// count takes Width characters, each with its number and, where the check accepts a range, whether the
// observed count is in it.
func Write(w io.Writer, shares []assert.Share, style Style) error {
	if style == None || len(shares) == 0 {
		return nil
	}
	top := 0.0
	name := 0
	for _, s := range shares {
		top = max(top, s.Expected, float64(s.Observed))
		name = max(name, len(s.Server))
	}
	var b strings.Builder
	for _, s := range shares {
		fmt.Fprintf(&b, "  %-*s  expected %s %s\n", name, s.Server, bar(s.Expected, top, style, true), number(s.Expected))
		mark := ""
		switch {
		case s.Out() && style == Unicode:
			mark = "  ✗ outside the accepted " + acceptedRange(s)
		case s.Out():
			mark = "  <- outside the accepted " + acceptedRange(s)
		case s.Ranged && style == Unicode:
			mark = "  ✓"
		case s.Ranged:
			mark = "  ok"
		}
		fmt.Fprintf(&b, "  %-*s  observed %s %d%s\n", name, "", bar(float64(s.Observed), top, style, false), s.Observed, mark)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// bar is v of top as Width characters at most: full blocks and the eighth that remains (Unicode), or
// whole characters (ASCII). A count above zero always shows at least a sliver.
func bar(v, top float64, style Style, expected bool) string {
	if top <= 0 || v <= 0 {
		return ""
	}
	eighths := int(math.Round(v / top * Width * 8))
	eighths = max(eighths, 1)
	if style == ASCII {
		c := "#"
		if expected {
			c = "-"
		}
		return strings.Repeat(c, max(1, (eighths+4)/8))
	}
	if expected { // light shade, in whole characters: it reads as a frame for the solid bar below
		return strings.Repeat("░", max(1, (eighths+4)/8))
	}
	partial := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	return strings.Repeat("█", eighths/8) + partial[eighths%8]
}

// number prints an expected count: whole when it is, else to a tenth.
func number(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// acceptedRange is "749..751", or "750" when the check accepts one count.
func acceptedRange(s assert.Share) string {
	if s.Lo == s.Hi {
		return fmt.Sprint(s.Lo)
	}
	return fmt.Sprintf("%d..%d", s.Lo, s.Hi)
}
