package model

import (
	"net/netip"
	"strings"
	"testing"
)

// The NAT walkthrough's real servers.
var (
	addrA = netip.MustParseAddrPort("172.16.0.45:80")
	addrB = netip.MustParseAddrPort("172.16.0.55:80")
	addrC = netip.MustParseAddrPort("172.16.0.65:80")
	vip   = netip.MustParseAddrPort("192.168.0.75:80")
)

var names = map[netip.AddrPort]string{addrA: "A", addrB: "B", addrC: "C"}

// fixture is a service whose destinations were added in the order given.
type fixture struct {
	t *testing.T
	s *Service
	n int // connections made so far, for distinct client ports
}

func build(t *testing.T, sched string, flags []Flag, dests ...DestConfig) *fixture {
	t.Helper()
	s, err := New(sched, flags...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dests {
		if _, err := s.AddDest(d); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{t: t, s: s}
}

func w(a netip.AddrPort, weight int) DestConfig { return DestConfig{Addr: a, Weight: weight} }

func (f *fixture) conn() Conn {
	f.n++
	return Conn{Proto: TCP, Client: netip.AddrPortFrom(netip.MustParseAddr("192.168.0.100"), uint16(30000+f.n)), Virtual: vip}
}

// run makes n connections and returns the chosen servers' names, "-" for
// no destination. held keeps each connection open; otherwise each is
// closed (and stays inactive) before the next.
func (f *fixture) run(n int, held bool) string {
	f.t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		e, err := f.s.Connect(f.conn())
		if err != nil {
			out = append(out, "-")
			continue
		}
		out = append(out, name(e.Dest))
		if !held {
			f.s.Close(e)
		}
	}
	return strings.Join(out, " ")
}

func name(d *Dest) string {
	if n, ok := names[d.Addr()]; ok {
		return n
	}
	return d.Addr().String()
}

func order(s *Service) string {
	var out []string
	for _, d := range s.Dests() {
		out = append(out, name(d))
	}
	return strings.Join(out, " ")
}

// counts tallies n connections (each closed and expired at once).
func (f *fixture) counts(n int) map[string]int {
	c := map[string]int{}
	for i := 0; i < n; i++ {
		e, err := f.s.Connect(f.conn())
		if err != nil {
			c["-"]++
			continue
		}
		c[name(e.Dest)]++
		f.s.Expire(e)
	}
	return c
}

// must unwraps a result whose error would be a bug in the test itself.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
