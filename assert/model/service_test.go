package model

import (
	"errors"
	"strings"
	"testing"
)

// ipvsadm -a A, then B, then C: each new destination goes to the head of
// the list (list_add_rcu in __ip_vs_update_dest), so the kernel scans
// C, B, A.
func TestListOrderNewestFirst(t *testing.T) {
	f := build(t, "rr", nil, w(addrA, 1), w(addrB, 1), w(addrC, 1))
	if got := order(f.s); got != "C B A" {
		t.Fatalf("list order %q, want C B A", got)
	}
	must(f.s.EditDest(w(addrA, 5)))
	if got := order(f.s); got != "C B A" {
		t.Fatalf("edit moved a destination: %q", got)
	}
	if err := f.s.DeleteDest(addrC); err != nil {
		t.Fatal(err)
	}
	must(f.s.AddDest(w(addrC, 1)))
	if got := order(f.s); got != "C B A" {
		t.Fatalf("re-added destination not at head: %q", got)
	}
	if err := f.s.DeleteDest(addrB); err != nil {
		t.Fatal(err)
	}
	must(f.s.AddDest(w(addrB, 1)))
	if got := order(f.s); got != "B C A" {
		t.Fatalf("re-added B: %q, want B C A", got)
	}
}

func TestTrashKeepsCounters(t *testing.T) {
	f := build(t, "wlc", nil, w(addrA, 1), w(addrB, 1))
	a := f.s.Dest(addrA)
	e := f.s.Open(a, f.conn())
	if err := f.s.DeleteDest(addrA); err != nil {
		t.Fatal(err)
	}
	if a.Available() || f.s.Dest(addrA) != nil {
		t.Fatal("deleted destination still linked")
	}
	back := must(f.s.AddDest(w(addrA, 2)))
	if back != a || back.Active() != 1 || back.Weight() != 2 {
		t.Fatalf("re-add from trash: same=%v active=%d weight=%d", back == a, back.Active(), back.Weight())
	}
	f.s.Expire(e)
	if a.Active() != 0 || a.Inactive() != 0 {
		t.Fatalf("counters after expiry: %d/%d", a.Active(), a.Inactive())
	}
}

func TestDestErrors(t *testing.T) {
	s := must(New("wlc"))
	for _, tc := range []struct {
		name string
		err  error
		call func() error
	}{
		{"negative weight", ErrWeightRange, func() error { _, err := s.AddDest(w(addrA, -1)); return err }},
		{"l over u", ErrThresholdLow, func() error {
			_, err := s.AddDest(DestConfig{Addr: addrA, Weight: 1, UThreshold: 5, LThreshold: 6})
			return err
		}},
		{"edit missing", ErrNoSuchDest, func() error { _, err := s.EditDest(w(addrA, 1)); return err }},
		{"delete missing", ErrNoSuchDest, func() error { return s.DeleteDest(addrA) }},
		{"duplicate", ErrDestExists, func() error {
			if _, err := s.AddDest(w(addrB, 1)); err != nil {
				return err
			}
			_, err := s.AddDest(w(addrB, 1))
			return err
		}},
	} {
		if err := tc.call(); !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.err)
		}
	}
}

func TestUnknownScheduler(t *testing.T) {
	_, err := New("rrr")
	if err == nil || !strings.Contains(err.Error(), "known: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos none") {
		t.Fatalf("error does not list the schedulers: %v", err)
	}
	for _, n := range Schedulers() {
		if _, err := New(n); err != nil {
			t.Errorf("New(%q): %v", n, err)
		}
	}
	if len(Schedulers()) != 15 {
		t.Errorf("schedulers: %v", Schedulers())
	}
}

func TestNoneSchedulesNothing(t *testing.T) {
	f := build(t, "none", nil, w(addrA, 1))
	if _, err := f.s.Schedule(f.conn()); !errors.Is(err, ErrNoDestination) {
		t.Fatalf("none scheduled: %v", err)
	}
}

func TestSchedulerListMatchesRegistry(t *testing.T) {
	if len(Schedulers()) != len(schedulers) {
		t.Fatalf("Schedulers() has %d names, registry %d", len(Schedulers()), len(schedulers))
	}
}
