package vm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// indexFile is the module index written next to modules.builtin. Debian's package carries no modules.dep
// (depmod writes it at install time) and the host may have no depmod, so lvslab reads every .modinfo once.
const indexFile = "modules.lvslab.json"

// modIndex maps module names and the aliases the kernel asks for (rtnl-link-veth, crypto-crc32c,
// net-pf-16-proto-16-family-IPVS, ...) to module files and their dependencies.
type modIndex struct {
	Modules map[string]*indexedModule `json:"modules"`
	Builtin map[string]bool           `json:"builtin"`
	Aliases map[string][]string       `json:"aliases"` // normalized alias -> module names
	Globs   [][2]string               `json:"globs"`   // aliases with wildcards: pattern, module name
}

type indexedModule struct {
	Path    string   `json:"p"` // relative to the module tree
	Depends []string `json:"d,omitempty"`
	Pre     []string `json:"pre,omitempty"`
	Post    []string `json:"post,omitempty"`
}

// loadIndex reads the index of a module tree, or builds it when the tree has none (a tree given by hand).
func loadIndex(tree string) (*modIndex, error) {
	data, err := os.ReadFile(filepath.Join(tree, indexFile))
	if err == nil {
		ix := new(modIndex)
		if err := json.Unmarshal(data, ix); err != nil {
			return nil, fmt.Errorf("module index %s: %w; delete it to rebuild it", filepath.Join(tree, indexFile), err)
		}
		return ix, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return buildIndex(tree)
}

// writeIndex builds the index of a module tree and stores it in the tree.
func writeIndex(tree string) error {
	ix, err := buildIndex(tree)
	if err != nil {
		return err
	}
	data, err := json.Marshal(ix)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tree, indexFile), data, 0o644)
}

// buildIndex walks the tree once and reads each module's .modinfo, on all CPUs.
func buildIndex(tree string) (*modIndex, error) {
	var paths []string
	err := filepath.WalkDir(filepath.Join(tree, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".ko"):
			paths = append(paths, p)
		case strings.HasSuffix(p, ".ko.xz"), strings.HasSuffix(p, ".ko.zst"), strings.HasSuffix(p, ".ko.gz"):
			return fmt.Errorf("module %s is compressed; lvslab reads uncompressed .ko files only (Debian's 6.1 packages); unpack them with unxz/unzstd first", p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("module tree %s: %w", tree, err)
	}
	infos := make([]modinfo, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				infos[i], errs[i] = readModinfo(paths[i])
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ix := &modIndex{Modules: map[string]*indexedModule{}, Builtin: map[string]bool{}, Aliases: map[string][]string{}}
	for i, p := range paths {
		mi := infos[i]
		name := modName(strings.TrimSuffix(filepath.Base(p), ".ko"))
		rel, _ := filepath.Rel(tree, p)
		ix.Modules[name] = &indexedModule{Path: rel, Depends: mi.depends, Pre: mi.pre, Post: mi.post}
		ix.addAliases(name, mi.aliases)
	}
	if err := ix.addBuiltin(tree); err != nil {
		return nil, err
	}
	for _, names := range ix.Aliases {
		sort.Strings(names)
	}
	sort.Slice(ix.Globs, func(i, j int) bool { return ix.Globs[i][0]+ix.Globs[i][1] < ix.Globs[j][0]+ix.Globs[j][1] })
	return ix, nil
}

// addAliases keeps the aliases request_module can ask for; bus ids (pci:..., usb:..., acpi*:...) are for
// udev, which the guest does not run.
func (ix *modIndex) addAliases(name string, aliases []string) {
	for _, a := range aliases {
		if strings.Contains(a, ":") {
			continue
		}
		a = modName(a)
		if strings.ContainsAny(a, "*?[") {
			ix.Globs = append(ix.Globs, [2]string{a, name})
		} else if !contains(ix.Aliases[a], name) {
			ix.Aliases[a] = append(ix.Aliases[a], name)
		}
	}
}

// addBuiltin records the modules compiled into the kernel (modules.builtin) and their aliases
// (modules.builtin.modinfo: NUL-separated module.key=value).
func (ix *modIndex) addBuiltin(tree string) error {
	list, err := os.ReadFile(filepath.Join(tree, "modules.builtin"))
	if err != nil {
		return fmt.Errorf("module tree %s: expected modules.builtin: %w", tree, err)
	}
	for _, line := range strings.Fields(string(list)) {
		ix.Builtin[modName(strings.TrimSuffix(path.Base(line), ".ko"))] = true
	}
	info, err := os.ReadFile(filepath.Join(tree, "modules.builtin.modinfo"))
	if err != nil {
		return nil // older trees lack it; builtin aliases are then unknown
	}
	for _, kv := range bytes.Split(info, []byte{0}) {
		key, alias, ok := strings.Cut(string(kv), "=")
		if mod, field, dot := strings.Cut(key, "."); ok && dot && field == "alias" {
			ix.addAliases(modName(mod), []string{alias})
		}
	}
	return nil
}
