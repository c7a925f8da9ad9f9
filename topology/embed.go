package topology

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

//go:embed embedded/*.yaml
var embedded embed.FS

// DefaultName is the embedded topology lvslab uses when none is given: the classic LVS NAT walkthrough.
const DefaultName = "nat-walkthrough"

// Default returns a fresh copy of the embedded NAT walkthrough.
func Default() *Topology {
	t, err := Embedded(DefaultName)
	if err != nil {
		panic("topology: the embedded default does not load: " + err.Error()) // the tests keep it loading
	}
	return t
}

// Embedded loads an embedded topology by name, with or without ".yaml". Its Source is "embedded:NAME.yaml".
func Embedded(name string) (*Topology, error) {
	file := strings.TrimSuffix(name, ".yaml") + ".yaml"
	data, err := embedded.ReadFile("embedded/" + file)
	if err != nil {
		return nil, fmt.Errorf("no embedded topology %q; embedded: %s", name, strings.Join(EmbeddedNames(), ", "))
	}
	return Parse("embedded:"+file, data)
}

// EmbeddedNames lists the embedded topologies, sorted, without ".yaml".
func EmbeddedNames() []string {
	files, _ := fs.Glob(embedded, "embedded/*.yaml") // the pattern is constant and valid
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(strings.TrimPrefix(f, "embedded/"), ".yaml")
	}
	slices.Sort(names) // by name: "dr" before "dr-udp", which the files' ".yaml" would put after it
	return names
}
