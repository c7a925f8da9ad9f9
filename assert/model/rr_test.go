package model

import (
	"errors"
	"testing"
)

func TestRR(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dests []DestConfig
		want  string
	}{
		// Added A, B, C: the list is C B A, and rr scans from the head.
		{"added A B C", []DestConfig{w(addrA, 1), w(addrB, 1), w(addrC, 1)}, "C B A C B A C"},
		{"added C B A", []DestConfig{w(addrC, 1), w(addrB, 1), w(addrA, 1)}, "A B C A B C A"},
		{"weights ignored", []DestConfig{w(addrA, 5), w(addrB, 1)}, "B A B A"},
		{"weight 0 skipped", []DestConfig{w(addrA, 1), w(addrB, 0), w(addrC, 1)}, "C A C A"},
		{"all weight 0", []DestConfig{w(addrA, 0)}, "- -"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := build(t, "rr", nil, tc.dests...)
			if got := f.run(len(tc.want)/2+1, true); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRRChanges(t *testing.T) {
	// Deleting the destination under the cursor moves the cursor to its
	// predecessor (ip_vs_rr_del_dest), so its successor comes next.
	f := build(t, "rr", nil, w(addrA, 1), w(addrB, 1), w(addrC, 1))
	if got := f.run(2, true); got != "C B" {
		t.Fatal(got)
	}
	if err := f.s.DeleteDest(addrB); err != nil {
		t.Fatal(err)
	}
	if got := f.run(3, true); got != "A C A" {
		t.Fatalf("after deleting the cursor: %q", got)
	}

	// A destination added mid-stream goes to the head: it is reached when
	// the scan wraps.
	f = build(t, "rr", nil, w(addrA, 1), w(addrB, 1))
	if got := f.run(1, true); got != "B" {
		t.Fatal(got)
	}
	must(f.s.AddDest(w(addrC, 1)))
	if got := f.run(4, true); got != "A C B A" {
		t.Fatalf("after adding C: %q", got)
	}

	// Weight 0 drains: no new connections, the old ones stay.
	must(f.s.EditDest(w(addrB, 0)))
	if got := f.run(4, true); got != "C A C A" {
		t.Fatalf("after quiescing B: %q", got)
	}
	if f.s.Dest(addrB).Active() == 0 {
		t.Fatal("quiescing dropped B's connections")
	}
	if _, err := build(t, "rr", nil).s.Schedule(Conn{}); !errors.Is(err, ErrNoDestination) {
		t.Fatalf("empty service: %v", err)
	}
}
