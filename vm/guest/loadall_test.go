//go:build linux

package guest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lvslab/lvslab/vm/kernel"
)

// loadAll loads a module only after what it needs, loads the rest side by side, forgives an optional
// module's failure, reports a required one's, and cannot hang on a cycle of softdeps.
func TestLoadAllKeepsOrderAndRunsSideBySide(t *testing.T) {
	steps := []kernel.LoadStep{
		{Name: "nf_defrag_ipv6"},
		{Name: "ip_vs", After: []string{"nf_defrag_ipv6"}},
		{Name: "ip_vs_rr", After: []string{"ip_vs"}},
		{Name: "ip_vs_wrr", After: []string{"ip_vs"}},
		{Name: "veth"},
		{Name: "crc32c_intel", Optional: true},
		{Name: "a", After: []string{"b"}}, // b lists a as well: a cycle, which only softdeps can make
		{Name: "b", After: []string{"a"}},
	}
	var mu sync.Mutex
	var order []string // each module's name when its load starts, and "/name" when it ends
	var running, most int
	// Two modules that need nothing meet halfway: each waits (at most 5 s) for the other to have started,
	// which only loads side by side let happen.
	started := map[string]chan struct{}{"nf_defrag_ipv6": make(chan struct{}), "veth": make(chan struct{})}
	other := map[string]string{"nf_defrag_ipv6": "veth", "veth": "nf_defrag_ipv6"}
	err := loadAll(steps, func(s kernel.LoadStep) error {
		mu.Lock()
		running++
		most = max(most, running)
		order = append(order, s.Name)
		mu.Unlock()
		if s.Name == "nf_defrag_ipv6" || s.Name == "ip_vs" {
			time.Sleep(20 * time.Millisecond) // widens the window in which a module that needs this one could start too soon
		}
		if c, ok := started[s.Name]; ok {
			close(c)
			select {
			case <-started[other[s.Name]]:
			case <-time.After(5 * time.Second):
			}
		}
		mu.Lock()
		running--
		order = append(order, "/"+s.Name)
		mu.Unlock()
		if s.Name == "crc32c_intel" {
			return errors.New("needs SSE4.2")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("an optional module's failure failed the load: %v", err)
	}
	at := map[string]int{}
	for i, n := range order {
		at[n] = i
	}
	for _, s := range steps[:4] {
		for _, a := range s.After {
			if at["/"+a] > at[s.Name] {
				t.Errorf("%s started loading before %s, which it needs, was in: %v", s.Name, a, order)
			}
		}
	}
	if len(order) != 2*len(steps) || most < 2 {
		t.Errorf("loaded %v, at most %d at once; want all %d, some side by side", order, most, len(steps))
	}
	err = loadAll([]kernel.LoadStep{{Name: "ip_vs"}}, func(kernel.LoadStep) error { return errors.New("no such module") })
	if err == nil || !strings.Contains(err.Error(), "no such module") {
		t.Errorf("a required module's failure: got %v", err)
	}
}
