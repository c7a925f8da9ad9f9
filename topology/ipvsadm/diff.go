package ipvsadm

import "fmt"

// Diff lists how got differs from want, one line per difference, in words a user can act on: a service
// missing or extra, settings that differ, real servers missing, extra, different or in another list order.
// Services may come in any order (the kernel keeps them in a hash table); real servers may not, since
// their list order decides the schedulers' ties.
func Diff(want, got *Table) []string {
	var out []string
	for _, w := range want.Services {
		g := got.Service(w.ServiceKey)
		if g == nil {
			out = append(out, fmt.Sprintf("service %s is missing", w.ServiceKey))
			continue
		}
		if wr, gr := serviceRule(w), serviceRule(g); wr != gr {
			out = append(out, fmt.Sprintf("service %s: want -A %s, have -A %s", w.ServiceKey, wr, gr))
		}
		out = append(out, diffDests(w, g)...)
	}
	for _, g := range got.Services {
		if want.Service(g.ServiceKey) == nil {
			out = append(out, fmt.Sprintf("service %s should not be there", g.ServiceKey))
		}
	}
	return out
}

func diffDests(w, g *Service) []string {
	var out []string
	rule := func(s *Service, d *Dest) string { return destRule(s.ServiceKey, d) + thresholds(d) }
	for i := range w.Dests {
		wd := &w.Dests[i]
		gd := g.Dest(wd.Addr)
		switch {
		case gd == nil:
			out = append(out, fmt.Sprintf("service %s: real server %s is missing", w.ServiceKey, wd.Addr))
		case rule(w, wd) != rule(g, gd):
			out = append(out, fmt.Sprintf("service %s: want -a %s, have -a %s", w.ServiceKey, rule(w, wd), rule(g, gd)))
		}
	}
	for i := range g.Dests {
		if w.Dest(g.Dests[i].Addr) == nil {
			out = append(out, fmt.Sprintf("service %s: real server %s should not be there", w.ServiceKey, g.Dests[i].Addr))
		}
	}
	if len(out) == 0 && !sameOrder(w.Dests, g.Dests) {
		out = append(out, fmt.Sprintf("service %s: real servers in list order %s, want %s", w.ServiceKey, addrs(g.Dests), addrs(w.Dests)))
	}
	return out
}

func sameOrder(a, b []Dest) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Addr != b[i].Addr {
			return false
		}
	}
	return true
}

func addrs(ds []Dest) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Addr.String())
	}
	return out
}
