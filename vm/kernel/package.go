package kernel

import (
	"fmt"
	"os"
	"strings"

	"github.com/lvslab/lvslab/debian"
)

// PackageEnv names the environment variable that picks the kernel package when Choice.Package is empty,
// so that every command that boots the VM (lvslab test, demo, --vm) follows it.
const PackageEnv = "LVSLAB_KERNEL_PACKAGE"

// DefaultPackageFor is the kernel package an arch's microVM boots when nothing else names one:
// $LVSLAB_KERNEL_PACKAGE unless it is another architecture's kernel (its name ends in -arm64 where arch
// is amd64), else Debian's kernel for arch (linux-image-amd64, linux-image-arm64).
func DefaultPackageFor(arch string) string {
	pkg := os.Getenv(PackageEnv)
	for _, other := range debian.Arches {
		if other != arch && strings.HasSuffix(pkg, "-"+other) {
			pkg = ""
		}
	}
	if pkg != "" {
		return pkg
	}
	return "linux-image-" + arch
}

// packageName is the package to boot: Choice.Package, else the default for its architecture. It must look
// like a Debian package name, since it also names a link in the cache, and be a kernel of that
// architecture: Debian's kernel packages end in it (linux-image-6.12-amd64, linux-image-rt-arm64).
func (c Choice) packageName() (string, error) {
	pkg, from := c.Package, "Options.Package"
	if pkg == "" {
		pkg, from = DefaultPackageFor(c.arch()), "$"+PackageEnv
	}
	if !debian.IsPackageName(pkg) {
		return "", fmt.Errorf("kernel package %q (from %s): expected a Debian package name such as linux-image-6.12-amd64", pkg, from)
	}
	if !strings.HasSuffix(pkg, "-"+c.arch()) {
		return "", fmt.Errorf("kernel package %s (from %s) is not an %s kernel: expected a name ending in -%s, such as linux-image-%s", pkg, from, c.arch(), c.arch(), c.arch())
	}
	return pkg, nil
}

// arch is the Debian architecture of the kernel opts asks for.
func (c Choice) arch() string {
	if c.Arch == "" {
		return DefaultArch
	}
	return c.Arch
}

// bootsELF tells whether qemu boots an arch's kernel fastest as an ELF vmlinux unpacked on the host
// (x86's PVH entry); qemu-system-aarch64 takes Debian's arm64 image as it is.
func bootsELF(arch string) bool { return arch == "amd64" }
