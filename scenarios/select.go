package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Select loads the named scenarios (files, or built-in names), or the whole built-in suite.
func Select(args []string) ([]*Scenario, error) {
	suite, err := Suite()
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return suite, nil
	}
	var out []*Scenario
	for _, a := range args {
		s, err := LoadFile(a)
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(a, "/.") {
			s = builtIn(suite, a)
			if s == nil {
				return nil, fmt.Errorf("no scenario file %s, and no built-in scenario of that name (built in: %s)", a, strings.Join(scenarioNames(suite), " "))
			}
		} else if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func builtIn(suite []*Scenario, name string) *Scenario {
	for _, s := range suite {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// scenarioNames are the suite's names, in its order.
func scenarioNames(suite []*Scenario) []string {
	var n []string
	for _, s := range suite {
		n = append(n, s.Name)
	}
	return n
}
