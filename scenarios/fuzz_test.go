package scenarios

import (
	"regexp"
	"strings"
	"testing"
)

// errorAt is how every scenario error begins: the source, and a position when there is one.
var errorAt = regexp.MustCompile(`^fuzz\.yaml(:\d+:\d+)?: `)

// FuzzParseScenario feeds Parse arbitrary bytes: it must not panic, it must stay within its bounds, every
// failure must name the file (and a position, where it has one), and every scenario it accepts must be
// one the runner can take: a load within bounds, a sequence as long as the load, a target in the lab.
func FuzzParseScenario(f *testing.F) {
	entries, err := suiteFS.ReadDir("suite")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := suiteFS.ReadFile("suite/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("name: x\n" + rrRules + "load: {connections: 4}\nexpect: {sequence: rs1*9999999999999}\n"))
	f.Add([]byte("name: x\ntopology: ../../etc/passwd\n" + rrRules))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !errorAt.MatchString(err.Error()) {
				t.Fatalf("error without the file's name: %q", err)
			}
			return
		}
		for i, p := range s.Phases {
			l := p.Load
			if l.Connections < 1 || l.Connections > MaxConnections || l.Concurrency < 1 || l.Concurrency > l.Connections ||
				l.Sources < 1 || l.Sources > MaxSources || l.Datagrams < 0 || l.Datagrams > MaxDatagrams {
				t.Fatalf("phase %d: accepted a load out of bounds: %+v", i, l)
			}
			if p.Expect.Sequence != "" {
				units := l.Connections
				if l.Protocol == ProtocolUDP {
					units *= l.Datagrams
				}
				if err := s.checkSequence(p.Expect.Sequence, &l); err != nil || len(strings.Fields(p.Expect.Sequence)) > units+strings.Count(p.Expect.Sequence, "|") {
					t.Fatalf("phase %d: accepted a sequence the load cannot have: %v", i, err)
				}
			}
		}
	})
}
