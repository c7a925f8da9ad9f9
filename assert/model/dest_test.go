package model

import (
	"testing"
	"time"
)

// Overload follows totalconns (active + inactive): set when it reaches
// u_threshold, cleared when it drops below l_threshold, or below
// u − u/4 when no l_threshold is set.
func TestThresholds(t *testing.T) {
	for _, tc := range []struct {
		u, l      int
		clearedAt int // totalconns at which the flag goes off on the way down
	}{
		{3, 0, 2},   // 3 − 0 = 3: clears below 3
		{10, 0, 7},  // 10 − 2 = 8: clears below 8
		{10, 5, 4},  // clears below 5
		{10, 10, 9}, // l = u
	} {
		f := build(t, "wlc", nil, DestConfig{Addr: addrA, Weight: 1, UThreshold: tc.u, LThreshold: tc.l})
		a := f.s.Dest(addrA)
		var open []*Entry
		for i := 1; i <= tc.u; i++ {
			open = append(open, f.s.Open(a, f.conn()))
			if a.Overloaded() != (i == tc.u) {
				t.Fatalf("u=%d l=%d: overloaded=%v at %d conns", tc.u, tc.l, a.Overloaded(), i)
			}
		}
		for len(open) > 0 {
			f.s.Expire(open[len(open)-1])
			open = open[:len(open)-1]
			if a.Overloaded() != (len(open) > tc.clearedAt) {
				t.Fatalf("u=%d l=%d: overloaded=%v at %d conns", tc.u, tc.l, a.Overloaded(), len(open))
			}
		}
	}
}

func TestThresholdEdit(t *testing.T) {
	f := build(t, "rr", nil, w(addrA, 1), w(addrB, 1))
	a := f.s.Dest(addrA)
	for i := 0; i < 6; i++ {
		f.s.Close(f.s.Open(a, f.conn())) // inactive connections count too
	}
	must(f.s.EditDest(DestConfig{Addr: addrA, Weight: 1, UThreshold: 5}))
	if !a.Overloaded() {
		t.Fatal("6 conns over u=5 not overloaded")
	}
	// Overloaded destinations are skipped by every scheduler.
	if got := f.run(3, true); got != "B B B" {
		t.Fatalf("rr with A overloaded: %q", got)
	}
	must(f.s.EditDest(DestConfig{Addr: addrA, Weight: 1, UThreshold: 20}))
	if a.Overloaded() {
		t.Fatal("raising u to 20 (l = 15) kept the flag")
	}
}

func TestConnectionLifecycle(t *testing.T) {
	f := build(t, "wlc", nil, w(addrA, 1))
	a := f.s.Dest(addrA)
	tcp := must(f.s.Connect(f.conn()))
	udp := f.s.Open(a, Conn{Proto: UDP})
	if a.Active() != 1 || a.Inactive() != 1 || !tcp.Active() || udp.Active() {
		t.Fatalf("after open: %d/%d", a.Active(), a.Inactive())
	}
	f.s.Close(tcp)
	if a.Active() != 0 || a.Inactive() != 2 {
		t.Fatalf("after close: %d/%d", a.Active(), a.Inactive())
	}
	f.s.Advance(2*time.Minute - time.Second)
	if a.Inactive() != 2 {
		t.Fatal("TIME_WAIT expired early")
	}
	f.s.Advance(time.Second)
	if a.Inactive() != 1 || !tcp.Expired() {
		t.Fatal("closed TCP connection did not expire after 2 min")
	}
	f.s.Advance(3 * time.Minute)
	if a.Inactive() != 0 || len(f.s.Entries()) != 0 {
		t.Fatal("UDP connection did not expire after 5 min")
	}
	held := must(f.s.Connect(f.conn()))
	f.s.Advance(15 * time.Minute)
	if !held.Expired() || a.Active() != 0 {
		t.Fatal("idle established connection did not expire after 15 min")
	}
}
