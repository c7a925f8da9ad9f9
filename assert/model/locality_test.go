package model

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func cached(s *Service) string {
	var out []string
	for _, d := range s.LocalityCache()[vip.Addr()] {
		out = append(out, name(d))
	}
	return strings.Join(out, " ")
}

// One VIP is one cache key: lblc sticks to a server until it has more
// active connections than its weight while some server is below half of
// its weight; then the wlc pick replaces the entry.
func TestLBLC(t *testing.T) {
	for _, tc := range []struct {
		dests []DestConfig
		want  string
	}{
		{[]DestConfig{w(addrA, 1), w(addrB, 1)}, "B B A A A A"},
		{[]DestConfig{w(addrA, 1), w(addrB, 4), w(addrC, 6)}, "C C C C C C C B B B B B A A A"},
		{[]DestConfig{w(addrC, 6), w(addrB, 4), w(addrA, 1)}, "A A B B B B B C C C"},
	} {
		f := build(t, "lblc", nil, tc.dests...)
		if got := f.run(len(tc.want)/2+1, true); got != tc.want {
			t.Errorf("list %s: got %q, want %q", order(f.s), got, tc.want)
		}
	}
}

func TestLBLCCacheLife(t *testing.T) {
	f := build(t, "lblc", nil, w(addrA, 1), w(addrB, 1)) // list B A
	if got := f.run(1, false); got != "B" || cached(f.s) != "B" {
		t.Fatalf("%s, cache %q", got, cached(f.s))
	}
	// A cached destination that was deleted is not used; the wlc pick
	// replaces it. Connections of other VIPs have their own entries.
	if err := f.s.DeleteDest(addrB); err != nil {
		t.Fatal(err)
	}
	if got := f.run(1, false); got != "A" || cached(f.s) != "A" {
		t.Fatalf("%s, cache %q", got, cached(f.s))
	}
	other := Conn{Proto: TCP, Client: netip.MustParseAddrPort("192.168.0.100:5000"), Virtual: netip.MustParseAddrPort("192.168.0.76:80")}
	must(f.s.Connect(other))
	if n := len(f.s.LocalityCache()); n != 2 {
		t.Fatalf("%d cache entries", n)
	}
	// Entries unused for lblc_expiration go at the full sweep, every 30th
	// tick of the 60 s timer.
	f.s.LBLCExpiration = time.Minute
	f.s.Advance(29 * time.Minute)
	if n := len(f.s.LocalityCache()); n != 2 {
		t.Fatalf("swept early: %d entries", n)
	}
	f.s.Advance(time.Minute)
	if n := len(f.s.LocalityCache()); n != 0 {
		t.Fatalf("after the sweep: %d entries", n)
	}
}

func TestLBLCR(t *testing.T) {
	f := build(t, "lblcr", nil, w(addrA, 1), w(addrB, 1), w(addrC, 1)) // list C B A
	// Each overflow adds the wlc pick to the VIP's set (at its head); the
	// least loaded member of the set is used while not overloaded.
	if got := f.run(7, true); got != "C C B B A A A" {
		t.Fatal(got)
	}
	if got := cached(f.s); got != "A B C" {
		t.Fatalf("set %q", got)
	}
	// A set unchanged for lblcr_expiration drops its most loaded member
	// (A, 3 active) on the next lookup, which returns the set's least
	// loaded (B, 2 active; ties go to the earlier member).
	f.s.LBLCRExpiration = 10 * time.Minute
	f.s.Advance(11 * time.Minute)
	if got := f.run(1, true); got != "B" || cached(f.s) != "B C" {
		t.Fatalf("%s, set %q", got, cached(f.s))
	}
}
