package kernel

import (
	"fmt"
	"os"

	"github.com/lvslab/lvslab/debian"
)

// PackageEnv names the environment variable that picks the kernel package when Choice.Package is empty,
// so that every command that boots the VM (lvslab test, demo, --vm) follows it.
const PackageEnv = "LVSLAB_KERNEL_PACKAGE"

// DefaultPackage is the kernel package the microVM boots when nothing else names one:
// $LVSLAB_KERNEL_PACKAGE, else linux-image-amd64.
func DefaultPackage() string {
	if pkg := os.Getenv(PackageEnv); pkg != "" {
		return pkg
	}
	return MetaPackage
}

// packageName is the package to boot: Choice.Package, else DefaultPackage. It must look like a Debian
// package name, since it also names a link in the cache.
func (c Choice) packageName() (string, error) {
	pkg, from := c.Package, "Options.Package"
	if pkg == "" {
		pkg, from = DefaultPackage(), "$"+PackageEnv
	}
	if !debian.IsPackageName(pkg) {
		return "", fmt.Errorf("kernel package %q (from %s): expected a Debian package name such as linux-image-6.12-amd64", pkg, from)
	}
	return pkg, nil
}
