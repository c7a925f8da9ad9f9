package debian

import (
	"fmt"
	"sort"
	"strings"
)

// Closure is the packages names need to run, for arch: each of them and, in turn, what its Depends and
// Pre-Depends ask for (Recommends are left out, as apt --no-install-recommends does), each relation met by
// its first alternative that the index holds, as a package or as one that provides it. Versions are not
// compared: the newest of each name is taken, which meets what the same release's packages ask for. It
// refuses a relation nothing in the index meets, naming who asked for it.
func (ix *Index) Closure(names []string, arch string) ([]*Package, error) {
	providers := ix.providers(arch)
	chosen := map[string]*Package{}
	type want struct{ name, by string }
	queue := make([]want, 0, len(names))
	for _, n := range names {
		queue = append(queue, want{n, "the list asked for"})
	}
	find := func(name string) *Package {
		if p := ix.Newest(name, arch); p != nil {
			return p
		}
		if ps := providers[name]; len(ps) > 0 {
			return ps[0]
		}
		return nil
	}
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		p := find(w.name)
		if p == nil {
			return nil, fmt.Errorf("%s (asked for by %s) is in no Packages index of the archive for %s, nor provided by a package there", w.name, w.by, arch)
		}
		if chosen[p.Name] != nil {
			continue
		}
		chosen[p.Name] = p
		for _, alts := range append(Relations(p.PreDepends), Relations(p.Depends)...) {
			pick := ""
			for _, a := range alts {
				if q := find(a); q != nil {
					if pick == "" || chosen[q.Name] != nil {
						pick = q.Name
					}
					if chosen[q.Name] != nil {
						break
					}
				}
			}
			if pick == "" {
				return nil, fmt.Errorf("%s %s depends on %s, which no Packages index of the archive for %s holds", p.Name, p.Version, strings.Join(alts, " | "), arch)
			}
			queue = append(queue, want{pick, p.Name})
		}
	}
	out := make([]*Package, 0, len(chosen))
	for _, p := range chosen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// providers maps each virtual package to the newest packages that provide it, by name.
func (ix *Index) providers(arch string) map[string][]*Package {
	out := map[string][]*Package{}
	for name := range ix.byName {
		p := ix.Newest(name, arch)
		if p == nil || p.Provides == "" {
			continue
		}
		for _, alts := range Relations(p.Provides) {
			out[alts[0]] = append(out[alts[0]], p)
		}
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	}
	return out
}
