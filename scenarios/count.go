package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lvslab/lvslab/topology"
)

// Count is an expected count: exactly N (5), at least N (1+), or a range (2-6), for what timing decides.
type Count struct{ Min, Max int }

// countMax stands for no upper bound.
const countMax = MaxConnections * MaxDatagrams

// UnmarshalYAML reads 5, "1+" or "2-6".
func (c *Count) UnmarshalYAML(n *yaml.Node) error {
	parsed, err := ParseCount(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %q: expected %s", n.Line, topology.Clip(n.Value, 20), c.YAMLWords())
	}
	*c = parsed
	return nil
}

// ParseCount reads 5, "1+" or "2-6".
func ParseCount(s string) (Count, error) {
	num := func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > countMax {
			return 0, fmt.Errorf("%q: expected a whole number from 0 to %d", topology.Clip(s, 20), countMax)
		}
		return n, nil
	}
	if lo, ok := strings.CutSuffix(s, "+"); ok {
		n, err := num(lo)
		return Count{n, countMax}, err
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err := num(lo)
		if err != nil {
			return Count{}, err
		}
		b, err := num(hi)
		if err == nil && b < a {
			err = fmt.Errorf("%q: the range runs backwards", topology.Clip(s, 20))
		}
		return Count{a, b}, err
	}
	n, err := num(s)
	return Count{n, n}, err
}

// YAMLWords says what a count looks like, for a value that does not fit.
func (Count) YAMLWords() string { return "a count: 5, 1+ (at least) or 2-6 (a range)" }

// Holds says n is within the count.
func (c Count) Holds(n int) bool { return c.Min <= n && n <= c.Max }

func (c Count) String() string {
	switch {
	case c.Min == c.Max:
		return strconv.Itoa(c.Min)
	case c.Max == countMax:
		return strconv.Itoa(c.Min) + " or more"
	}
	return fmt.Sprintf("%d to %d", c.Min, c.Max)
}
