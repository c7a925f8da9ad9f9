package model

import (
	"errors"
	"net/netip"
	"testing"
)

func client(addr string, port uint16) Conn {
	return Conn{Proto: TCP, Client: netip.AddrPortFrom(netip.MustParseAddr(addr), port), Virtual: vip}
}

// manyClients returns n connections from distinct addresses 10.1.x.y.
func manyClients(n int) []Conn {
	out := make([]Conn, n)
	for i := range out {
		a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		out[i] = Conn{Proto: TCP, Client: netip.AddrPortFrom(a, 40000), Virtual: vip}
	}
	return out
}

func tally(table []*Dest) map[string]int {
	c := map[string]int{}
	for _, d := range table {
		c[name(d)]++
	}
	return c
}

func TestDH(t *testing.T) {
	f := build(t, "dh", nil, w(addrA, 1), w(addrB, 1), w(addrC, 1)) // list C B A
	// Every connection to the VIP hashes the same address: bucket 4,
	// which holds list[4 mod 3] = B.
	if got := f.run(5, false); got != "B B B B B" {
		t.Fatal(got)
	}
	// Weights do not shape the table: each destination once per round.
	must(f.s.EditDest(w(addrC, 10)))
	if got := tally(f.s.sched.(*dh).table[:]); got["A"] != 85 || got["B"] != 85 || got["C"] != 86 {
		t.Fatalf("table %v", got)
	}
	// No fallback: a quiesced bucket owner means no destination.
	must(f.s.EditDest(w(addrB, 0)))
	if _, err := f.s.Schedule(f.conn()); !errors.Is(err, ErrNoDestination) {
		t.Fatalf("got %v", err)
	}
}

func TestSHTableFollowsWeights(t *testing.T) {
	f := build(t, "sh", nil, w(addrA, 1), w(addrB, 4), w(addrC, 6)) // list C B A
	// Buckets are handed out C×6 B×4 A×1, repeated: 256 = 23·11 + 3.
	table := f.s.sched.(*sh).table
	if got := tally(table[:]); got["C"] != 141 || got["B"] != 92 || got["A"] != 23 {
		t.Fatalf("table %v", got)
	}
	if got := name(table[0]) + name(table[5]) + name(table[6]) + name(table[10]) + name(table[11]); got != "CCBAC" {
		t.Fatalf("pattern %s", got)
	}
	// Weight 0 still takes one bucket per round.
	must(f.s.EditDest(w(addrA, 0)))
	if got := tally(f.s.sched.(*sh).table[:]); got["A"] != 23 {
		t.Fatalf("weight 0: %v", got)
	}
}

func TestSHAffinityAndSpread(t *testing.T) {
	f := build(t, "sh", nil, w(addrA, 1), w(addrB, 1)) // list B A
	c := client("192.168.1.10", 1000)
	if f.s.SHBucket(c) != 248 {
		t.Fatalf("bucket %d", f.s.SHBucket(c))
	}
	for i := 0; i < 5; i++ {
		c.Client = netip.AddrPortFrom(c.Client.Addr(), uint16(1000+i))
		if d := must(f.s.Schedule(c)); name(d) != "B" { // bucket 248, even → B
			t.Fatalf("connection %d went to %s", i, name(d))
		}
	}
	spread := map[string]int{}
	for _, c := range manyClients(1000) {
		spread[name(must(f.s.Schedule(c)))]++
	}
	if spread["A"] < 400 || spread["B"] < 400 {
		t.Fatalf("spread %v", spread)
	}
	// sh-port: the source port joins the key.
	p := build(t, "sh", []Flag{SHPort}, w(addrA, 1), w(addrB, 1))
	if got := p.s.SHBucket(client("192.168.1.10", 40000)); got != 156 {
		t.Fatalf("sh-port bucket %d", got)
	}
}

func TestSHFallback(t *testing.T) {
	c := client("192.168.1.10", 1000) // bucket 248 → B
	plain := build(t, "sh", nil, w(addrA, 1), w(addrB, 1))
	must(plain.s.EditDest(w(addrB, 0)))
	if _, err := plain.s.Schedule(c); !errors.Is(err, ErrNoDestination) {
		t.Fatalf("without sh-fallback: %v", err)
	}
	// The probe starts at 2·248 mod 256 = 240 (B again), then 241 → A.
	fb := build(t, "sh", []Flag{SHFallback}, w(addrA, 1), w(addrB, 1))
	must(fb.s.EditDest(w(addrB, 0)))
	if d := must(fb.s.Schedule(c)); name(d) != "A" {
		t.Fatalf("fallback chose %s", name(d))
	}
}

// The Maglev table of three weight-1 servers 10.0.0.1-3 added in order
// (list .3 .2 .1), as computed by a C program using the kernel's siphash.
func TestMHTable(t *testing.T) {
	a1 := netip.MustParseAddrPort("10.0.0.1:80")
	a2 := netip.MustParseAddrPort("10.0.0.2:80")
	a3 := netip.MustParseAddrPort("10.0.0.3:80")
	f := build(t, "mh", nil, w(a1, 1), w(a2, 1), w(a3, 1))
	m := f.s.sched.(*mh)
	count := map[netip.AddrPort]int{}
	for _, d := range m.lookup {
		count[d.Addr()]++
	}
	if count[a3] != 1365 || count[a2] != 1364 || count[a1] != 1364 {
		t.Fatalf("slots %v", count)
	}
	want := []netip.AddrPort{a1, a2, a2, a3, a3, a1}
	for i, a := range want {
		if m.lookup[i].Addr() != a {
			t.Fatalf("slot %d = %v, want %v", i, m.lookup[i].Addr(), a)
		}
	}
	for _, tc := range []struct {
		flags []Flag
		c     Conn
		slot  uint32
		want  netip.AddrPort
	}{
		{nil, client("192.168.1.10", 1), 3323, a1},
		{nil, client("203.0.113.7", 1), 1705, a3},
		{[]Flag{MHPort}, client("192.168.1.11", 40000), 1264, a3},
	} {
		if err := f.s.SetScheduler("mh", tc.flags...); err != nil {
			t.Fatal(err)
		}
		if got := f.s.MHSlot(tc.c); got != tc.slot {
			t.Errorf("%v: slot %d, want %d", tc.c.Client, got, tc.slot)
		}
		if d := must(f.s.Schedule(tc.c)); d.Addr() != tc.want {
			t.Errorf("%v: %v, want %v", tc.c.Client, d.Addr(), tc.want)
		}
	}
}

func TestMHWeightsAndQuiesce(t *testing.T) {
	a1 := netip.MustParseAddrPort("10.0.0.1:80")
	a2 := netip.MustParseAddrPort("10.0.0.2:80")
	a3 := netip.MustParseAddrPort("10.0.0.3:80")
	f := build(t, "mh", nil, w(a1, 1), w(a2, 4), w(a3, 6))
	count := map[netip.AddrPort]int{}
	for _, d := range f.s.sched.(*mh).lookup {
		count[d.Addr()]++
	}
	if count[a3] != 2233 || count[a2] != 1488 || count[a1] != 372 {
		t.Fatalf("weighted slots %v", count)
	}
	// Weight 0 keeps the slots (last_weight); without mh-fallback its
	// clients get no destination, with it they move elsewhere.
	c := client("192.168.1.10", 1)
	owner := must(f.s.Schedule(c))
	must(f.s.EditDest(DestConfig{Addr: owner.Addr(), Weight: 0}))
	if _, err := f.s.Schedule(c); !errors.Is(err, ErrNoDestination) {
		t.Fatalf("quiesced owner: %v", err)
	}
	if err := f.s.SetScheduler("mh", MHFallback); err != nil {
		t.Fatal(err)
	}
	if d := must(f.s.Schedule(c)); d == owner {
		t.Fatal("fallback returned the quiesced destination")
	}
}

// Maglev moves few clients of the remaining servers when one is removed.
func TestMHMinimalDisruption(t *testing.T) {
	f := build(t, "mh", nil, w(addrA, 1), w(addrB, 1), w(addrC, 1))
	clients := manyClients(3000)
	before := make([]*Dest, len(clients))
	for i, c := range clients {
		before[i] = must(f.s.Schedule(c))
	}
	if err := f.s.DeleteDest(addrA); err != nil {
		t.Fatal(err)
	}
	kept, moved := 0, 0
	for i, c := range clients {
		if name(before[i]) == "A" {
			continue
		}
		if must(f.s.Schedule(c)) == before[i] {
			kept++
		} else {
			moved++
		}
	}
	if moved*10 > kept {
		t.Fatalf("removing A moved %d of %d other clients", moved, kept+moved)
	}
}
