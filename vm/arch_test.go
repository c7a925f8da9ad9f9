package vm

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm/kernel"
)

func TestGuestArchitectureChoice(t *testing.T) {
	t.Setenv(ArchEnv, "")
	t.Setenv(kernel.PackageEnv, "")
	for _, c := range []struct{ arch, pkg, want, err string }{
		{"", "", runtime.GOARCH, ""},
		{"arm64", "", "arm64", ""},
		{"", "linux-image-arm64", "arm64", ""},
		{"", "linux-image-6.12-amd64", "amd64", ""},
		{"amd64", "linux-image-arm64", "amd64", ""}, // the kernel package is then refused, by name
		{"mips", "", "", `guest architecture "mips" (from --arch): expected amd64 or arm64`},
	} {
		a, err := archOf(c.arch, c.pkg)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("arch %q, package %q: error %v, want %q", c.arch, c.pkg, err, c.err)
		case c.err == "" && (err != nil || a.name != c.want):
			t.Errorf("arch %q, package %q: %q, %v; want %s", c.arch, c.pkg, a.name, err, c.want)
		}
	}
	t.Setenv(ArchEnv, "arm64")
	if a, _ := archOf("", ""); a.name != "arm64" {
		t.Errorf("$%s=arm64: got %s", ArchEnv, a.name)
	}
	if a, _ := archOf("", "linux-image-amd64"); a.name != "amd64" {
		t.Errorf("$%s=arm64 and the kernel package linux-image-amd64 asked for: got %s, want the package's", ArchEnv, a.name)
	}
	t.Setenv(ArchEnv, "")
	t.Setenv(kernel.PackageEnv, "linux-image-arm64")
	if a, _ := archOf("", ""); a.name != "arm64" {
		t.Errorf("$%s=linux-image-arm64: got %s", kernel.PackageEnv, a.name)
	}
	if got := kernel.DefaultPackageFor("amd64"); got != "linux-image-amd64" {
		t.Errorf("$%s=linux-image-arm64, an amd64 guest's default kernel: %s, want linux-image-amd64", kernel.PackageEnv, got)
	}
}

// A guest's /init must be built for it: this test binary, built for the host, is refused as an arm64
// guest's, and KVM cannot run a guest of another architecture.
func TestAForeignGuestNeedsItsOwnBuildAndTCG(t *testing.T) {
	t.Setenv(ArchEnv, "")
	foreign := "arm64"
	if runtime.GOARCH == "arm64" {
		foreign = "amd64"
	}
	a, err := archOf(foreign, "")
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	if err := checkInit(self, a); err == nil || !strings.Contains(err.Error(), "rebuild it for linux/"+foreign) {
		t.Errorf("the host's binary as an %s guest's /init: got %v, want it refused", foreign, err)
	}
	if _, err := a.guestInit(); err == nil || !strings.Contains(err.Error(), GuestBinaryName(foreign)) {
		t.Errorf("an %s guest with no %s beside the binary: got %v", foreign, GuestBinaryName(foreign), err)
	}
	if _, err := planAccel(&Options{Arch: foreign, Accel: AccelKVM, Cache: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "KVM runs only the host's own architecture") {
		t.Errorf("--accel kvm for an %s guest: got %v", foreign, err)
	}
	plan, err := planAccel(&Options{Arch: foreign, Cache: t.TempDir()})
	if err != nil || plan.hw || !strings.Contains(plan.why, "only TCG emulates another architecture") {
		t.Errorf("auto for an %s guest: %+v, %v; want TCG", foreign, plan, err)
	}
}

// lvslab vm --prepare checks the /init the guest would boot, not the running binary: an arm64 guest on an
// amd64 host needs lvslab-linux-arm64 beside lvslab, as a Mac needs one for either architecture.
func TestCheckInitLooksForTheGuestsInit(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("passes this linux/amd64 test binary off as lvslab")
	}
	t.Setenv(ArchEnv, "")
	t.Setenv(kernel.PackageEnv, "")
	if err := CheckInit("arm64", ""); err == nil || !strings.Contains(err.Error(), GuestBinaryName("arm64")) {
		t.Errorf("an arm64 guest with no lvslab-linux-arm64 beside the test binary: got %v", err)
	}
	if err := CheckInit("", "linux-image-arm64"); err == nil || !strings.Contains(err.Error(), GuestBinaryName("arm64")) {
		t.Errorf("an arm64 kernel package, no lvslab-linux-arm64: got %v", err)
	}
}
