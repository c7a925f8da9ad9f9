package model

import (
	"slices"
	"testing"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// The model implements exactly the schedulers of the registry the rule parser and the microVM follow.
func TestTheModelCoversTheSchedulerRegistry(t *testing.T) {
	for _, s := range ipvsadm.SchedulerRegistry {
		if _, err := New(s.Name); err != nil {
			t.Errorf("the registry's %s (Linux %s) has no model: %v", s.Name, s.Since, err)
		}
		if !ipvsadm.KnownScheduler(s.Name) {
			t.Errorf("the rule parser does not know the registry's %s", s.Name)
		}
	}
	for name := range schedulers {
		if name != "none" && !slices.Contains(ipvsadm.Schedulers, name) {
			t.Errorf("the model implements %s, which the registry does not list", name)
		}
	}
}
