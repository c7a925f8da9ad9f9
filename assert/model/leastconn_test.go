package model

import "testing"

// The tutorial's weights A=1, B=4, C=6 with every connection held open.
// Its "C B C B C C B" for sed needs the kernel list [A, B, C], i.e. the
// servers added with ipvsadm -a in the order C, B, A (each -a inserts at
// the head). Added A, B, C (the tutorial's own order) the list is
// [C, B, A] and the fourth pick, a tie B 2/4 = C 3/6, goes to C.
func TestLeastConnSequences(t *testing.T) {
	addedCBA := []DestConfig{w(addrC, 6), w(addrB, 4), w(addrA, 1)} // list A B C
	addedABC := []DestConfig{w(addrA, 1), w(addrB, 4), w(addrC, 6)} // list C B A
	for _, tc := range []struct {
		sched string
		dests []DestConfig
		held  bool
		want  string
	}{
		{"sed", addedCBA, true, "C B C B C C B C A B C C"},
		{"sed", addedABC, true, "C B C C B C B C C B A C"},
		{"sed", addedABC, false, "C C C C"}, // closed: active is always 0
		// nq: the first idle server at once, so A gets one connection
		// before anyone queues; then sed's rule.
		{"nq", addedABC, true, "C B A C C B C B C C B"},
		{"nq", addedCBA, true, "A B C C B C C B C B C"},
		{"nq", addedABC, false, "C C C C"}, // closed: the first idle one
		// wlc starts with the first list entry (all loads 0), not the heaviest.
		{"wlc", addedABC, true, "C B A C B C C B C B C C"},
		{"wlc", addedCBA, true, "A B C C B C B C C B C A"},
		// lc ignores weights.
		{"lc", addedABC, true, "C B A C B A"},
	} {
		t.Run(tc.sched, func(t *testing.T) {
			f := build(t, tc.sched, nil, tc.dests...)
			if got := f.run(len(tc.want)/2+1, tc.held); got != tc.want {
				t.Fatalf("list %s: got %q, want %q", order(f.s), got, tc.want)
			}
		})
	}
}

// A server with many open connections is avoided until the others catch up.
func TestLeastConnSteersAway(t *testing.T) {
	for _, sched := range []string{"lc", "wlc"} {
		f := build(t, sched, nil, w(addrA, 1), w(addrB, 1), w(addrC, 1))
		b := f.s.Dest(addrB)
		for i := 0; i < 10; i++ {
			f.s.Open(b, f.conn())
		}
		if got := f.run(6, true); got != "C A C A C A" {
			t.Errorf("%s: %q", sched, got)
		}
	}
}

// ip_vs_dest_conn_overhead is (activeconns << 8) + totalconns in this
// kernel, so one active connection (257) weighs more than 256 inactive
// ones (256); with the older active*256 + inactive the two tie and the
// first list entry would win.
func TestOverheadCountsActiveTwice(t *testing.T) {
	f := build(t, "lc", nil, w(addrB, 1), w(addrA, 1)) // list A B
	f.s.Open(f.s.Dest(addrA), f.conn())
	for i := 0; i < 256; i++ {
		f.s.Close(f.s.Open(f.s.Dest(addrB), f.conn()))
	}
	a, b := f.s.Dest(addrA), f.s.Dest(addrB)
	if a.overhead() != 257 || b.overhead() != 256 || b.Inactive() != 256 {
		t.Fatalf("overheads A %d B %d", a.overhead(), b.overhead())
	}
	if got := name(must(f.s.Schedule(f.conn()))); got != "B" {
		t.Fatalf("lc picked %s", got)
	}
}

func TestLeastConnWeightZero(t *testing.T) {
	for _, sched := range []string{"lc", "wlc", "sed", "nq"} {
		f := build(t, sched, nil, w(addrA, 1), w(addrB, 0))
		if got := f.run(3, true); got != "A A A" {
			t.Errorf("%s: %q", sched, got)
		}
		must(f.s.EditDest(w(addrA, 0)))
		if got := f.run(1, true); got != "-" {
			t.Errorf("%s all quiesced: %q", sched, got)
		}
	}
}
