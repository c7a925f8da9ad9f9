package vm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lvslab/lvslab/internal/needs"
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
	root, err := kernelRoot("")
	if err != nil {
		t.Fatal(err)
	}
	if pkg == "" {
		if cachedKernel(root, newerKernel) == nil {
			t.Skipf("%s is not in the cache %s, and %s names no package to fetch (it is 70 MB): "+
				"set %s=%s, or run LVSLAB_KERNEL_PACKAGE=%s lvslab vm --prepare", newerKernel, root, testPackageEnv, testPackageEnv, newerKernel, newerKernel)
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
	ix, err := loadIndex(ctx, k.Modules)
	if err != nil {
		t.Fatal(err)
	}
	// A scheduler that the run loads on demand: the newest one the kernel has.
	sched := "ip_vs_wrr"
	if _, ok := ix.lookup("ip_vs_twos"); ok {
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

func TestKernelPackage(t *testing.T) {
	t.Setenv(PackageEnv, "")
	for _, c := range []struct {
		opt, env, want string
		bad            bool
	}{
		{"", "", "linux-image-amd64", false},
		{"", "linux-image-6.12-amd64", "linux-image-6.12-amd64", false},
		{"linux-image-6.12.117+deb12-amd64", "linux-image-6.12-amd64", "linux-image-6.12.117+deb12-amd64", false},
		{"../../etc", "", "", true},
		{"", "Linux Image", "", true},
	} {
		t.Setenv(PackageEnv, c.env)
		got, err := (&Options{Package: c.opt}).kernelPackage()
		if c.bad {
			if err == nil || !strings.Contains(err.Error(), "expected a Debian package name") {
				t.Errorf("package %q, env %q: got %q, %v; want an error", c.opt, c.env, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("package %q, env %q: got %q, %v; want %q", c.opt, c.env, got, err, c.want)
		}
	}
}

// fakeCachedKernel puts an unpacked kernel package into a fake cache, fetched at the given time.
func fakeCachedKernel(t *testing.T, root, dir, version string, fetched time.Time) {
	t.Helper()
	for _, d := range []string{"boot", "lib/modules/" + version + "/kernel"} {
		if err := os.MkdirAll(filepath.Join(root, dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, dir, "boot", "vmlinuz-"+version), []byte("bzImage"), 0o644)
	os.Chtimes(filepath.Join(root, dir), fetched, fetched)
}

// TestCachedKernelByPackage picks kernels from a cache that holds two packages' kernels side by side.
func TestCachedKernelByPackage(t *testing.T) {
	root := t.TempDir()
	old, recent := time.Now().Add(-time.Hour), time.Now()
	fakeCachedKernel(t, root, "linux-image-6.1.0-56-amd64_6.1.192-2", "6.1.0-56-amd64", old)
	fakeCachedKernel(t, root, "linux-image-6.12.117+deb12-amd64_6.12.117-1~deb12u1", "6.12.117+deb12-amd64", recent)
	version := func(pkg string) string {
		if k := cachedKernel(root, pkg); k != nil {
			return k.Version
		}
		return "none"
	}
	// A cache from before the links: every kernel was linux-image-amd64's, so it takes the newest.
	if got := version("linux-image-amd64"); got != "6.12.117+deb12-amd64" {
		t.Errorf("linux-image-amd64 without links: got %s, want the newest kernel", got)
	}
	if got := version("linux-image-6.12-amd64"); got != "none" {
		t.Errorf("linux-image-6.12-amd64 before it was fetched: got %s, want none (fetch it)", got)
	}
	if got := version("linux-image-6.12.117+deb12-amd64"); got != "6.12.117+deb12-amd64" {
		t.Errorf("a versioned package: got %s, want its directory", got)
	}
	if err := linkPackage(root, "linux-image-6.12-amd64", "linux-image-6.12.117+deb12-amd64_6.12.117-1~deb12u1"); err != nil {
		t.Fatal(err)
	}
	if got := version("linux-image-6.12-amd64"); got != "6.12.117+deb12-amd64" {
		t.Errorf("linux-image-6.12-amd64: got %s, want the kernel its link names", got)
	}
	if got := version("linux-image-amd64"); got != "6.1.0-56-amd64" {
		t.Errorf("linux-image-amd64 beside a linked 6.12: got %s, want 6.1, the kernel no other package claims", got)
	}
	if err := linkPackage(root, "linux-image-amd64", "linux-image-6.1.0-56-amd64_6.1.192-2"); err != nil {
		t.Fatal(err)
	}
	if got := version("linux-image-amd64"); got != "6.1.0-56-amd64" {
		t.Errorf("linux-image-amd64 linked: got %s, want 6.1", got)
	}
	if left := listDir(t, root); len(left) != 4 {
		t.Errorf("the cache holds %v, want two kernels and two links", left)
	}
	// A package given with a kernel by hand is a contradiction.
	if _, err := EnsureKernel(context.Background(), Options{Package: "linux-image-6.12-amd64", Kernel: "x", ModulesDir: "y"}); err == nil {
		t.Error("Options.Package with Options.Kernel: got no error")
	}
}

// TestDebianKernelsCacheVmlinux: Debian's two kernels, 6.1 (xz with the x86 BCJ filter) and 6.12 (zstd),
// each fetched into the cache (or found there, and completed if an older lvslab could not unpack it),
// leave an ELF vmlinux that qemu boots through its PVH entry, so no boot unpacks the kernel under emulation.
func TestDebianKernelsCacheVmlinux(t *testing.T) {
	needs.VM(t) // fetches kernels
	var opts Options
	for _, pkg := range []string{metaPackage, newerKernel} {
		opts.Package = pkg
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		k, err := EnsureKernel(ctx, opts)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		if k.Vmlinux == "" || !hasPVHEntry(k.Vmlinux) {
			t.Errorf("%s (%s): the cache holds no ELF vmlinux with a PVH entry beside %s (Vmlinux %q)", pkg, k.Version, k.Vmlinuz, k.Vmlinux)
		}
	}
}

// TestCompleteCacheSaysWhenItCannotUnpack: a cached kernel without its vmlinux is unpacked when next asked
// for; one that cannot be still boots (it unpacks itself), and a notice says why and what to do.
func TestCompleteCacheSaysWhenItCannotUnpack(t *testing.T) {
	cache := t.TempDir()
	root := filepath.Join(cache, "kernel")
	fakeCachedKernel(t, root, "linux-image-6.1.0-56-amd64_6.1.192-2", "6.1.0-56-amd64", time.Now())
	var notices bytes.Buffer
	k, err := EnsureKernel(context.Background(), Options{Cache: cache, Package: metaPackage, Notices: &notices})
	if err != nil || k == nil || k.Vmlinux != "" {
		t.Fatalf("got %+v, %v; want the cached kernel, without a vmlinux", k, err)
	}
	if n := notices.String(); !strings.Contains(n, "expected a bzImage") || !strings.Contains(n, "four times slower") || !strings.Contains(n, "to fetch it again") {
		t.Errorf("notice %q: want why, what it costs, and what to do", n)
	}
	left, _ := filepath.Glob(filepath.Join(root, "*", "boot", "*vmlinux*"))
	if len(left) != 0 {
		t.Errorf("left %v in the cache", left)
	}
}
