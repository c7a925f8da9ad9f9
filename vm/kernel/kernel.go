package kernel

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
	// Package and PackageVersion are the Debian package the kernel came from, when it came from one
	// (linux-image-6.1.0-57-amd64, 6.1.192-3).
	Package, PackageVersion string
	// Unpacks is the module file suffix (.ko.xz, .ko.zst or .ko.gz) that the kernel decompresses itself in
	// finit_module (CONFIG_MODULE_DECOMPRESS with that CONFIG_MODULE_COMPRESS_*); "" if none or unknown.
	Unpacks string
	// UnsignedLoads says the kernel's config lets it load a module with no signature (CONFIG_MODULE_SIG
	// without CONFIG_MODULE_SIG_FORCE, or no CONFIG_MODULE_SIG); false if the config is unknown.
	UnsignedLoads bool
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
	if HasPVHEntry(abs) {
		k.Vmlinux = abs
	}
	config := readConfig(filepath.Join(filepath.Dir(abs), "config-"+k.Version))
	k.HZ, _ = strconv.Atoi(config["CONFIG_HZ"])
	k.Unpacks = configUnpacks(config)
	k.UnsignedLoads = unsignedLoads(config)
	return k, nil
}

// readConfig reads the CONFIG_* settings of a kernel config file; nil if there is none.
func readConfig(path string) map[string]string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	config := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "CONFIG_") {
			config[k] = v
		}
	}
	return config
}

// unsignedLoads tells whether a kernel with this config loads modules that carry no signature: not one
// that enforces signatures, nor one locked down from its start (lockdown refuses unsigned modules).
func unsignedLoads(config map[string]string) bool {
	return config != nil && config["CONFIG_MODULE_SIG_FORCE"] != "y" &&
		config["CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY"] != "y" && config["CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY"] != "y"
}

// configUnpacks is the module suffix that a kernel with this config decompresses in finit_module: it
// unpacks the format its modules were compressed with, and only that one.
func configUnpacks(config map[string]string) string {
	if config["CONFIG_MODULE_DECOMPRESS"] != "y" {
		return ""
	}
	for _, c := range []struct{ option, suffix string }{
		{"CONFIG_MODULE_COMPRESS_XZ", ".ko.xz"}, {"CONFIG_MODULE_COMPRESS_ZSTD", ".ko.zst"}, {"CONFIG_MODULE_COMPRESS_GZIP", ".ko.gz"},
	} {
		if config[c.option] == "y" {
			return c.suffix
		}
	}
	return ""
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
