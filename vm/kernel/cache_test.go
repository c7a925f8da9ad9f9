package kernel

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
		got, err := (Choice{Package: c.opt}).packageName()
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
	if left, _ := os.ReadDir(root); len(left) != 4 {
		t.Errorf("the cache holds %v, want two kernels and two links", left)
	}
	// A package given with a kernel by hand is a contradiction.
	if _, err := Ensure(context.Background(), Choice{Package: "linux-image-6.12-amd64", Vmlinuz: "x", Modules: "y"}); err == nil {
		t.Error("Choice.Package with Choice.Vmlinuz: got no error")
	}
}

// TestCompleteCacheSaysWhenItCannotUnpack: a cached kernel without its vmlinux is unpacked when next asked
// for; one that cannot be still boots (it unpacks itself), and a notice says why and what to do.
func TestCompleteCacheSaysWhenItCannotUnpack(t *testing.T) {
	cache := t.TempDir()
	root := filepath.Join(cache, "kernel")
	fakeCachedKernel(t, root, "linux-image-6.1.0-56-amd64_6.1.192-2", "6.1.0-56-amd64", time.Now())
	var notices bytes.Buffer
	k, err := Ensure(context.Background(), Choice{Cache: cache, Package: MetaPackage, Notices: &notices})
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
