package main

import (
	"net/netip"
	"strings"
	"testing"
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
