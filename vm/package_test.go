package vm

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"
	"github.com/lvslab/lvslab/vm/kernel"
)

// testPackageEnv names a kernel package for TestRunKernelPackage to boot, fetching it if needed.
const testPackageEnv = "LVSLAB_TEST_KERNEL_PACKAGE"

// newerKernel is the package TestRunKernelPackage boots when its kernel is in the cache already: Debian's
// 6.12, whose modules are .ko.xz and which has ip_vs_twos.
const newerKernel = "linux-image-6.12-amd64"

// TestRunKernelPackage boots a second kernel package, by default Debian's 6.12 with compressed modules:
// the boot modules unpacked on the host, Options.Modules and the guest's modprobe loading .ko.xz files.
// It runs when $LVSLAB_TEST_KERNEL_PACKAGE names a package (fetched if need be) or when 6.12 is cached.
func TestRunKernelPackage(t *testing.T) {
	opts := needVM(t)
	pkg := os.Getenv(testPackageEnv)
	if pkg == "" {
		if k, err := kernel.Cached("", newerKernel); err != nil || k == nil {
			t.Skipf("%s is not in the cache (%v), and %s names no package to fetch (it is 70 MB): "+
				"set %s=%s, or run LVSLAB_KERNEL_PACKAGE=%s lvslab vm --prepare", newerKernel, err, testPackageEnv, testPackageEnv, newerKernel, newerKernel)
		}
		pkg = newerKernel
	}
	opts.Package = pkg
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	k, err := EnsureKernel(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := kernel.LoadIndex(ctx, k.Modules)
	if err != nil {
		t.Fatal(err)
	}
	// A scheduler that the run loads on demand: the newest one the kernel has.
	sched := "ip_vs_wrr"
	if _, ok := ix.Lookup("ip_vs_twos"); ok {
		sched = "ip_vs_twos"
	}
	script := `set -e
test "$(uname -r)" = "$WANT_RELEASE" || { echo "booted $(uname -r), want $WANT_RELEASE"; exit 10; }
grep -q '^Prot LocalAddress' /proc/net/ip_vs || exit 11
modprobe "$SCHED" && grep -q "^$SCHED " /proc/modules || exit 12
`
	var out bytes.Buffer
	opts.Argv = []string{"sh", "-c", script}
	opts.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "WANT_RELEASE=" + k.Version, "SCHED=" + sched}
	opts.Stdout, opts.Stderr = &out, &out
	opts.Modules = []string{"ip_vs"}
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (%s): boot to init %v, total %v; modprobe %s", pkg, k.Version, res.BootToInit, res.Total, sched)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d, output %q", res.ExitCode, out.String())
	}
}

// TestDebianKernelsCacheVmlinux: Debian's two kernels, 6.1 (xz with the x86 BCJ filter) and 6.12 (zstd),
// each fetched into the cache (or found there, and completed if an older lvslab could not unpack it),
// leave an ELF vmlinux that qemu boots through its PVH entry, so no boot unpacks the kernel under emulation.
func TestDebianKernelsCacheVmlinux(t *testing.T) {
	needs.VM(t) // fetches kernels
	var opts Options
	for _, pkg := range []string{kernel.MetaPackage, newerKernel} {
		opts.Package = pkg
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		k, err := EnsureKernel(ctx, opts)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		if k.Vmlinux == "" || !kernel.HasPVHEntry(k.Vmlinux) {
			t.Errorf("%s (%s): the cache holds no ELF vmlinux with a PVH entry beside %s (Vmlinux %q)", pkg, k.Version, k.Vmlinuz, k.Vmlinux)
		}
	}
}
