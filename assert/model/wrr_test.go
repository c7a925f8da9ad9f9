package model

import (
	"errors"
	"testing"
)

func TestWRRSequences(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dests  []DestConfig // in ipvsadm -a order
		steady bool         // re-bind the scheduler (ipvsadm -E -s wrr from another one)
		want   string
	}{
		// -A, then -a A -w 3, -a B -w 1: after the first -a, cw is 1 and
		// stays 1, so the first round takes every server once, newest
		// first; then the cycle cw = 3, 2, 1 over L = [B, A].
		{"3:1 fresh", []DestConfig{w(addrA, 3), w(addrB, 1)}, false, "B A A A B A A A B A"},
		{"3:1 steady", []DestConfig{w(addrA, 3), w(addrB, 1)}, true, "A A B A A A B A"},
		{"1:4:6 fresh", []DestConfig{w(addrA, 1), w(addrB, 4), w(addrC, 6)}, false,
			"C B A C C C B C B C B C B A"},
		{"1:4:6 steady", []DestConfig{w(addrA, 1), w(addrB, 4), w(addrC, 6)}, true,
			"C C C B C B C B C B A"},
		// The classic LVS example AABABCABC needs L = [A, B, C]: added C, B, A.
		{"4:3:2 steady", []DestConfig{w(addrC, 2), w(addrB, 3), w(addrA, 4)}, true, "A A B A B C A B C"},
		// gcd 2: di = 2, mw = 4 - 1 = 3; thresholds 3, 1.
		{"2:4 fresh", []DestConfig{w(addrA, 2), w(addrB, 4)}, false, "B A B B A B B A"},
		{"weight 0 never", []DestConfig{w(addrA, 0), w(addrB, 2)}, false, "B B B"},
		{"all weight 0", []DestConfig{w(addrA, 0)}, false, "- -"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := build(t, "wrr", nil, tc.dests...)
			if tc.steady {
				if err := f.s.SetScheduler("wlc"); err != nil {
					t.Fatal(err)
				}
				if err := f.s.SetScheduler("wrr"); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.run(len(tc.want)/2+1, false); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestWRRRatio(t *testing.T) {
	f := build(t, "wrr", nil, w(addrA, 3), w(addrB, 1))
	got := f.counts(10000)
	// First round B A, then 2499 cycles A A B A and a final A A.
	if got["A"] != 7500 || got["B"] != 2500 {
		t.Fatalf("3:1 over 10000: %v", got)
	}
}

func TestWRRChangesMidStream(t *testing.T) {
	f := build(t, "wrr", nil, w(addrA, 3), w(addrB, 1))
	if got := f.run(6, false); got != "B A A A B A" {
		t.Fatal(got)
	}
	// Adding C resets the cursor to the head but keeps cw (1 here), so C B A
	// come first, then the cycle cw = 3, 2, 1.
	must(f.s.AddDest(w(addrC, 2)))
	if got := f.run(9, false); got != "C B A A C A C B A" {
		t.Fatalf("after adding C: %q", got)
	}
	// Editing B to 3 gives weights 2:3:3, gcd 1, mw 3; the cursor goes back
	// to the head with cw kept at 1 (it was the last pass).
	must(f.s.EditDest(w(addrB, 3)))
	if got := f.run(11, false); got != "C B A B A C B A C B A" {
		t.Fatalf("after editing B: %q", got)
	}
	// Deleting A leaves C=2, B=3.
	if err := f.s.DeleteDest(addrA); err != nil {
		t.Fatal(err)
	}
	if got := f.run(6, false); got != "C B B C B C" {
		t.Fatalf("after deleting A: %q", got)
	}
}

func TestWRRAllOverloaded(t *testing.T) {
	f := build(t, "wrr", nil, DestConfig{Addr: addrA, Weight: 1, UThreshold: 1})
	e := must(f.s.Connect(f.conn()))
	if _, err := f.s.Schedule(f.conn()); !errors.Is(err, ErrNoDestination) || err == ErrNoDestination {
		t.Fatalf("want the overloaded error, got %v", err)
	}
	f.s.Expire(e)
	// A closed connection still counts in totalconns (TIME_WAIT), so the
	// threshold of 1 trips again after one more connection.
	if got := f.run(2, false); got != "A -" {
		t.Fatalf("after the connection expired: %q", got)
	}
}
