package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/lab"
	"github.com/lvslab/lvslab/topology/ipvsadm"
)

func TestURLHostBracketsIPv6(t *testing.T) {
	for _, c := range []struct {
		addr string
		port uint16
		want string
	}{
		{"172.16.0.45", 80, "172.16.0.45"},
		{"172.16.0.45", 8080, "172.16.0.45:8080"},
		{"fd00:10::45", 80, "[fd00:10::45]"},
		{"fd00:10::45", 8080, "[fd00:10::45]:8080"},
	} {
		if got := urlHost(netip.MustParseAddr(c.addr), c.port); got != c.want {
			t.Errorf("urlHost(%s, %d) = %q, want %q", c.addr, c.port, got, c.want)
		}
	}
}

func TestWithoutVMFlag(t *testing.T) {
	got := withoutVMFlag([]string{"test", "--vm=always", "rr", "--vm", "auto", "--", "--vm=x"})
	if strings.Join(got, " ") != "test rr -- --vm=x" {
		t.Errorf("got %q", got)
	}
}

// The microVM loads every scheduler of the registry that its kernel has.
func TestGuestModulesFollowTheSchedulerRegistry(t *testing.T) {
	required, optional := lab.KernelModules()
	for _, s := range ipvsadm.SchedulerRegistry {
		if !slices.Contains(optional, "ip_vs_"+s.Name) {
			t.Errorf("the microVM does not load ip_vs_%s", s.Name)
		}
	}
	if !slices.Contains(required, "ip_vs") {
		t.Errorf("the microVM does not load ip_vs: %v", required)
	}
}
