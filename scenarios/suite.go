package scenarios

import (
	"embed"
	"path"
	"sort"
)

//go:embed suite/*.yaml
var suiteFS embed.FS

// Suite is the embedded scenario suite: every scheduler under NAT and the tutorial's own examples, in
// file name order.
func Suite() ([]*Scenario, error) {
	entries, err := suiteFS.ReadDir("suite")
	if err != nil {
		return nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []*Scenario
	for _, e := range entries {
		data, err := suiteFS.ReadFile(path.Join("suite", e.Name()))
		if err != nil {
			return nil, err
		}
		s, err := Parse("embedded:"+e.Name(), data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
