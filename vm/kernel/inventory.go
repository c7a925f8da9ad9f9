package kernel

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/internal/symlink"
)

// CachedKernel is one unpacked kernel package in the cache.
type CachedKernel struct {
	Dir              string
	Package, Version string   // the versioned package and its version, as the directory's name gives them
	Links            []string // the packages asked for that stand for it (linux-image-amd64…)
	Err              error    // why it cannot boot, if it cannot
	Vmlinux          bool     // whether it holds the ELF image qemu boots fast
}

// Kernels lists the kernels in the cache (default CacheDir()), and the links that name none.
func Kernels(cache string) (kernels []CachedKernel, dangling []string, err error) {
	root, err := kernelRoot(cache)
	if err != nil {
		return nil, nil, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, err
	}
	links := map[string][]string{}
	for _, e := range entries {
		if !symlink.Is(root, e) {
			continue
		}
		target, err := symlink.Read(root, e.Name())
		if st, serr := os.Stat(filepath.Join(root, target)); err != nil || serr != nil || !st.IsDir() || !isKernelDirName(target) {
			dangling = append(dangling, filepath.Join(root, e.Name()))
			continue
		}
		links[target] = append(links[target], e.Name())
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(root, e.Name())
		c := CachedKernel{Dir: dir, Links: links[e.Name()]}
		c.Package, c.Version, _ = strings.Cut(e.Name(), "_")
		k, err := unpackedKernel(dir)
		c.Err, c.Vmlinux = err, err == nil && k.Vmlinux != ""
		sort.Strings(c.Links)
		kernels = append(kernels, c)
	}
	return kernels, dangling, nil
}

// Inventory is what the cache holds: kernels, the packages fetched from Debian's archive, and its indexes.
type Inventory struct {
	Kernels  []CachedKernel
	Dangling []string // package links that name no kernel
	Debs     []debian.CachedDeb
	Indexes  []string // verified Packages indexes, and leftovers of fetches that died
}

// ReadInventory lists the cache (default CacheDir()).
func ReadInventory(cache string) (*Inventory, error) {
	kernels, dangling, err := Kernels(cache)
	if err != nil {
		return nil, err
	}
	root, err := kernelRoot(cache)
	if err != nil {
		return nil, err
	}
	archive := archiveCache(root)
	debs, err := debian.CachedDebs(archive)
	if err != nil {
		return nil, err
	}
	return &Inventory{Kernels: kernels, Dangling: dangling, Debs: debs, Indexes: debian.CachedIndexes(archive)}, nil
}

// Check reads every kernel and package again: a kernel that cannot boot, and a .deb whose digest is no
// longer the one its signed index gave, is a problem.
func (inv *Inventory) Check() []error {
	var problems []error
	for _, k := range inv.Kernels {
		if k.Err != nil {
			problems = append(problems, k.Err)
		}
	}
	for _, d := range inv.Debs {
		if err := d.Check(); err != nil {
			problems = append(problems, err)
		}
	}
	return problems
}

// Prune removes, under the cache lock so that no fetch is under way, what no package link needs: kernels
// no link names, dangling links, the .debs of those kernels and of none, the indexes (verified and fetched
// again when next needed) and the leftovers of fetches that died. It returns what it removed.
func Prune(ctx context.Context, cache string) ([]string, error) {
	root, err := kernelRoot(cache)
	if err != nil {
		return nil, err
	}
	unlock, err := lockDir(ctx, root)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var removed []string
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			removed = append(removed, filepath.Join(root, e.Name()))
		}
	}
	inv, err := ReadInventory(cache)
	if err != nil {
		return nil, err
	}
	kept := map[string]bool{}
	removed = append(removed, inv.Dangling...)
	for _, k := range inv.Kernels {
		if len(k.Links) == 0 {
			removed = append(removed, k.Dir)
		} else {
			kept[k.Package+"_"+k.Version] = true
		}
	}
	for _, d := range inv.Debs {
		if !kept[d.Name+"_"+d.Version] {
			removed = append(removed, d.Path)
		}
	}
	removed = append(removed, inv.Indexes...)
	for _, path := range removed {
		if err := os.RemoveAll(path); err != nil {
			return nil, err
		}
	}
	return removed, nil
}
