package lab

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/topology"
)

// FuzzDecodeState feeds the state-file reader arbitrary bytes: it must not panic, and whatever it accepts
// must name only the lab's own namespaces and files, so that Down could touch nothing else.
func FuzzDecodeState(f *testing.F) {
	const dir, name = "/run/lvslab", "lab1"
	f.Add([]byte(encode(f, goodState(f, dir, name))))
	f.Add([]byte(`{"name":"lab1","namespaces":[{"name":"../../proc/1/ns/net"}]}`))
	f.Add([]byte(`{"name":"lab1","phase":"up","files":["/etc/passwd"]}`))
	f.Add([]byte("{garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeState(bytes.NewReader(data), dir, name)
		if err != nil {
			return
		}
		if s.Name != name || s.Topology == nil || topology.Validate(s.Topology) != nil {
			t.Fatalf("accepted a state that is not lab1's: %+v", s)
		}
		for _, ns := range s.Namespaces {
			if !strings.HasPrefix(ns.Name, name+"-") || strings.ContainsAny(ns.Name, "/.") {
				t.Fatalf("accepted namespace %q", ns.Name)
			}
		}
		own := map[string]bool{}
		for _, f := range ownFiles(dir, name) {
			own[f] = true
		}
		for _, f := range s.Files {
			if !own[f] {
				t.Fatalf("accepted file %q", f)
			}
		}
	})
}
