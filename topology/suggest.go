package topology

import "github.com/lvslab/lvslab/internal/spell"

// didYouMean returns "; did you mean X?" for the option closest to a misspelt word, or "" when none is close.
func didYouMean(word string, options []string) string {
	best, bestDist := "", 3 // more than two edits away is a different word, not a typo
	for _, o := range options {
		if d := spell.Distance(word, o); d < bestDist && d < len(o) {
			best, bestDist = o, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}
