package kernel

import (
	"slices"

	"fmt"
	"path"
)

// Lookup resolves a name or alias to module names; builtin modules resolve to none, with found true.
func (ix *ModIndex) Lookup(name string) (mods []string, found bool) {
	n := ModName(name)
	if _, ok := ix.Modules[n]; ok {
		return []string{n}, true
	}
	if ix.Builtin[n] {
		return nil, true
	}
	for _, m := range ix.Aliases[n] {
		if !ix.Builtin[m] {
			mods = append(mods, m)
		}
		found = true
	}
	for _, g := range ix.Globs {
		if ok, _ := path.Match(g[0], n); ok {
			if !ix.Builtin[g[1]] && !slices.Contains(mods, g[1]) {
				mods = append(mods, g[1])
			}
			found = true
		}
	}
	return mods, found
}

// LoadStep is one module to load, in order. Optional steps come from softdeps or from aliases that several
// modules answer to (crc32c: crc32c_generic and crc32c_intel, which needs SSE4.2); their failure is not fatal.
type LoadStep struct {
	Name     string   `json:"name"`
	Path     string   `json:"path"` // relative to the module tree
	Optional bool     `json:"optional,omitempty"`
	After    []string `json:"after,omitempty"` // what must be loaded first (job.Load; see ix.before)
}

// Plan orders the modules that loading names needs: softdep pre, dependencies, the module, softdep post.
func (ix *ModIndex) Plan(names []string, optional ...string) ([]LoadStep, error) {
	var steps []LoadStep
	seen := map[string]bool{}
	var visit func(name string, optional bool, via string) error
	visit = func(name string, optional bool, via string) error {
		mods, found := ix.Lookup(name)
		if !found {
			if optional {
				return nil
			}
			return fmt.Errorf("module %s%s: no such module or alias in the kernel's module tree, and not built in", name, via)
		}
		if len(mods) > 1 {
			optional = true
		}
		for _, m := range mods {
			if seen[m] {
				continue
			}
			seen[m] = true
			mod := ix.Modules[m]
			for _, p := range mod.Pre {
				if err := visit(p, true, " (softdep of "+m+")"); err != nil {
					return err
				}
			}
			for _, d := range mod.Depends {
				if err := visit(d, optional, " (needed by "+m+")"); err != nil {
					return err
				}
			}
			steps = append(steps, LoadStep{Name: m, Path: mod.Path, Optional: optional})
			for _, p := range mod.Post {
				if err := visit(p, true, " (softdep of "+m+")"); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, n := range names {
		if err := visit(n, false, ""); err != nil {
			return nil, err
		}
	}
	for _, n := range optional { // loaded where the kernel has them
		if err := visit(n, true, ""); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// Before lists the modules that must be loaded before name: its dependencies and softdep pre modules.
func (ix *ModIndex) Before(name string) []string {
	var names []string
	mod := ix.Modules[name]
	for _, d := range append(append([]string(nil), mod.Pre...), mod.Depends...) {
		mods, _ := ix.Lookup(d)
		names = append(names, mods...)
	}
	return names
}
