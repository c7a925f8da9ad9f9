// Package matrix runs lvslab test on several kernels, each in a microVM of its own, and joins what they
// found into one report: the kernel matrix.
package matrix

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lvslab/lvslab/debian"
	"github.com/lvslab/lvslab/vm"
	"github.com/lvslab/lvslab/vm/kernel"
)

// Kernel is one --kernel: a Debian package, or a kernel image and its modules.
type Kernel struct {
	Asked            string // as given
	Package          string
	Vmlinuz, Modules string
}

// ParseKernels reads the --kernel flags: PKG, a Debian package name, or VMLINUZ:MODULES_DIR.
func ParseKernels(flags []string) ([]Kernel, error) {
	var out []Kernel
	seen := map[string]bool{}
	for _, f := range flags {
		var k Kernel
		switch {
		case strings.Contains(f, "/"):
			img, mods, ok := strings.Cut(f, ":")
			if !ok || img == "" || mods == "" {
				return nil, fmt.Errorf("--kernel %s: a kernel of your own is VMLINUZ:MODULES_DIR (the image, and lib/modules/<release> or a root that holds it)", f)
			}
			var err error
			if k.Vmlinuz, err = filepath.Abs(img); err != nil {
				return nil, err
			}
			if k.Modules, err = filepath.Abs(mods); err != nil {
				return nil, err
			}
			if _, err := os.Stat(k.Vmlinuz); err != nil {
				return nil, fmt.Errorf("--kernel %s: %w", f, err)
			}
			k.Asked = filepath.Base(k.Vmlinuz)
		case debian.IsPackageName(f):
			k.Package, k.Asked = f, f
		default:
			return nil, fmt.Errorf("--kernel %q: expected a Debian package such as linux-image-6.12-amd64, or VMLINUZ:MODULES_DIR", f)
		}
		if seen[k.Asked] {
			return nil, fmt.Errorf("--kernel %s given twice", f)
		}
		seen[k.Asked] = true
		out = append(out, k)
	}
	return out, nil
}

// DefaultKernel is the kernel the microVM boots when no --kernel says: kernel.DefaultPackageFor the
// guest's architecture, arch or its default (an unknown one fails when the machine boots).
func DefaultKernel(arch string) Kernel {
	arch, _ = vm.GuestArch(arch, "")
	pkg := kernel.DefaultPackageFor(arch)
	return Kernel{Asked: pkg, Package: pkg}
}
