package vm

import (
	"slices"
	"strings"
	"testing"

	"github.com/lvslab/lvslab/vm/guest/bootload"
	"github.com/lvslab/lvslab/vm/kernel"
	"github.com/lvslab/lvslab/vm/proto"
)

// TestEmulationOnlyKernelOptions checks that what only saves time under TCG (rodata=off, norandmaps, /init's
// GODEBUG, init_on_alloc=0) is asked of the kernel under TCG, and that a KVM guest keeps Debian's defaults.
func TestEmulationOnlyKernelOptions(t *testing.T) {
	for _, kvm := range []bool{false, true} {
		args := qemuArgs(qemuConfig{hw: kvm, arch: guestArches[0]})
		i := slices.Index(args, "-append")
		if i < 0 || i+1 == len(args) {
			t.Fatalf("kvm=%v: no -append in %q", kvm, args)
		}
		words := strings.Fields(args[i+1])
		for _, w := range []string{"rodata=off", "norandmaps", "init_on_alloc=0", "GODEBUG=cpu.sse42=off,cpu.avx=off"} {
			want := !kvm && (!strings.HasPrefix(w, "GODEBUG=") || x86FeaturesOptional())
			if got := slices.Contains(words, w); got != want {
				t.Errorf("kvm=%v: kernel command line %q: %s there is %v, want %v", kvm, args[i+1], w, got, want)
			}
		}
	}
}

// The guest loads its boot modules before it reads the kernel command line (package bootload), without
// parameters: the command line lvslab writes must give none to a boot module, or to what they need.
func TestKernelCommandLineHasNoBootModuleParameters(t *testing.T) {
	mods := append(slices.Clone(proto.BootModules), "netfs", "9pnet", "virtio") // and what they need, on Debian's 6.1 and 6.12
	for _, a := range guestArches {
		for _, hw := range []bool{false, true} {
			args := qemuArgs(qemuConfig{hw: hw, arch: a, tscKHz: 2000000, hz: 250})
			for _, w := range strings.Fields(args[slices.Index(args, "-append")+1]) {
				mod, _, ok := strings.Cut(strings.SplitN(w, "=", 2)[0], ".")
				if ok && strings.Contains(w, "=") && slices.Contains(mods, kernel.ModName(mod)) {
					t.Errorf("%s, hw %v: the kernel command line gives boot module %s a parameter: %s", a.name, hw, mod, w)
				}
			}
		}
	}
}

// The host writes the boot modules where the guest's early loader reads them.
func TestBootModulesWhereTheEarlyLoaderLooks(t *testing.T) {
	if proto.BootModuleDir != bootload.BootModuleDir {
		t.Errorf("the initramfs holds boot modules in %s, the early loader reads %s", proto.BootModuleDir, bootload.BootModuleDir)
	}
}
