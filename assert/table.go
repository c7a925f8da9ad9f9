package assert

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// table lays out rows in columns two spaces apart. align has one letter
// per column: 'l' left, 'r' right; a missing letter means left.
type table struct {
	align string
	rows  [][]string
}

func newTable(align string, header ...string) *table {
	t := &table{align: align}
	if len(header) > 0 {
		t.add(header...)
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) String() string {
	var width []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i < len(t.align) && t.align[i] == 'r' {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// countTable prints per-server counts of two sources side by side with
// their difference (observed − expected), marking the servers that differ.
func countTable(expName, obsName string, exp, obs map[string]int) string {
	t := newTable("lrrrl", "server", expName, obsName, "diff")
	var te, to int
	for _, s := range serverNames(exp, obs) {
		e, o := exp[s], obs[s]
		te += e
		to += o
		t.add(s, fmt.Sprint(e), fmt.Sprint(o), signed(o-e), mark(o != e, "<- differs"))
	}
	t.add("total", fmt.Sprint(te), fmt.Sprint(to), signed(to-te))
	return t.String()
}

// serverNames is the sorted union of the maps' keys.
func serverNames[A, B any](a map[string]A, b map[string]B) []string {
	var names []string
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		names = append(names, k)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func signed(d int) string {
	if d > 0 {
		return fmt.Sprintf("+%d", d)
	}
	return fmt.Sprint(d)
}

func mark(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// plural is "1 server", "2 servers".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
