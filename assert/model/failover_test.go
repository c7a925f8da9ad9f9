package model

import "testing"

func TestFO(t *testing.T) {
	f := build(t, "fo", nil, w(addrA, 1), w(addrB, 4), w(addrC, 6))
	if got := f.run(4, true); got != "C C C C" {
		t.Fatal(got)
	}
	must(f.s.EditDest(w(addrC, 0))) // zeroed: the next highest weight
	if got := f.run(2, true); got != "B B" {
		t.Fatal(got)
	}
	if err := f.s.DeleteDest(addrB); err != nil {
		t.Fatal(err)
	}
	if got := f.run(2, true); got != "A A" {
		t.Fatal(got)
	}
	must(f.s.AddDest(w(addrB, 1))) // tie with A: the earlier (newer) wins
	if got := f.run(1, true); got != "B" {
		t.Fatal(got)
	}
}

func TestOVF(t *testing.T) {
	// A destination takes new connections while activeconns <= weight, so
	// weight+1 of them; then the next highest weight; then nothing.
	f := build(t, "ovf", nil, w(addrA, 1), w(addrB, 4), w(addrC, 6))
	want := "C C C C C C C B B B B B A A - -"
	if got := f.run(16, true); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Closed connections are inactive and do not count.
	f = build(t, "ovf", nil, w(addrA, 1), w(addrB, 4))
	if got := f.run(8, false); got != "B B B B B B B B" {
		t.Fatal(got)
	}
}
