package main

import (
	"net/netip"
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
