package debian

import "strings"

// Relations reads a relationship field (Depends, Pre-Depends): for each comma-separated relation its
// alternatives' package names, versions, architecture qualifiers and build profiles dropped
// ("libc6 (>= 2.14), a | b:any" gives [[libc6] [a b]]).
func Relations(field string) [][]string {
	var out [][]string
	for _, rel := range strings.Split(field, ",") {
		var alts []string
		for _, alt := range strings.Split(rel, "|") {
			name := strings.TrimSpace(alt)
			if i := strings.IndexAny(name, " (<[:"); i >= 0 {
				name = name[:i]
			}
			if name != "" {
				alts = append(alts, name)
			}
		}
		if len(alts) > 0 {
			out = append(out, alts)
		}
	}
	return out
}
