package vm

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Kernel is a bootable kernel and the module tree that goes with it.
type Kernel struct {
	Vmlinuz string // the kernel image as packaged, usually a compressed bzImage
	Vmlinux string // the same kernel as an uncompressed ELF with a PVH entry, when there is one
	Modules string // the lib/modules/<version> directory, symlinks resolved
	Version string // <version>, the module tree's directory name
	HZ      int    // CONFIG_HZ from the config-<version> beside the image; 0 if unknown
}

// userKernel checks a kernel given by hand: vmlinuz must be a file and modules either
// .../lib/modules/<version> or a root that holds lib/modules/<version> (the unpacked package's root).
func userKernel(vmlinuz, modules string) (*Kernel, error) {
	if vmlinuz == "" || modules == "" {
		return nil, fmt.Errorf("a kernel given by hand needs both the image (got %q) and its modules directory (got %q)", vmlinuz, modules)
	}
	if st, err := os.Stat(vmlinuz); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("kernel image %s: expected a vmlinuz file: %v", vmlinuz, statWhy(err))
	}
	dir, err := findModuleTree(modules)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(vmlinuz)
	if err != nil {
		return nil, err
	}
	k := &Kernel{Vmlinuz: abs, Modules: dir, Version: filepath.Base(dir)}
	if hasPVHEntry(abs) {
		k.Vmlinux = abs
	}
	k.HZ = configHZ(filepath.Join(filepath.Dir(abs), "config-"+k.Version))
	return k, nil
}

// configHZ reads CONFIG_HZ from a kernel config file.
func configHZ(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CONFIG_HZ="); ok {
			hz, _ := strconv.Atoi(v)
			return hz
		}
	}
	return 0
}

// findModuleTree accepts lib/modules/<version> itself or any parent that holds exactly one such tree.
func findModuleTree(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err == nil {
		// The guest sees the host through 9p, where an absolute symlink would point into the guest.
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return "", fmt.Errorf("modules directory: %w", err)
	}
	if isModuleTree(dir) {
		return dir, nil
	}
	for _, base := range []string{filepath.Join(dir, "lib/modules"), filepath.Join(dir, "usr/lib/modules"), dir} {
		entries, err := os.ReadDir(base)
		if err != nil {
			continue
		}
		var found []string
		for _, e := range entries {
			if p := filepath.Join(base, e.Name()); e.IsDir() && isModuleTree(p) {
				found = append(found, p)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
		default:
			return "", fmt.Errorf("modules directory %s holds %d kernels' modules (%s); pass the one that matches the kernel", dir, len(found), strings.Join(found, ", "))
		}
	}
	return "", fmt.Errorf("modules directory %s: expected lib/modules/<version>/ (with kernel/ and modules.builtin) or a root that contains it; found neither", dir)
}

func isModuleTree(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "kernel"))
	return err == nil && st.IsDir()
}

func statWhy(err error) string {
	if err == nil {
		return "not a regular file"
	}
	return err.Error()
}
