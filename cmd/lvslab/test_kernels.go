package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lvslab/lvslab/internal/toolver"

	"golang.org/x/sys/unix"

	"github.com/lvslab/lvslab/vm"
)

// kernelChoice is one --kernel: a Debian package, or a kernel image and its modules.
type kernelChoice struct {
	asked            string // as given
	pkg              string
	vmlinuz, modules string
}

// parseKernels reads the --kernel flags: PKG, a Debian package name, or VMLINUZ:MODULES_DIR.
func parseKernels(flags []string) ([]kernelChoice, error) {
	var out []kernelChoice
	seen := map[string]bool{}
	for _, f := range flags {
		var k kernelChoice
		switch {
		case strings.Contains(f, "/"):
			img, mods, ok := strings.Cut(f, ":")
			if !ok || img == "" || mods == "" {
				return nil, fmt.Errorf("--kernel %s: a kernel of your own is VMLINUZ:MODULES_DIR (the image, and lib/modules/<release> or a root that holds it)", f)
			}
			var err error
			if k.vmlinuz, err = filepath.Abs(img); err != nil {
				return nil, err
			}
			if k.modules, err = filepath.Abs(mods); err != nil {
				return nil, err
			}
			if _, err := os.Stat(k.vmlinuz); err != nil {
				return nil, fmt.Errorf("--kernel %s: %w", f, err)
			}
			k.asked = filepath.Base(k.vmlinuz)
		case vm.IsPackageName(f):
			k.pkg, k.asked = f, f
		default:
			return nil, fmt.Errorf("--kernel %q: expected a Debian package such as linux-image-6.12-amd64, or VMLINUZ:MODULES_DIR", f)
		}
		if seen[k.asked] {
			return nil, fmt.Errorf("--kernel %s given twice", f)
		}
		seen[k.asked] = true
		out = append(out, k)
	}
	return out, nil
}

// defaultKernel is the kernel the microVM boots when no --kernel says (vm.DefaultPackage).
func defaultKernel() kernelChoice {
	pkg := vm.DefaultPackage()
	return kernelChoice{asked: pkg, pkg: pkg}
}

// kernelRelease is uname -r.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// ipvsadmVersion is the first line of `ipvsadm --version` where ipvsadm is installed, else "".
func ipvsadmVersion(ctx context.Context) string { return toolver.FirstLine(ctx, "ipvsadm") }
